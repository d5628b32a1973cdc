#!/bin/sh
# make validate: cross-check vbench against reference tools on this machine, natively.
#   fio    vs io.blk.randread (4 KiB random read, O_DIRECT, QD1 and QD32, same scratch file)
#   iperf3 vs io.net.stream   (TCP stream over loopback in a private network namespace)
#   perf bench (Debian's linux-perf) vs the OS workloads:
#          syscall basic                   vs os.syscall getppid_ns
#          sched pipe, pinned to one CPU   vs os.ctxsw same_cpu_round_trip_us
#          syscall fork, where perf has it vs os.fork forks
# The OS pairs alternate VALIDATE_ROUNDS times (the machine's load drifts; both sides see it).
# Prints both side by side with the ratio. See README "Cross-checks" for why they may differ.
# VALIDATE_PARTS picks what runs (default "disk net os"): e.g. VALIDATE_PARTS=os make validate.
set -eu
BUILD=${BUILD:-build}
V="$BUILD/vbench"
SIZE_MB=${VALIDATE_DISK_MB:-256}
SECONDS_EACH=${VALIDATE_SECONDS:-5}
ROUNDS=${VALIDATE_ROUNDS:-3}
PARTS=${VALIDATE_PARTS:-disk net os}
part() { case " $PARTS " in *" $1 "*) return 0 ;; esac; return 1; }

need="util-linux"
part disk && need="$need fio"
part net && need="$need iperf3 iproute2"
part os && need="$need linux-perf"
missing=""
for p in $need; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "validate: installing:$missing"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

tmp=$(mktemp -d /var/tmp/vbench-validate-XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
rows="$tmp/rows" # name|unit|vbench values|reference values|tool|why there is no reference
: >"$rows"
row() { printf '%s|%s|%s|%s|%s|%s\n' "$@" >>"$rows"; }

# median of one metric of the native backend in a results file ("" when it has none)
vb_median() { # file workload metric
	python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
print(next((r["median"] for r in d["results"] if r["backend"] == "native" and
            r["workload"] == sys.argv[2] and r["metric"] == sys.argv[3] and
            r["median"] is not None), ""))' "$@"
}

if part disk || part net; then
	workloads=""
	part disk && workloads="io.blk.randread"
	part net && workloads="${workloads:+$workloads,}io.net.stream"
	disk="$tmp/disk.img"
	dd if=/dev/urandom of="$disk" bs=1M count="$SIZE_MB" status=none conv=fsync
	# vbench, full-size samples on the same file
	"$V" run native --workloads "$workloads" --suite full --repeat 3 --warmup 1 \
		--disk "$disk" --quiet --out "$tmp/out" --json "$tmp/io.json" >/dev/null
fi

if part disk; then
	fio_engine=io_uring
	fio --name=probe --filename="$disk" --direct=1 --rw=randread --bs=4k --ioengine=io_uring \
		--size=1M --io_size=4k --output-format=terse >/dev/null 2>&1 || fio_engine=libaio
	fio_iops() { # iodepth
		fio --name=v --filename="$disk" --direct=1 --rw=randread --bs=4k --iodepth="$1" \
			--ioengine="$fio_engine" --runtime="$SECONDS_EACH" --time_based --norandommap \
			--randrepeat=0 --output-format=json 2>/dev/null |
			python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["read"]["iops"])'
	}
	row "4 KiB random read QD1" IOPS "$(vb_median "$tmp/io.json" io.blk.randread qd1_iops)" \
		"$(fio_iops 1)" "fio $fio_engine" ""
	row "4 KiB random read QD32" IOPS "$(vb_median "$tmp/io.json" io.blk.randread qd32_iops)" \
		"$(fio_iops 32)" "fio $fio_engine" ""
fi

if part net; then
	# iperf3 over loopback, in a namespace of its own: nothing touches the host's network
	iperf_mbps=$(unshare --net sh -c '
		ip link set lo up
		iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
		sleep 0.5
		iperf3 -c 127.0.0.1 -p 5299 -t '"$SECONDS_EACH"' -J 2>/dev/null' |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 8e6)')
	row "TCP stream, loopback" MB/s "$(vb_median "$tmp/io.json" io.net.stream stream_mbps)" \
		"$iperf_mbps" iperf3 ""
fi

if part os; then
	# Debian's /usr/bin/perf may be a wrapper that wants a perf_X.Y matching the running kernel;
	# perf bench opens no perf events, so perf_event_paranoid does not matter to it.
	perf=""
	for p in perf $(ls /usr/bin/perf_[0-9]* 2>/dev/null | sort -rV); do
		if "$p" bench syscall basic -l 1 >/dev/null 2>&1; then
			perf=$p
			break
		fi
	done
	[ -n "$perf" ] || { echo "validate: no working perf (Debian's linux-perf)"; exit 2; }
	perf_version=$("$perf" version 2>/dev/null | sed 's/^perf version //; s/-.*//')
	median3() { # command: the median of three runs' usecs/op
		for _ in 1 2 3; do "$@" | awk '/usecs\/op/ { print $1 }'; done | sort -g | sed -n 2p
	}
	has_fork=""
	"$perf" bench syscall fork -l 1 >/dev/null 2>&1 && has_fork=1
	vb_syscall="" vb_pipe="" vb_fork="" vb_pipe2="" vb_thread="" vb_clock=""
	ref_syscall="" ref_pipe="" ref_fork=""
	add() { [ -z "$2" ] || eval "$1=\"\${$1:+\$$1,}\$2\""; } # append to a comma-separated list
	i=0
	while [ "$i" -lt "$ROUNDS" ]; do
		i=$((i + 1))
		json="$tmp/os-$i.json"
		# what has no reference is shown once, from the first round
		workloads=os.syscall,os.ctxsw${has_fork:+,os.fork}
		[ "$i" -gt 1 ] || workloads=os.syscall,os.ctxsw,os.fork,os.thread,os.clock
		"$V" run native --workloads "$workloads" --suite quick --repeat 3 --warmup 1 --quiet \
			--out "$tmp/out" --json "$json" >/dev/null
		# os.ctxsw pins both ends of its same-CPU pair to the lowest CPU the agent may use
		cpu=$(python3 -c 'import json,sys
cpus = json.load(open(sys.argv[1]))["config"]["cpu_list"]
print(min(int(part.split("-")[0]) for part in cpus.split(",")))' "$json")
		add vb_syscall "$(vb_median "$json" os.syscall getppid_ns)"
		add vb_pipe "$(vb_median "$json" os.ctxsw same_cpu_round_trip_us)"
		add vb_pipe2 "$(vb_median "$json" os.ctxsw cross_cpu_round_trip_us)"
		add vb_fork "$(vb_median "$json" os.fork forks)"
		add vb_thread "$(vb_median "$json" os.thread threads)"
		add vb_clock "$(vb_median "$json" os.clock clock_gettime_ns)"
		# perf runs three times and the median counts, as for vbench's samples; each run at least
		# vbench's work per sample, and the pipe's 20000 round trips make perf's own fork and exit
		# (~1 ms, inside its clock) under 1%. perf reports microseconds per op: getppid in ns.
		add ref_syscall "$(median3 "$perf" bench syscall basic -l 400000 | awk '{ print $1 * 1000 }')"
		add ref_pipe "$(median3 taskset -c "$cpu" "$perf" bench sched pipe -l 20000)"
		[ -z "$has_fork" ] ||
			add ref_fork "$(median3 "$perf" bench syscall fork -l 1000 | awk '{ print 1e6 / $1 }')"
	done
	row "getppid()" ns "$vb_syscall" "$ref_syscall" "perf bench syscall basic" ""
	row "pipe round trip, 1 CPU" us "$vb_pipe" "$ref_pipe" "perf bench sched pipe" ""
	if [ -n "$has_fork" ]; then
		row "fork+exit+wait" forks/s "$vb_fork" "$ref_fork" "perf bench syscall fork" ""
	else
		row "fork+exit+wait" forks/s "$vb_fork" "" "-" "perf $perf_version has no syscall fork"
	fi
	row "pipe round trip, 2 CPUs" us "$vb_pipe2" "" "-" \
		"perf cannot pin its two processes to different CPUs"
	row "thread create+join" threads/s "$vb_thread" "" "-" "no reference tool"
	row "clock_gettime()" ns "$vb_clock" "" "-" "no reference tool"
fi

python3 - "$rows" <<'PY'
import statistics, sys
def values(s):
    return [float(x) for x in s.split(",") if x]
print("%-24s %-9s %12s %12s %-24s %7s %-13s %s" % ("measurement", "unit", "vbench", "reference",
      "tool", "ratio", "round ratios", "verdict"))
for line in open(sys.argv[1]):
    name, unit, vb, ref, tool, why = line.rstrip("\n").split("|")
    vb, ref = values(vb), values(ref)
    v = statistics.median(vb) if vb else None
    r = statistics.median(ref) if ref else None
    shown = lambda x: "-" if x is None else "%.1f" % x if x >= 100 else "%.3f" % x
    if v is None or r is None:
        verdict = "vbench has no value" if v is None else "no reference: " + why
        print("%-24s %-9s %12s %12s %-24s %7s %-13s %s" % (name, unit, shown(v), shown(r), tool,
              "-", "-", verdict))
        continue
    ratio = v / r if r else float("nan")
    # alternating rounds pair up: their spread shows how much of the ratio is the machine's noise
    paired = [a / b for a, b in zip(vb, ref) if b] if len(vb) == len(ref) > 1 else []
    spread = "%.2f-%.2f" % (min(paired), max(paired)) if paired else "-"
    ok = abs(ratio - 1) <= 0.15
    print("%-24s %-9s %12s %12s %-24s %7.3f %-13s %s" % (name, unit, shown(v), shown(r), tool,
          ratio, spread, "agree within 15%" if ok
          else "DIFFER by more than 15% (see README, Cross-checks)"))
PY
