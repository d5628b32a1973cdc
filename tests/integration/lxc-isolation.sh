#!/bin/sh
# Integration: from inside a real lxc container (via `vbench exec lxc`), a test payload cannot see
# host PIDs, mount, load a module, open /dev/kvm or reach the host's network, and it sees its CPU
# set and memory limit; allocating past the limit fails inside the container, not on the host.
set -u
. "$(dirname "$0")/lxc-lib.sh"
lxc_require
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
lxc_build_payload "$tmp"
host_ip=$(lxc_host_ip)
[ -n "$host_ip" ] || host_ip=192.0.2.1 # any address outside the container's /30 will do

mem=$((192 * 1024 * 1024))
"$VBENCH" exec lxc --cpus 1 --memory 192M --network -- "$PAYLOAD" check 1 $mem "$host_ip" 169.254.77.1
rc=$?
[ $rc -eq 0 ] || fail "isolation checks failed (exit $rc)"

# Without --network there is no interface but loopback: still no route out.
"$VBENCH" exec lxc --cpus 1 --memory 192M -- "$PAYLOAD" check 1 $mem "$host_ip" ||
	fail "isolation checks without network failed"

# Past the limit: the container's init is OOM-killed (128+9) or its allocation fails (3)...
"$VBENCH" exec lxc --memory 64M -- "$PAYLOAD" alloc 256
rc=$?
echo "allocating 256 MiB under a 64 MiB limit: exit $rc"
[ $rc -eq 137 ] || [ $rc -eq 3 ] || fail "allocating past the memory limit did not fail (exit $rc)"
# ...while the same allocation on the host succeeds: the limit, not the host, stopped it.
"$PAYLOAD" alloc 256 || fail "the host itself could not allocate 256 MiB"
echo "all isolation checks passed"
