#!/bin/sh
# Integration: the qemu backend boots the Debian cloud kernel with vbench's initramfs under QEMU's
# software emulation (VBENCH_QEMU_ACCEL=tcg: this host's KVM cannot boot Linux) and serves CPU,
# disk and network workloads; a VM that dies is reported, and nothing is left behind.
# Exit 0 pass, 1 fail, 77 skip.
set -u
. "$(dirname "$0")/lib.sh"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 is not installed"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root (network namespace and TAP)"; exit 77; }
[ -s "$BUILD/guest/vmlinuz" ] || { echo "SKIP: no guest kernel (make guest)"; exit 77; }
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export VBENCH_QEMU_ACCEL=tcg
# the runs' temporary folders go below $TMPDIR: one of this test's own, so no other run counts
mkdir "$tmp/runs"
export TMPDIR="$tmp/runs"
before_netns=$(ls /proc/*/ns/net 2>/dev/null | xargs -n1 readlink 2>/dev/null | sort -u | wc -l)

# The default 2 GiB: QEMU 10's microvm needs the backend's work-around there (see backends/qemu.c).
# (in a session of its own: a QEMU it leaves is told apart from other work on the machine)
session_run "$VBENCH" compare qemu --suite smoke --cpus 2 --repeat 2 --warmup 1 \
	--workloads 'cpu.sha256,os.syscall,io.blk.seq,io.net.rr' --out "$tmp/out" --json "$tmp/run.json" \
	--no-report --quiet >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
cat "$tmp/stdout" "$tmp/stderr"
[ $rc -eq 0 ] || { echo "FAIL: compare qemu exited $rc"; exit 1; }
python3 - "$tmp/run.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
qemu = next(b for b in doc["backends"] if b["name"] == "qemu")
assert qemu["ran"] is True, qemu
hello = qemu["hello"]
assert hello["cpus"] == 2, hello
ok = {(r["workload"], r["metric"]) for r in doc["results"]
      if r["backend"] == "qemu" and r["status"] == "ok" and len(r["samples"]) == 2}
for need in [("cpu.sha256", "single"), ("io.blk.seq", "read_mbps"), ("io.blk.seq", "write_mbps"),
             ("io.net.rr", "rr1_tps")]:
    assert need in ok, "no qemu samples for %s/%s" % need
print("qemu: %d metrics measured in the TCG guest, hello %s CPUs, kernel %s"
      % (len(ok), hello["cpus"], hello["kernel"]))
PY
[ "$(session_count -f 'qemu-system-x86_64 -nodefaults')" -eq 0 ] || { echo "FAIL: a QEMU process is left"; exit 1; }
[ -z "$(ls -A "$tmp/runs")" ] || { echo "FAIL: a run directory is left: $(ls "$tmp/runs")"; exit 1; }
after_netns=$(ls /proc/*/ns/net 2>/dev/null | xargs -n1 readlink 2>/dev/null | sort -u | wc -l)
[ "$after_netns" -le "$before_netns" ] || { echo "FAIL: a network namespace is left"; exit 1; }

# A guest that dies before its hello is reported with its console, not waited for.
printf 'not a kernel' >"$tmp/bad"
"$VBENCH" compare qemu --suite smoke --workloads os.syscall --kernel "$tmp/bad" --no-report \
	--out "$tmp/out2" --quiet >"$tmp/stdout2" 2>&1
rc=$?
cat "$tmp/stdout2"
[ $rc -eq 2 ] || { echo "FAIL: a bad kernel: exit $rc, not 2"; exit 1; }
grep -q 'QEMU failed\|QEMU said' "$tmp/stdout2" || { echo "FAIL: QEMU's own words were not shown"; exit 1; }
echo "PASS: the qemu backend ran CPU, disk and network workloads and left nothing behind"
