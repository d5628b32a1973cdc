#!/bin/sh
# Integration: the lxc user-namespace mode. As root with VBENCH_LXC_USERNS=1, then as an
# unprivileged user (nobody) inside cgroups delegated to it, the container keeps its isolation
# and limits, the veth link works and its peer namespace can be entered as the harness enters it,
# and the agent's hello shows root mapped to the caller's uid only.
set -u
. "$(dirname "$0")/lxc-lib.sh"
lxc_require
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
deleg=""
cleanup() {
	for d in $deleg; do rmdir "$d" 2>/dev/null; done
	rm -rf "$tmp"
}
trap cleanup EXIT
chmod 755 "$tmp"
lxc_build_payload "$tmp"
host_ip=$(lxc_host_ip)
[ -n "$host_ip" ] || host_ip=192.0.2.1
mem=$((128 * 1024 * 1024))

# 1. root, forced into the user-namespace mode
VBENCH_LXC_USERNS=1 "$VBENCH" exec lxc --cpus 1 --memory 128M -- "$PAYLOAD" check 1 $mem "$host_ip" ||
	fail "isolation checks in user-namespace mode (as root) failed"
VBENCH_LXC_USERNS=1 "$VBENCH" exec lxc --network --cpus 1 --memory 128M -- \
	"$PAYLOAD" check 1 $mem "$host_ip" 169.254.77.1 || fail "networked checks in user-namespace mode failed"
VBENCH_LXC_USERNS=1 "$VBENCH" run lxc --suite smoke --workloads selftest.ok --repeat 1 --warmup 0 \
	--cpus 1 --memory 128M --out "$tmp/out" --json "$tmp/run.json" --quiet >/dev/null 2>&1 ||
	fail "vbench run lxc in user-namespace mode failed"
python3 - "$tmp/run.json" <<'PY' || fail "hello isolation facts in user-namespace mode"
import json, sys
iso = {b["name"]: b for b in json.load(open(sys.argv[1]))["backends"]}["lxc"]["hello"]["isolation"]
print("hello isolation:", json.dumps(iso))
assert iso["uid_map"] == "0 0 1", iso["uid_map"]
assert iso["pid1"] and iso["no_new_privs"] and iso["memory_limit"] == str(128 << 20), iso
PY

# 2. an unprivileged user in cgroups delegated to it (v1 here: chown'd groups under our own)
[ -d /sys/fs/cgroup/cpuset ] && [ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/cpu ] ||
	{ echo "skip part 2: delegation is only set up for v1/hybrid hosts by this test"; exit 0; }
command -v setpriv >/dev/null || { echo "skip part 2: no setpriv"; exit 0; }
procs=""
for c in cpuset cpu memory; do
	own=$(awk -F: -v c=$c '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' /proc/self/cgroup)
	d=/sys/fs/cgroup/$c${own%/}/vbench-deleg-$$
	mkdir "$d" || fail "cannot create $d"
	deleg="$d $deleg"
	if [ $c = cpuset ]; then
		cat "$(dirname "$d")/cpuset.cpus" >"$d/cpuset.cpus"
		cat "$(dirname "$d")/cpuset.mems" >"$d/cpuset.mems"
	fi
	chown -R 65534:65534 "$d"
	procs="$procs $d/cgroup.procs"
done
# Move a shell into the delegated groups, then drop to nobody for vbench.
sh -c 'for f in '"$procs"'; do echo $$ >"$f"; done
	exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"' sh \
	"$VBENCH" exec lxc --cpus 1 --memory 128M -- "$PAYLOAD" check 1 $mem "$host_ip"
rc=$?
[ $rc -eq 0 ] || fail "isolation checks as nobody in delegated cgroups failed (exit $rc)"

# Networked, as nobody: the veth works, and the peer namespace can be entered the way the
# harness's peer server enters it (joining its owning user namespace first).
sh -c 'for f in '"$procs"'; do echo $$ >"$f"; done
	exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"' sh \
	"$VBENCH" exec lxc --network --cpus 1 --memory 128M -- "$PAYLOAD" sleep 30 &
vb=$!
peer=""
i=0
while [ -z "$peer" ] && [ $i -lt 100 ]; do
	peer=$(find /proc/$vb/fd -lname 'net:*' 2>/dev/null | head -1)
	sleep 0.05
	i=$((i + 1))
done
[ -n "$peer" ] || { kill -9 $vb; fail "no peer namespace held by vbench as nobody"; }
sleep 0.3
setpriv --reuid=65534 --regid=65534 --clear-groups -- "$PAYLOAD" enter-peer "$peer"
rc=$?
kill -INT $vb
wait $vb
[ $rc -eq 0 ] || fail "could not enter the peer namespace as nobody"
sh -c 'for f in '"$procs"'; do echo $$ >"$f"; done
	exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"' sh \
	"$VBENCH" exec lxc --network --cpus 1 --memory 128M -- "$PAYLOAD" check 1 $mem "$host_ip" 169.254.77.1 ||
	fail "networked isolation checks as nobody failed"
left=$(find $deleg -mindepth 1 -type d | wc -l)
[ "$left" -eq 0 ] || fail "$left cgroups left in the delegated groups"
echo "user-namespace mode ok as root and as nobody"
