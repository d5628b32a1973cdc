#!/bin/sh
# make validate: cross-check vbench against reference tools on this machine, natively.
#   fio    vs io.blk.randread (4 KiB random read, O_DIRECT, QD1 and QD32, same scratch file)
#   iperf3 vs io.net.stream   (TCP stream over loopback in a private network namespace)
# Prints both side by side with the ratio. See README "Cross-checks" for why they may differ.
set -eu
BUILD=${BUILD:-build}
V="$BUILD/vbench"
SIZE_MB=${VALIDATE_DISK_MB:-256}
SECONDS_EACH=${VALIDATE_SECONDS:-5}

missing=""
for p in fio iperf3 iproute2 util-linux; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "validate: installing:$missing"
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

tmp=$(mktemp -d /var/tmp/vbench-validate-XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
disk="$tmp/disk.img"
dd if=/dev/urandom of="$disk" bs=1M count="$SIZE_MB" status=none conv=fsync

# vbench, full-size samples on the same file
"$V" run native --workloads 'io.blk.randread,io.net.stream' --suite full --repeat 3 --warmup 1 \
	--disk "$disk" --quiet --out "$tmp/out" --json "$tmp/vbench.json" >/dev/null

engine=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(next((r["note"] for r in d["results"] if r["workload"]=="io.blk.randread" and r["metric"]=="qd32_iops"), ""))' "$tmp/vbench.json")
fio_engine=io_uring
fio --name=probe --filename="$disk" --direct=1 --rw=randread --bs=4k --ioengine=io_uring \
	--size=1M --io_size=4k --output-format=terse >/dev/null 2>&1 || fio_engine=libaio

fio_iops() { # iodepth
	fio --name=v --filename="$disk" --direct=1 --rw=randread --bs=4k --iodepth="$1" \
		--ioengine="$fio_engine" --runtime="$SECONDS_EACH" --time_based --norandommap \
		--randrepeat=0 --output-format=json 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["jobs"][0]["read"]["iops"])'
}
fio_qd1=$(fio_iops 1)
fio_qd32=$(fio_iops 32)

# iperf3 over loopback, in a namespace of its own: nothing touches the host's network
iperf_mbps=$(unshare --net sh -c '
	ip link set lo up
	iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
	sleep 0.5
	iperf3 -c 127.0.0.1 -p 5299 -t '"$SECONDS_EACH"' -J 2>/dev/null' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 8e6)')

python3 - "$tmp/vbench.json" "$fio_qd1" "$fio_qd32" "$iperf_mbps" "$fio_engine" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
med = {(r["workload"], r["metric"]): r["median"] for r in doc["results"] if r["backend"] == "native"}
rows = [
    ("4 KiB random read QD1", "IOPS", med.get(("io.blk.randread", "qd1_iops")), float(sys.argv[2]), "fio " + sys.argv[5]),
    ("4 KiB random read QD32", "IOPS", med.get(("io.blk.randread", "qd32_iops")), float(sys.argv[3]), "fio " + sys.argv[5]),
    ("TCP stream, loopback", "MB/s", med.get(("io.net.stream", "stream_mbps")), float(sys.argv[4]), "iperf3"),
]
print("%-24s %-5s %14s %14s %-12s %7s  %s" % ("measurement", "unit", "vbench", "reference", "tool", "ratio", "verdict"))
bad = 0
for name, unit, v, ref, tool in rows:
    if v is None:
        print("%-24s %-5s %14s %14.1f %-12s %7s  vbench has no value" % (name, unit, "-", ref, tool, "-"))
        bad += 1
        continue
    ratio = v / ref if ref else float("nan")
    ok = abs(ratio - 1) <= 0.15
    bad += not ok
    print("%-24s %-5s %14.1f %14.1f %-12s %7.3f  %s" % (name, unit, v, ref, tool, ratio,
          "agree within 15%" if ok else "DIFFER by more than 15% (see README, Cross-checks)"))
sys.exit(0)
PY
