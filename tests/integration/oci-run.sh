#!/bin/sh
# Integration: `vbench compare oci native --suite smoke` runs the agent under runc from the bundle
# vbench writes: oci samples for cpu, mem, os, io.blk (and io.net: the veth), the limits and
# isolation facts in its hello; a runtime that cannot run says why; `vbench exec oci -- CMD`.
set -u
. "$(dirname "$0")/oci-lib.sh"
oci_require
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

before=$(oci_counts)
session_run "$VBENCH" compare oci native --suite smoke --cpus 1 --memory 512M --out "$tmp/out" \
	--json "$tmp/run.json" --no-report --quiet >"$tmp/stdout" 2>&1
rc=$?
tail -20 "$tmp/stdout"
[ $rc -eq 0 ] || fail "vbench compare oci native exited $rc"

python3 - "$tmp/run.json" <<'PY' || exit 1
import json, os, sys
doc = json.load(open(sys.argv[1]))
b = {x["name"]: x for x in doc["backends"]}["oci"]
assert b["ran"] is True, b
assert b["startup_ms"] > 0, b["startup_ms"]
assert b["host_overhead_bytes"] is not None and b["host_overhead_bytes"] >= 0, b
assert b["details"].startswith("runc ") and "cgroup" in b["details"], b["details"]
iso = b["hello"]["isolation"]
print("hello isolation:", json.dumps(iso))
assert b["hello"]["hostname"] == "vbench-oci" and iso["hostname"] == "vbench-oci", iso
assert iso["pid1"] is True, iso
assert iso["pid_ns_inode"] != os.stat("/proc/self/ns/pid").st_ino, "in the host's pid namespace"
assert iso["no_new_privs"] is True, iso
assert iso["seccomp"] == 2, iso
cap = int(iso["cap_eff"], 16)
assert cap & (1 << 21) == 0, "CAP_SYS_ADMIN kept"
assert cap & (1 << 16) == 0, "CAP_SYS_MODULE kept"
assert cap & (1 << 0), "CAP_CHOWN (an OCI default) missing"
assert iso["memory_limit"] == str(512 << 20), iso["memory_limit"]
assert len(iso["cpus"].split(",")) == 1 and "-" not in iso["cpus"], iso["cpus"]

def group(w):
    parts = w.split(".")
    return ".".join(parts[:2]) if parts[0] == "io" else parts[0]

ok = {}
for r in doc["results"]:
    if r["backend"] == "oci" and r["status"] == "ok" and r["samples"]:
        ok[group(r["workload"])] = ok.get(group(r["workload"]), 0) + 1
print("oci metrics with samples:", ok)
for g in ("cpu", "mem", "os", "io.blk", "io.net"):
    assert ok.get(g, 0) > 0, "no oci samples for " + g
PY
oci_assert_counts "$before" "after compare"

# Another runtime: one that is not there, and crun where installed (it refuses hybrid-cgroup hosts:
# then its own reason must reach the user).
session_run "$VBENCH" run oci --oci-runtime /nonexistent/runc --suite smoke --workloads selftest.ok \
	--repeat 1 --warmup 0 --out "$tmp/out" --quiet >"$tmp/missing" 2>&1 &&
	fail "a missing --oci-runtime ran"
grep -q "/nonexistent/runc" "$tmp/missing" || { cat "$tmp/missing"; fail "no reason for a missing runtime"; }
echo "missing runtime: $(grep nonexistent "$tmp/missing" | head -1)"
if crun=$(command -v crun); then
	session_run "$VBENCH" run oci --oci-runtime "$crun" --suite smoke --workloads selftest.ok \
		--repeat 1 --warmup 0 --out "$tmp/out" --quiet >"$tmp/crun" 2>&1
	rc=$?
	cat "$tmp/crun"
	[ $rc -eq 0 ] || grep -q "crun run exited" "$tmp/crun" ||
		fail "crun failed (exit $rc) without saying why"
	echo "NOTE: crun: $( [ $rc -eq 0 ] && echo ran || grep -o 'crun run exited.*' "$tmp/crun" | head -1)"
else
	echo "NOTE: crun not installed: only runc checked"
fi
oci_assert_counts "$before" "after other runtimes"
# vbench exec oci: a static host program in the backend's bundle with this terminal's stdio, its
# exit status, the run's limits, network and disk; a dynamic program refused; Ctrl-C; no leftovers.
BUSYBOX=$(command -v busybox)
if [ -z "$BUSYBOX" ] || ldd "$BUSYBOX" >/dev/null 2>&1; then
	echo "NOTE: no static busybox (package busybox-static): vbench exec oci not checked"
	echo "oci run ok"
	exit 0
fi
expect_exec() { # status command...
	want=$1
	shift
	session_run "$VBENCH" exec oci -- "$@" </dev/null >"$tmp/exec.out" 2>&1
	got=$?
	[ $got -eq "$want" ] || fail "vbench exec oci -- $* exited $got, not $want: $(cat "$tmp/exec.out")"
}
expect_exec 0 busybox true
expect_exec 1 busybox false
expect_exec 7 busybox sh -c 'exit 7'
# the program itself, bound in read-only at /bin/NAME, and the only thing there
expect_exec 0 busybox sh -c 'ls /bin; { echo x >/bin/busybox; } 2>/dev/null && echo writable; exit 0'
[ "$(cat "$tmp/exec.out")" = busybox ] || fail "/bin in the container: $(cat "$tmp/exec.out")"
# stdin, stdout and stderr are the caller's
out=$(echo "in-$$" | "$VBENCH" exec oci -- busybox sh -c 'busybox cat; echo to-stderr >&2' 2>"$tmp/err")
[ "$out" = "in-$$" ] || fail "stdin to stdout through the container gave '$out'"
[ "$(cat "$tmp/err")" = to-stderr ] || fail "the container's stderr: '$(cat "$tmp/err")'"
# the run's limits, network and disk, as the agent gets them
truncate -s 1M "$tmp/disk"
session_run "$VBENCH" exec oci --cpus 1 --memory 64M --network --disk "$tmp/disk" -- busybox sh -c '
	echo "pid $$ host $(busybox hostname)"
	echo "memory $(busybox cat /sys/fs/cgroup/memory.max 2>/dev/null ||
		busybox cat /sys/fs/cgroup/memory/memory.limit_in_bytes)"
	busybox ip -4 -o addr show eth0 | busybox grep -o "inet [0-9./]*"
	busybox ping -c 1 -W 5 169.254.77.1 >/dev/null && echo "peer reached"
	echo scratch-written >/scratch && echo "disk written"' </dev/null >"$tmp/exec.out" 2>&1
rc=$?
cat "$tmp/exec.out"
[ $rc -eq 0 ] || fail "vbench exec oci with limits, network and disk exited $rc"
for want in "pid 1 host vbench-oci" "memory $((64 << 20))" "inet 169.254.77.2/30" "peer reached" \
	"disk written"; do
	grep -qx "$want" "$tmp/exec.out" || fail "exec oci: no '$want'"
done
[ "$(head -c 15 "$tmp/disk")" = scratch-written ] || fail "the disk was not the one bound at /scratch"
# the lxc backend's isolation checks (lxc-isolation.sh) hold in the oci container as well
lxc_build_payload "$tmp"
host_ip=$(lxc_host_ip)
[ -n "$host_ip" ] || host_ip=192.0.2.1 # any address outside the container's /30 will do
session_run "$VBENCH" exec oci --cpus 1 --memory 192M --network -- "$PAYLOAD" check 1 \
	$((192 << 20)) "$host_ip" 169.254.77.1 </dev/null >"$tmp/exec.out" 2>&1
rc=$?
cat "$tmp/exec.out"
[ $rc -eq 0 ] || fail "the isolation checks failed in vbench exec oci (exit $rc)"
session_run "$VBENCH" exec oci --memory 64M -- "$PAYLOAD" alloc 256 </dev/null >"$tmp/exec.out" 2>&1
rc=$?
[ $rc -eq 137 ] || [ $rc -eq 3 ] || fail "allocating 256 MiB under a 64 MiB limit in oci: exit $rc"
# a program that cannot run in a rootfs without libraries: said, exit 2
session_run "$VBENCH" exec oci -- ls >"$tmp/exec.out" 2>&1
[ $? -eq 2 ] && grep -q "dynamically linked" "$tmp/exec.out" ||
	fail "a dynamic program was not refused with its reason: $(cat "$tmp/exec.out")"
# Ctrl-C (SIGINT to the terminal's process group) ends the container: exit 130
session_start "$VBENCH" exec oci --network -- busybox sleep 1000 </dev/null >"$tmp/exec.out" 2>&1
while [ -z "$(oci_agent_pid "$SESSION")" ] && kill -0 "$SESSION_JOB" 2>/dev/null; do sleep 0.02; done
sleeper=$(oci_agent_pid "$SESSION")
[ -n "$sleeper" ] || fail "the command never ran: $(cat "$tmp/exec.out")"
kill -s INT -- "-$SESSION"
wait "$SESSION_JOB"
rc=$?
[ $rc -eq 130 ] || fail "vbench exec oci interrupted exited $rc, not 130: $(cat "$tmp/exec.out")"
[ ! -e "/proc/$sleeper" ] || fail "the interrupted command (pid $sleeper) still runs"
oci_assert_counts "$before" "after vbench exec oci"
echo "oci run ok"
