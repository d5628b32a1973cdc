#!/bin/sh
# kvm backend on this host: the probe's verdict in `vbench list`, and `vbench vm`'s clear errors (exit 2).
# Exit 0 pass, 1 fail, 77 skip.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
V=$BUILD/vbench
[ -x "$V" ] || { echo "SKIP: build vbench first"; exit 77; }
[ -e /dev/kvm ] || { echo "SKIP: no /dev/kvm on this host"; exit 77; }
fail() { echo "FAIL: $*"; exit 1; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# The probe answers within seconds and, when it refuses, says why with a measurement.
start=$(date +%s)
"$V" list >"$TMP/list" 2>&1 || true
[ $(($(date +%s) - start)) -le 10 ] || fail "vbench list took more than 10 s"
grep -A1 '^ *kvm ' "$TMP/list" >"$TMP/kvm"
cat "$TMP/kvm"
if grep -q unavailable "$TMP/kvm"; then
	grep -qE 'ns per ring-0 instruction|/dev/kvm|kvm_pvm' "$TMP/kvm" || fail "kvm is unavailable without a measured reason"
	"$V" vm >"$TMP/out" 2>&1
	[ $? -eq 2 ] || fail "vbench vm on a refusing host did not exit 2"
	grep -q 'use --force' "$TMP/out" || fail "vbench vm did not explain the refusal: $(cat "$TMP/out")"
fi

# A PVM host is known for what it is, whatever the load: the module, not a timing, is the reason.
# A Linux guest is refused there (vbench vm, qemu); the kvm backend runs the bare guest instead.
if [ -e /sys/module/kvm_pvm ]; then
	grep -q 'available' "$TMP/kvm" || fail "kvm is not available on a PVM host (the bare guest runs there)"
	grep -q 'how: bare guest' "$TMP/kvm" || fail "kvm on a PVM host does not say it runs the bare guest"
	grep -q 'kvm_pvm module is loaded' "$TMP/kvm" || fail "the PVM verdict does not name the module"
	grep -A1 '^ *qemu ' "$TMP/list" | grep -q 'unavailable' || fail "qemu is called available on a PVM host"
	"$V" vm >"$TMP/out" 2>&1
	[ $? -eq 2 ] || fail "vbench vm (a Linux guest) on a PVM host did not exit 2"
	grep -q 'use --force' "$TMP/out" || fail "vbench vm did not explain the refusal: $(cat "$TMP/out")"
fi

# One examination per process: kvm and qemu both ask, the host is looked at once.
if command -v strace >/dev/null && strace -f -e trace=%file -o "$TMP/trace" "$V" list >/dev/null 2>&1; then
	n=$(grep -c '/sys/module/kvm_pvm' "$TMP/trace")
	[ "$n" -eq 1 ] || fail "vbench list examined the host $n times (want 1)"
else
	echo "NOTE: strace cannot trace here; the once-per-process check is left to test-kvm-probe"
fi

# A file that is not a bzImage: exit 2 and a clear message, nothing booted.
"$V" vm --force --kernel /etc/hostname >"$TMP/out" 2>&1
[ $? -eq 2 ] || fail "a non-bzImage kernel did not exit 2"
grep -q 'not a bzImage' "$TMP/out" || fail "no 'not a bzImage' message: $(cat "$TMP/out")"

# Usage errors and help.
"$V" vm --cpus 0 >/dev/null 2>&1; [ $? -eq 2 ] || fail "--cpus 0 did not exit 2"
"$V" vm --help | grep -q -- '--kernel' || fail "vbench vm --help does not document --kernel"

# A forced boot that cannot finish here times out cleanly and leaves no namespace, TAP or thread.
if grep -q unavailable "$TMP/kvm" && [ -s "$BUILD/guest/vmlinuz" ]; then
	before=$(ls /sys/class/net | sort | tr '\n' ' ')
	truncate -s 16M "$TMP/disk.img"
	"$V" vm --force --cpus 2 --disk "$TMP/disk.img" --net --timeout 3 >"$TMP/out" 2>&1
	[ $? -eq 2 ] || fail "a timed-out VM did not exit 2"
	grep -q 'no power-off within' "$TMP/out" || fail "no time-out message: $(cat "$TMP/out")"
	after=$(ls /sys/class/net | sort | tr '\n' ' ')
	[ "$before" = "$after" ] || fail "network interfaces changed: '$before' -> '$after'"
fi
echo "PASS"
exit 0
