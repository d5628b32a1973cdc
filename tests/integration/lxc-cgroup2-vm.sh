#!/bin/sh
# Integration: the lxc backend on a pure cgroup v2 host. This machine is hybrid, so a QEMU (TCG)
# guest boots Debian's cloud kernel (build/guest, `make guest`) with cgroup2 alone mounted and
# runs the isolation checks, the memory-limit check and an agent run there, then counts leftovers;
# then the isolation checks again as nobody in a delegated subtree (user-namespace mode).
set -u
. "$(dirname "$0")/lxc-lib.sh"
[ -x "$VBENCH" ] && [ -x "$BUILD/vbench-agent" ] || skip "build vbench first (make)"
[ -s "$BUILD/guest/vmlinuz" ] || skip "no guest kernel in $BUILD/guest (make guest)"
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
command -v cpio >/dev/null || skip "cpio is not installed"
BUSYBOX=$(command -v busybox) || skip "busybox (static, package busybox-static) is not installed"
ldd "$BUSYBOX" >/dev/null 2>&1 && skip "$BUSYBOX is not static (install busybox-static)"

tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
lxc_build_payload "$tmp"
root=$tmp/initramfs
mkdir -p "$root/bin" "$root/vb" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/mnt"
cp "$BUSYBOX" "$root/bin/busybox"
cp "$VBENCH" "$BUILD/vbench-agent" "$PAYLOAD" "$root/vb/"
SETPRIV=$(command -v setpriv) || skip "setpriv (util-linux) is not installed"
cp "$SETPRIV" "$root/bin/setpriv-host"
# vbench and setpriv are dynamic: their libraries go in at the same paths.
for lib in $( (ldd "$VBENCH"; ldd "$SETPRIV") | awk '/=> \// { print $3 } /^\t\// { print $1 }' | sort -u); do
	mkdir -p "$root$(dirname "$lib")"
	cp -L "$lib" "$root$lib"
done

# Stage 1 moves to a tmpfs root (pivot_root refuses the initramfs), stage 2 tests.
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox mount -t tmpfs -o size=512m root /mnt
/bin/busybox cp -a /bin /vb /lib* /usr /init2 /mnt/ 2>/dev/null
/bin/busybox mkdir -p /mnt/proc /mnt/sys /mnt/dev /mnt/tmp
exec /bin/busybox switch_root /mnt /init2
EOF
cat >"$root/init2" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
mount -t cgroup2 cgroup2 /sys/fs/cgroup
echo
echo "RESULT mode $(grep -c '^cgroup2 /sys/fs/cgroup cgroup2 ' /proc/mounts) v2, $(grep -c ' cgroup ' /proc/mounts) v1"
cd /vb
./vbench exec lxc --cpus 1 --memory 96M -- /vb/lxc-payload check 1 100663296 10.9.9.9
echo "RESULT check $?"
./vbench exec lxc --cpus 1 --memory 48M -- /vb/lxc-payload alloc 128
echo "RESULT alloc $?"
./vbench run lxc --suite smoke --workloads selftest.ok --repeat 1 --warmup 0 --cpus 1 \
	--memory 96M --json /tmp/run.json --out /tmp/out --quiet >/tmp/run.log 2>&1
echo "RESULT run $?"
cat /tmp/run.log
echo "RESULT isolation $(grep -o '"isolation":{[^}]*}' /tmp/run.json)"
echo "RESULT leftover-cgroups $(ls -d /sys/fs/cgroup/vbench-* 2>/dev/null | wc -l)"
echo "RESULT leftover-processes $(ps -o comm | grep -c vbench-agent)"
# Unprivileged, in a subtree delegated to nobody the way systemd delegates one.
mkdir -p /sys/fs/cgroup/deleg/login
echo "+cpuset +cpu +memory" >/sys/fs/cgroup/deleg/cgroup.subtree_control
chown -R 65534:65534 /sys/fs/cgroup/deleg
sh -c 'echo $$ >/sys/fs/cgroup/deleg/login/cgroup.procs
	exec /bin/setpriv-host --reuid=65534 --regid=65534 --clear-groups -- \
	./vbench exec lxc --cpus 1 --memory 96M -- /vb/lxc-payload check 1 100663296 10.9.9.9'
echo "RESULT userns-check $?"
echo "RESULT userns-leftovers $(find /sys/fs/cgroup/deleg -mindepth 1 -type d | wc -l)"
poweroff -f
EOF
chmod 755 "$root/init" "$root/init2"
(cd "$root" && find . | cpio -o -H newc 2>/dev/null | gzip -1) >"$tmp/initrd.gz"

timeout 600 qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -nographic -no-reboot \
	-kernel "$BUILD/guest/vmlinuz" -initrd "$tmp/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet rdinit=/init" -net none </dev/null >"$tmp/console" 2>&1
tr -d '\r' <"$tmp/console" | grep -E "^(ok  |FAIL|RESULT|alloc|vbench)" | tee "$tmp/results"
result() { sed -n "s/^RESULT $1 //p" "$tmp/results"; }
[ "$(result mode)" = "1 v2, 0 v1" ] || { tail -30 "$tmp/console"; fail "the guest did not come up with cgroup v2"; }
[ "$(result check)" = 0 ] || fail "isolation checks on cgroup v2 failed"
case "$(result alloc)" in 137 | 3) ;; *) fail "allocating past the v2 memory limit did not fail" ;; esac
[ "$(result run)" = 0 ] || fail "vbench run lxc on cgroup v2 failed"
result isolation | grep -q '"memory_limit":"100663296"' || fail "the agent did not see memory.max"
result isolation | grep -q '"pid1":true' || fail "the agent was not PID 1"
[ "$(result leftover-cgroups)" = 0 ] || fail "cgroups left behind on v2"
[ "$(result leftover-processes)" = 0 ] || fail "agents left behind on v2"
[ "$(result userns-check)" = 0 ] || fail "isolation checks as nobody in a delegated v2 subtree failed"
[ "$(result userns-leftovers)" = 1 ] || fail "cgroups left behind in the delegated subtree"
echo "lxc on cgroup v2 ok, as root and as nobody in a delegated subtree"
