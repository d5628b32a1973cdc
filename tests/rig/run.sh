#!/bin/sh
# The nested rig: QEMU (software emulation, AMD-V exposed) boots the Debian cloud kernel with kvm-amd,
# and vbench's own VMM boots the same kernel inside it. Exit 0 pass, 1 fail, 77 skip (with a reason).
# Usage: tests/rig/run.sh [vbench vm arguments...]   (default: --cpus 2 --disk /tmp/disk.img --net)
# RIG_COMMAND='...' runs that command in the outer guest instead (e.g. /vbench/vbench compare kvm native).
# RIG_TIMEOUT (s, per boot), RIG_STALL (s of console silence that make a stall), RIG_ATTEMPTS (boots
# when the emulator wedges or resets the outer guest), RIG_LOG (the console), RIG_TCG_THREAD (QEMU's TCG threading), RIG_IDLE
# (the outer kernel's idle= option; default poll), RIG_WITH_QEMU=1 (QEMU inside too, for the qemu backend).
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RIG_TIMEOUT=${RIG_TIMEOUT:-900}
QEMU=$(command -v qemu-system-x86_64 || true)
[ -n "$QEMU" ] || { echo "SKIP: qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)"; exit 77; }
BUSYBOX=$(command -v busybox || true)
[ -n "$BUSYBOX" ] && file -L "$BUSYBOX" 2>/dev/null | grep -q 'statically linked' || BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || { echo "SKIP: busybox-static is not installed"; exit 77; }
command -v cpio >/dev/null || { echo "SKIP: cpio is not installed"; exit 77; }
[ -x "$BUILD/vbench" ] && [ -x "$BUILD/vbench-agent" ] || { echo "SKIP: build vbench first (make)"; exit 77; }
scripts/fetch-guest.sh >/dev/null || { echo "SKIP: cannot fetch the guest kernel (make guest)"; exit 77; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM
ROOT=$TMP/root
mkdir -p "$ROOT/bin" "$ROOT/proc" "$ROOT/sys" "$ROOT/dev" "$ROOT/tmp" "$ROOT/var/tmp" "$ROOT/lib/rig" \
	"$ROOT/vbench/guest"
cp "$BUSYBOX" "$ROOT/bin/busybox"
for a in sh mount insmod poweroff cat echo sleep uname mkdir dd mke2fs seq; do ln -s busybox "$ROOT/bin/$a"; done
cp "$BUILD/vbench" "$BUILD/vbench-agent" "$ROOT/vbench/"
# the bare guest, where the build made one (kvm --vm-mode bare: tests/rig/bare.sh)
[ -f "$BUILD/vbench-bare" ] && cp "$BUILD/vbench-bare" "$ROOT/vbench/"
cp "$BUILD"/guest/*.ko "$BUILD/guest/vmlinuz" "$ROOT/vbench/guest/"
mv "$ROOT"/vbench/guest/irqbypass.ko "$ROOT"/vbench/guest/kvm.ko "$ROOT"/vbench/guest/kvm-amd.ko \
	"$ROOT"/vbench/guest/tun.ko "$ROOT"/vbench/guest/brd.ko "$ROOT/lib/rig/"
# vbench itself is dynamic: carry its shared libraries and the loader.
for lib in $(ldd "$BUILD/vbench" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\t\(\/[^ ]*\) .*/\1/p'); do
	mkdir -p "$ROOT$(dirname "$lib")"
	cp -L "$lib" "$ROOT$lib"
done
# RIG_WITH_QEMU=1: QEMU goes in too (its libraries and microvm firmware), for the qemu backend.
if [ -n "${RIG_WITH_QEMU:-}" ]; then
	mkdir -p "$ROOT/usr/bin"
	cp "$QEMU" "$ROOT/usr/bin/qemu-system-x86_64"
	for lib in $(ldd "$QEMU" | sed -n 's/.*=> \(\/[^ ]*\).*/\1/p; s/^\t\(\/[^ ]*\) .*/\1/p'); do
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
	# microvm's firmware: Debian keeps it in seabios's folder, on QEMU's search path.
	for f in /usr/share/qemu/bios-microvm.bin /usr/share/seabios/bios-microvm.bin \
		/usr/share/qemu/linuxboot_dma.bin; do
		[ -e "$f" ] && mkdir -p "$ROOT${f%/*}" && cp -L "$f" "$ROOT$f"
	done
fi
# A second inner initramfs whose init reboots at once: the guest-reboot path.
mkdir -p "$TMP/reboot/bin"
cp "$BUSYBOX" "$TMP/reboot/bin/busybox"
printf '#!/bin/busybox sh\n/bin/busybox echo "reboot test: rebooting"\n/bin/busybox reboot -f\n' >"$TMP/reboot/init"
chmod +x "$TMP/reboot/init"
(cd "$TMP/reboot" && find . | cpio -o -H newc --quiet) >"$ROOT/vbench/reboot.cpio"
ARGS=${*:---cpus 2 --disk /tmp/disk.img --net}
cat >"$ROOT/init" <<INIT
#!/bin/sh
export PATH=/bin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
insmod /lib/rig/irqbypass.ko
insmod /lib/rig/kvm.ko
insmod /lib/rig/kvm-amd.ko
insmod /lib/rig/tun.ko
# A RAM block device with a real filesystem: the harness's scratch disk needs O_DIRECT.
insmod /lib/rig/brd.ko rd_nr=1 rd_size=262144
mke2fs -q /dev/ram0 && mount -t ext2 /dev/ram0 /var/tmp
dd if=/dev/zero of=/tmp/disk.img bs=1M count=16 2>/dev/null
echo "RIG: outer kernel \$(uname -r), /dev/kvm: \$(ls /dev/kvm 2>&1), _text at \$(busybox grep ' _text\$' /proc/kallsyms)"
/vbench/vbench list 2>&1 | sed -n '/^Backends/,\$p'
${RIG_COMMAND:-/vbench/vbench vm --timeout 600 $ARGS}
echo "RIG-RESULT rc=\$?"
if [ -z "${RIG_COMMAND:-}" ]; then
	# A kernel that panics (no init to run) must end the VM with a clear message and exit 2.
	/vbench/vbench vm --timeout 300 --cmdline "console=ttyS0 panic=-1 pci=off rdinit=/nonexistent"
	echo "RIG-PANIC rc=\$?"
	/vbench/vbench vm --timeout 300 --initrd /vbench/reboot.cpio
	echo "RIG-REBOOT rc=\$?"
fi
poweroff -f
INIT
chmod +x "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc --quiet) >"$TMP/outer.cpio"

# monitor CMD...: run QEMU monitor commands (through QMP), their output on stdout
monitor() {
	python3 - "$TMP/qmp" "$@" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
f = s.makefile("rw")
def call(cmd, **args):
    f.write(json.dumps({"execute": cmd, "arguments": args}) + "\n")
    f.flush()
    while True:
        reply = json.loads(f.readline())
        if "return" in reply or "error" in reply:
            return reply.get("return", reply.get("error"))
f.readline()  # the greeting
call("qmp_capabilities")
for line in sys.argv[2:]:
    print(call("human-monitor-command", **{"command-line": line}))
PY
}
# wedged: whether the stalled outer guest is wedged, from two register dumps 5 s apart ($TMP/regs1,
# $TMP/regs) and its console's answer to SysRq-l. Seen: a CPU at CPL 0, not halted, with the same
# kernel-text address in CR2 both times (it faults on fetching its own kernel's code, again and
# again); a CPU halted for good and deaf to NMIs; both CPUs looping with interrupts off. Either
# way some CPU of the two never answers SysRq-l, or CR2 shows the loop.
wedged() {
	cr2() {
		awk '/^RIP=/ { k = $0 ~ /CPL=0/ && $0 ~ /HLT=0/ }
		     /^CR0=/ { match($0, /CR2=[0-9a-f]+/); print k, substr($0, RSTART + 4, RLENGTH - 4) }' "$1"
	}
	cr2 "$TMP/regs1" >"$TMP/cr2-1"
	cr2 "$TMP/regs" | paste -d' ' "$TMP/cr2-1" - |
		awk '$1 == 1 && $3 == 1 && $2 == $4 && $2 ~ /^ffffffff[89a-f]/ { w = 1 } END { exit !w }' ||
		[ "$(tr '\r' '\n' <"$LOG" | grep -aoE 'NMI backtrace for cpu [0-9]+' | sort -u | wc -l)" -lt 2 ]
}
# The outer guest's CPUs never halt (idle=poll): with QEMU 7.2 and 10.0 alike, an outer CPU halted
# in its idle loop was now and then never woken again, not even by an NMI (SysRq-l, issue 11), and
# everything pinned to it waited for good. A CPU that polls takes its interrupts. RIG_IDLE= (empty)
# restores halting, to look at that again.
# boot: one run of the rig; qrc is 0 when QEMU ended by itself, 124 on time-out, 125 when the outer
# guest is wedged, 126 when its console was silent for RIG_STALL seconds otherwise. Before QEMU is
# stopped, where the outer guest's CPUs are (registers, and the kernel's own backtraces and every
# task's stack through SysRq) goes into the log.
boot() {
	"$QEMU" -accel tcg,thread=${RIG_TCG_THREAD:-multi} -cpu qemu64,+svm,+npt -smp 2 -m 3072 \
		-nographic -qmp unix:"$TMP/qmp",server=on,wait=off -action reboot=shutdown,shutdown=pause \
		-d cpu_reset -D "$TMP/resets" \
		-kernel "$BUILD/guest/vmlinuz" -initrd "$TMP/outer.cpio" \
		-append "console=ttyS0 panic=-1 rdinit=/init sysrq_always_enabled ${RIG_IDLE:-idle=poll}" \
		</dev/null >"$LOG" 2>&1 &
	qpid=$!
	qrc=0
	waited=0 quiet=0 last=0
	rm -f "$TMP/stall"
	while kill -0 $qpid 2>/dev/null; do
		sleep 5
		waited=$((waited + 5))
		# A guest that powered off, rebooted or reset is paused, its CPUs as they were: after a
		# triple fault (QEMU logs it) their registers say where the outer kernel was.
		if monitor "info status" 2>/dev/null | grep -q 'paused (shutdown)'; then
			grep -q 'Triple fault' "$TMP/resets" 2>/dev/null && monitor "info registers -a" >"$TMP/regs"
			monitor quit >/dev/null 2>&1
			wait $qpid 2>/dev/null
			break
		fi
		size=$(stat -c %s "$LOG" 2>/dev/null || echo 0)
		if [ "$size" != "$last" ]; then last=$size quiet=0; else quiet=$((quiet + 5)); fi
		if [ $quiet -ge "$RIG_STALL" ] || [ $waited -ge "$RIG_TIMEOUT" ]; then
			[ $quiet -ge "$RIG_STALL" ] && qrc=126 || qrc=124
			monitor "info registers -a" >"$TMP/regs1"
			sleep 5
			monitor "info registers -a" >"$TMP/regs"
			{
				echo "RIG-STALL: the outer guest's CPUs (QEMU monitor):"
				grep -aE '^(CPU|RAX|RSI|R8 |R12|RIP|CS |CR0|EFER)' "$TMP/regs"
				monitor "sendkey alt-sysrq-l" "sendkey alt-sysrq-w" "sendkey alt-sysrq-t"
			} >"$TMP/stall" 2>&1
			sleep 20
			kill $qpid
			break
		fi
	done
	wait $qpid 2>/dev/null
	# An outer guest that reset without a word on its console triple-faulted (QEMU's -d cpu_reset
	# log says so); its CPUs' registers were read above, before QEMU was told to quit.
	if grep -q 'Triple fault' "$TMP/resets" 2>/dev/null; then
		{
			echo "RIG-RESET: the outer guest triple-faulted; its CPUs then (outer _text at" \
				"$(grep -ao ' [0-9a-f]* T _text' "$LOG" | head -1 | cut -d' ' -f2)):"
			grep -aE '^(CPU|RIP|CS |SS |CR0|EFER)' "$TMP/regs" 2>/dev/null | head -20
		} >>"$LOG"
		qrc=127
	fi
	qpid=
	if [ -s "$TMP/stall" ]; then
		wedged && qrc=125
		cat "$TMP/stall" >>"$LOG"
	fi
}

LOG=${RIG_LOG:-$BUILD/rig-console.log}
mkdir -p "$BUILD"
RIG_STALL=${RIG_STALL:-120}
RIG_ATTEMPTS=${RIG_ATTEMPTS:-5}
qpid=
trap '[ -n "$qpid" ] && kill $qpid 2>/dev/null; rm -rf "$TMP"' EXIT
# QEMU's emulation of SVM now and then wedges the outer guest for good (see wedged; issue 4 has
# the registers and backtraces), or resets it: the outer kernel itself triple-faults, which nothing
# vbench does as a process can cause (a nested guest's triple fault is KVM's to handle: SVM
# intercepts it). Such a stall or reset, and only that, is retried, and reported.
rm -f "$LOG".stall-* "$LOG".reset-*
attempt=1
emulator=
while :; do
	echo "rig: booting QEMU (TCG, qemu64,+svm,+npt), console in $LOG (attempt $attempt)"
	boot
	{ [ $qrc -eq 125 ] || [ $qrc -eq 127 ]; } && [ $attempt -lt "$RIG_ATTEMPTS" ] || break
	if [ $qrc -eq 125 ]; then
		cp "$LOG" "$LOG.stall-$attempt"
		emulator="$emulator stall-$attempt"
		echo "rig: attempt $attempt stalled: no console output for $RIG_STALL s, and an outer CPU wedged:"
		grep -aE '^RIP=|^CR0=|NMI backtrace for cpu|Sending NMI|\] RIP: 0010' "$LOG" | sed 's/^/      /' | head -10
		echo "rig: full console in $LOG.stall-$attempt; retrying"
	else
		cp "$LOG" "$LOG.reset-$attempt"
		emulator="$emulator reset-$attempt"
		echo "rig: attempt $attempt ended in a triple fault of the outer kernel:"
		sed -n '/^RIG-RESET/,$p' "$LOG" | sed 's/^/      /' | head -12
		echo "rig: full console in $LOG.reset-$attempt; retrying"
	fi
	attempt=$((attempt + 1))
done
grep -aE 'RIG|agent ready|vbench vm:|kvm |virtio_blk|virtio_net|vda' "$LOG" | tail -20
[ -n "$emulator" ] && echo "NOTE: the rig stalled or reset in QEMU's SVM emulation $((attempt - 1)) time(s) and was booted again (consoles in $(echo $emulator | sed "s|[a-z]*-[0-9]*|$LOG.&|g"))"
if [ -n "${RIG_COMMAND:-}" ] && grep -q 'RIG-RESULT rc=0' "$LOG"; then
	echo "PASS: '$RIG_COMMAND' succeeded inside the rig"
	exit 0
fi
if grep -q 'RIG-RESULT rc=0' "$LOG" && grep -q 'agent ready: kernel .*, 2 CPUs' "$LOG"; then
	if ! grep -q 'RIG-PANIC rc=2' "$LOG" || ! grep -q 'vbench vm: the guest kernel panicked' "$LOG"; then
		echo "FAIL: a panicking guest kernel was not reported (exit 2, 'panicked')"
		exit 1
	fi
	echo "PASS: vbench's VMM booted the Debian cloud kernel to the agent inside the rig (2 vCPUs, disk, net)"
	echo "PASS: a panicking guest kernel ends the VM with exit 2 and the panic line"
	if ! grep -q 'RIG-REBOOT rc=0' "$LOG" || ! grep -q 'vbench vm: the guest rebooted' "$LOG"; then
		echo "FAIL: a rebooting guest did not end the VM as 'rebooted'"
		exit 1
	fi
	echo "PASS: a guest reboot ends the VM as 'rebooted'"
	exit 0
fi
[ $qrc -eq 127 ] && echo "FAIL: the rig's outer guest triple-faulted (QEMU's record in the log)" && grep -a -A8 RIG-RESET "$LOG"
[ $qrc -eq 124 ] && echo "FAIL: the rig timed out after $RIG_TIMEOUT s"
[ $qrc -eq 125 ] && echo "FAIL: the rig stalled $attempt times: an outer CPU wedged (registers and backtraces in the log)"
[ $qrc -eq 126 ] && echo "FAIL: no console output for $RIG_STALL s while the outer guest's CPUs were not wedged: vbench hung? (registers and backtraces in the log)"
echo "FAIL: see $LOG; last lines:"
tail -30 "$LOG"
exit 1
