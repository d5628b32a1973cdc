#!/bin/sh
# `make bench-vmm`: vbench's VMM against QEMU microvm in the nested rig (run.sh, with QEMU inside as
# for ab.sh): the same kernel, initramfs (the agent as /init), CPUs and memory; `vbench compare qemu
# kvm` restarts each VM once per sample, interleaved, and times start request to the agent's hello
# (lifecycle.start: ready_ms, host_overhead_MiB). Prints medians of N and the kvm/qemu ratio.
# A benchmark, not a test: no thresholds. Usage: tests/rig/bench-vmm.sh [N]   (default 10)
set -u
cd "$(dirname "$0")/../.."
N=${1:-10}
BUILD=${BUILD:-build}
LOG=${BENCH_LOG:-$BUILD/rig-bench-vmm-console.log}
export RIG_WITH_QEMU=1
# The results document goes to the console between two markers, on one line. A boot the emulator
# wedges (run.sh: QEMU's SVM emulation, issue 4) is retried whole, as run.sh does by default.
RIG_COMMAND="/vbench/vbench compare qemu kvm --workloads lifecycle.start --suite smoke \
--repeat $N --cpus 2 --memory 512M --no-report --out /tmp/bench --json /tmp/bench.json 2>&1; \
echo BENCH-RC=\$?; echo BENCH-JSON-BEGIN; busybox tr -d '\\n' </tmp/bench.json; echo; \
echo BENCH-JSON-END" \
	RIG_LOG=$LOG RIG_TIMEOUT=${RIG_TIMEOUT:-$((N * 120 + 600))} \
	tests/rig/run.sh >"$LOG.out" 2>&1
rc=$?
[ $rc -eq 77 ] && { cat "$LOG.out"; exit 77; }
grep '^rig: attempt' "$LOG.out"
tr -d '\r' <"$LOG" | sed -n '/^BENCH-JSON-BEGIN/,/^BENCH-JSON-END/p' | sed '1d;$d' |
	tr -d '\n' >"$LOG.json"
grep -a '^BENCH-RC=' "$LOG" | tr -d '\r'
python3 - "$LOG.json" "$N" "$LOG" <<'PY'
import json, statistics, sys
try:
    doc = json.load(open(sys.argv[1]))
except ValueError as e:
    sys.exit("bench-vmm: no results document on the rig's console (%s); see %s" % (e, sys.argv[3]))
med = {}
for r in doc["results"]:
    if r["workload"] == "lifecycle.start" and r["samples"]:
        med[(r["backend"], r["metric"])] = statistics.median(r["samples"])
print("vbench VMM (kvm) vs QEMU microvm (qemu), nested rig, medians of %s restarts, interleaved"
      % sys.argv[2])
print("%-20s %12s %12s %10s" % ("metric", "kvm", "qemu", "kvm/qemu"))
for metric in ("ready_ms", "host_overhead_MiB"):
    k, q = med.get(("kvm", metric)), med.get(("qemu", metric))
    cells = ["-" if v is None else "%.2f" % v for v in (k, q)]
    ratio = "%.2fx" % (k / q) if k is not None and q else "-"
    print("%-20s %12s %12s %10s" % (metric, cells[0], cells[1], ratio))
for b in doc.get("backends", []):
    why = "" if b.get("ran") else " (did not run: %s)" % b.get("reason", "")
    print("%s: %s%s" % (b["name"], b.get("details", ""), why))
PY
