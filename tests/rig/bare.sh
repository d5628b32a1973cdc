#!/bin/sh
# In the nested rig (hardware-assisted KVM inside): the kvm backend's bare guest runs there too,
# `--vm-mode bare`: cpu and mem workloads and vm.exit measure, kernel workloads are unsupported
# with the bare guest's reason, and the results say which mode ran. Exit 0 pass, 1 fail, 77 skip.
cd "$(dirname "$0")/../.."
[ -f "${BUILD:-build}/vbench-bare" ] || { echo "SKIP: no build/vbench-bare (make)"; exit 77; }
RIG_COMMAND='/vbench/vbench compare kvm native --vm-mode bare --suite smoke --cpus 2 --workloads cpu.sha256,cpu.nbody,mem.latency,mem.tlb,os.syscall,vm.exit --no-report --json /tmp/r.json; rc=$?; echo RIG-JSON-BEGIN; cat /tmp/r.json; echo; echo RIG-JSON-END; (exit $rc)' \
	RIG_LOG=${BUILD:-build}/rig-bare-console.log tests/rig/run.sh
rc=$?
LOG=${BUILD:-build}/rig-bare-console.log
[ $rc -eq 77 ] && exit 77
tr -d '\r' <"$LOG" >"$LOG.txt"
python3 tests/rig/console-json.py "$LOG.txt" >"$LOG.json" || { cat "$LOG.json"; exit 1; }
python3 - "$LOG.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
kvm = next(b for b in doc["backends"] if b["name"] == "kvm")
problems = []
if kvm.get("mode") != "bare guest":
    problems.append("kvm's mode is %r, not 'bare guest'" % kvm.get("mode"))
res = {(r["workload"], r["metric"]): r for r in doc["results"] if r["backend"] == "kvm"}
for key in [("cpu.sha256", "single"), ("cpu.nbody", "all"), ("mem.latency", "lat_64KiB"),
            ("mem.tlb", "ns_per_access"), ("vm.exit", "pio_p50_ns"), ("vm.exit", "mmio_p50_ns"),
            ("vm.exit", "cpuid_p50_ns")]:
    r = res.get(key)
    if not r or r["status"] != "ok" or not r["samples"]:
        problems.append("kvm %s/%s not measured in the bare guest: %s"
                        % (key[0], key[1], r and (r["status"], r.get("note"))))
sc = res.get(("os.syscall", "getppid_ns"))
if not sc or sc["status"] != "unsupported" or "bare guest" not in sc.get("note", ""):
    problems.append("os.syscall on the bare guest is not unsupported with its reason: %r" % sc)
# the vCPUs' clocks were compared (nested KVM gives each vCPU a TSC offset of its own)
iso = kvm.get("hello", {}).get("isolation", {})
offsets, within = iso.get("tsc_vcpu_offset_ns"), iso.get("tsc_vcpu_offset_within_ns")
if not offsets or len(offsets) != 2 or not within or len(within) != 2 or None in offsets:
    problems.append("the hello has no consistent vCPU clock comparison: %r, %r" % (offsets, within))
else:
    print("vCPU 1's TSC against vCPU 0's: %+.0f ns (within %.0f ns)" % (offsets[1], within[1]))
for p in problems:
    print("FAIL: " + p)
if problems:
    sys.exit(1)
print("bare guest in the rig: %s; vm.exit pio p50 %.0f ns, mmio p50 %.0f ns, cpuid p50 %.0f ns"
      % (kvm.get("details", "")[:120], *(sorted(res[("vm.exit", m)]["samples"])[len(res[("vm.exit", m)]["samples"]) // 2]
                                         for m in ("pio_p50_ns", "mmio_p50_ns", "cpuid_p50_ns"))))
PY
echo "PASS: the bare guest ran in the rig"
exit 0
