#!/bin/sh
# Integration: vbench's VMM runs each VM in a process of its own (issue 15 point 3). The VMM
# process is vbench's child under a seccomp filter; killed in the middle of a run, it ends that
# sample with an error naming the signal, the run goes on with a fresh VM and nothing is left
# running. Uses the bare guest; skips where KVM cannot run it.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[ -x "$BUILD/vbench-bare" ] || fail "$BUILD/vbench-bare is missing (make all)"
{ [ -r /dev/kvm ] && [ -w /dev/kvm ]; } || skip "no usable /dev/kvm"
"$VBENCH" list 2>/dev/null | grep -q '^  kvm *available' || skip "the kvm backend is unavailable"

session_start "$VBENCH" run kvm --vm-mode bare --suite smoke --repeat 3 --warmup 0 \
	--workloads 'cpu.*' --out "$tmp" --json "$tmp/r.json" >"$tmp/out" 2>&1
# Once the first workload has started, the VMM is a child of vbench: kill it there.
while ! grep -q '\[1/' "$tmp/out" && kill -0 "$SESSION_JOB" 2>/dev/null; do sleep 0.01; done
vmm=$(pgrep -P "$SESSION" | head -n1)
[ -n "$vmm" ] || fail "no VMM process under vbench ($SESSION): $(cat "$tmp/out")"
grep -q '^Seccomp:[[:space:]]*2' "/proc/$vmm/status" || fail "the VMM process has no seccomp filter"
kill -9 "$vmm"
wait "$SESSION_JOB"
rc=$?
cat "$tmp/out"
[ $rc -eq 1 ] || fail "expected exit 1 (a sample failed), got $rc"
grep -q "the VMM process (pid $vmm) was killed by signal 9" "$tmp/out" ||
	fail "the killed VMM is not named in the output"
left=$(session_count)
[ "$left" -eq 0 ] || fail "processes left running: $left"
python3 - "$tmp/r.json" <<'PY' || exit 1
import json, sys
doc = json.load(open(sys.argv[1]))
(b,) = doc["backends"]
assert b["ran"] and b["mode"] == "bare guest", b
# One workload lost a sample to the kill; the run went on with a fresh VM and measured the rest.
ok = [r for r in doc["results"] if r.get("samples")]
assert len(ok) > 1, "nothing measured after the VMM was killed"
PY
echo "PASS"
