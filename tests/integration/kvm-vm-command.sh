#!/bin/sh
# Integration: `vbench vm` runs its VM the kvm backend's way (issue 15 point 3): the VMM is a child
# process of vbench under a seccomp filter. A time-out, Ctrl-C and a killed VMM process each end it
# with the exit status its --help gives, and nothing is left running. The guest's /init sleeps
# (busybox), so that the VM outlives the time-out wherever Linux boots; where KVM cannot boot Linux
# (PVM) --force keeps it booting. The bare guest (--vm-mode bare) boots, says hello and powers off.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[ -x "$VBENCH" ] || skip "build vbench first (make)"
{ [ -r /dev/kvm ] && [ -w /dev/kvm ]; } || skip "no usable /dev/kvm"
[ -s "$BUILD/guest/vmlinuz" ] || skip "no guest kernel in $BUILD/guest (scripts/fetch-guest.sh)"
command -v cpio >/dev/null || skip "cpio is not installed"
BUSYBOX=$(command -v busybox) || skip "busybox (static, package busybox-static) is not installed"
ldd "$BUSYBOX" >/dev/null 2>&1 && skip "$BUSYBOX is not static (install busybox-static)"

mkdir -p "$tmp/root/bin"
cp "$BUSYBOX" "$tmp/root/bin/busybox"
printf '#!/bin/busybox sh\necho VM-INIT-SLEEPS\nexec /bin/busybox sleep 100000\n' >"$tmp/root/init"
chmod +x "$tmp/root/init"
(cd "$tmp/root" && find . | cpio -o -H newc --quiet) >"$tmp/sleep.cpio" || fail "cpio failed"
truncate -s 16M "$tmp/disk.img"

# Once vbench ($SESSION) has forked its VMM process and the filter is on: the VMM's pid in $vmm.
vmm_under_filter() {
	while kill -0 "$SESSION_JOB" 2>/dev/null; do
		vmm=$(pgrep -P "$SESSION" | head -n1)
		if [ -n "$vmm" ] && grep -q '^Seccomp:[[:space:]]*2' "/proc/$vmm/status" 2>/dev/null; then
			[ "$vmm" != "$SESSION" ] || fail "the VMM runs in vbench's own process"
			return
		fi
		sleep 0.05
	done
	fail "vbench ended before a VMM process under a seccomp filter was seen: $(cat "$tmp/out")"
}

# (b) and (c) stop the VM themselves; their --timeout only bounds a test that goes wrong.
vm() { # vbench vm arguments...
	session_start "$VBENCH" vm --force --initrd "$tmp/sleep.cpio" "$@" >"$tmp/out" 2>&1
}

# (a) A time-out: the VMM process is stopped and reaped, exit 2, nothing left.
vm --cpus 2 --net --disk "$tmp/disk.img" --timeout 4
vmm_under_filter
echo "VMM process $vmm (vbench $SESSION): $(grep -E '^(Seccomp|NoNewPrivs):' "/proc/$vmm/status" | tr '\n\t' '  ')"
wait "$SESSION_JOB"
rc=$?
cat "$tmp/out" | tail -5
[ $rc -eq 2 ] || fail "a timed-out VM exited $rc, not 2"
grep -q 'vbench vm: no power-off within 4 s' "$tmp/out" || fail "no time-out message"
[ ! -e "/proc/$vmm" ] || fail "the VMM process $vmm is still there"
[ "$(session_count)" -eq 0 ] || fail "processes left running: $(session_pids | tr '\n' ' ')"

# (b) Ctrl-C (SIGINT to the terminal's whole process group): exit 130, nothing left.
vm --net --timeout 300
vmm_under_filter
kill -s INT -- "-$SESSION"
wait "$SESSION_JOB"
rc=$?
tail -3 "$tmp/out"
[ $rc -eq 130 ] || fail "an interrupted VM exited $rc, not 130"
grep -q 'vbench vm: interrupted' "$tmp/out" || fail "no message for the interruption"
[ "$(session_count)" -eq 0 ] || fail "processes left running after Ctrl-C: $(session_pids | tr '\n' ' ')"

# (c) The VMM process killed: a clear error naming it, exit 2, nothing left.
vm --net --timeout 300
vmm_under_filter
kill -KILL "$vmm"
wait "$SESSION_JOB"
rc=$?
tail -3 "$tmp/out"
[ $rc -eq 2 ] || fail "a VM whose VMM process was killed exited $rc, not 2"
grep -q "vbench vm: the VMM process (pid $vmm) was killed by signal 9" "$tmp/out" ||
	fail "the killed VMM process is not named"
[ "$(grep -c 'killed by signal' "$tmp/out")" -eq 1 ] || fail "the death is said more than once"
[ "$(session_count)" -eq 0 ] || fail "processes left running: $(session_pids | tr '\n' ' ')"

# (d) The bare guest, where the kvm backend can run it: hello, power-off, exit 0.
if [ -x "$BUILD/vbench-bare" ] && "$VBENCH" list 2>/dev/null | grep -q '^  kvm *available'; then
	session_run "$VBENCH" vm --vm-mode bare --timeout 60 >"$tmp/out" 2>&1
	rc=$?
	cat "$tmp/out"
	[ $rc -eq 0 ] || fail "vbench vm --vm-mode bare exited $rc"
	grep -q 'vbench vm: agent ready: kernel none (bare guest)' "$tmp/out" || fail "no hello from the bare guest"
	grep -q 'vbench vm: the guest powered off' "$tmp/out" || fail "the bare guest did not power off"
	[ "$(session_count)" -eq 0 ] || fail "processes left running after the bare guest"
	"$VBENCH" vm --vm-mode bare --kernel "$BUILD/guest/vmlinuz" >"$tmp/out" 2>&1
	[ $? -eq 2 ] || fail "--kernel with --vm-mode bare was not a usage error"
else
	echo "NOTE: the kvm backend is unavailable here: --vm-mode bare not run"
fi
echo "PASS"
