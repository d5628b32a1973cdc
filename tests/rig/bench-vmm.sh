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
# The results document goes to the console between two markers, on one line.
RIG_COMMAND="/vbench/vbench compare qemu kvm --workloads lifecycle.start --suite smoke --repeat $N \
--cpus 2 --memory 512M --no-report --out /tmp/bench --json /tmp/bench.json 2>&1; echo BENCH-RC=\$?; \
echo BENCH-JSON-BEGIN; busybox tr -d '\\n' </tmp/bench.json; echo; echo BENCH-JSON-END" \
	RIG_LOG=$LOG RIG_ATTEMPTS=1 RIG_TIMEOUT=${RIG_TIMEOUT:-$((N * 120 + 600))} \
	tests/rig/run.sh >"$LOG.out" 2>&1
rc=$?
[ $rc -eq 77 ] && { cat "$LOG.out"; exit 77; }
tr -d '\r' <"$LOG" | sed -n '/^BENCH-JSON-BEGIN/,/^BENCH-JSON-END/p' | sed '1d;$d' | tr -d '\n' >"$LOG.json"
grep -a '^BENCH-RC=' "$LOG" | tr -d '\r'
python3 - "$LOG.json" "$N" <<'PY'
import json, statistics, sys
try:
    doc = json.load(open(sys.argv[1]))
except ValueError as e:
    sys.exit("bench-vmm: no results document on the rig's console (%s); see the console log" % e)
med = {}
for r in doc["results"]:
    if r["workload"] == "lifecycle.start" and r["samples"]:
        med[(r["backend"], r["metric"])] = (statistics.median(r["samples"]), len(r["samples"]))
print("vbench VMM (kvm) vs QEMU microvm (qemu), nested rig, medians of %s restarts, interleaved" % sys.argv[2])
print("%-20s %12s %12s %10s" % ("metric", "kvm", "qemu", "kvm/qemu"))
for metric in ("ready_ms", "host_overhead_MiB"):
    k, q = med.get(("kvm", metric)), med.get(("qemu", metric))
    if not k or not q:
        print("%-20s %12s %12s %10s" % (metric, k and "%.1f" % k[0] or "-", q and "%.1f" % q[0] or "-", "-"))
        continue
    print("%-20s %12.2f %12.2f %9.2fx" % (metric, k[0], q[0], k[0] / q[0] if q[0] else float("nan")))
for b in doc.get("backends", []):
    print("%s: %s%s" % (b["name"], b.get("details", ""), "" if b.get("ran") else " (did not run: %s)" % b.get("reason", "")))
PY
