#!/bin/sh
# Integration: `vbench run lxc` runs the agent as PID 1 of a real container; the results file keeps
# the container's figures and the isolation facts the agent reported in its hello.
set -u
. "$(dirname "$0")/lxc-lib.sh"
lxc_require
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$VBENCH" run lxc --suite smoke --workloads 'cpu.sha256,selftest.ok' --repeat 2 --warmup 0 \
	--cpus 1 --memory 256M --out "$tmp/out" --json "$tmp/run.json" --quiet >"$tmp/stdout" 2>&1
rc=$?
cat "$tmp/stdout"
[ $rc -eq 0 ] || fail "vbench run lxc exited $rc"

python3 - "$tmp/run.json" <<'PY' || exit 1
import json, os, sys
doc = json.load(open(sys.argv[1]))
b = {x["name"]: x for x in doc["backends"]}["lxc"]
assert b["ran"] is True, b
assert b["startup_ms"] > 0, b["startup_ms"]
assert b["host_overhead_bytes"] is not None and b["host_overhead_bytes"] >= 0, b
assert "cgroup" in b["details"], b["details"]
h = b["hello"]
iso = h["isolation"]
print("hello isolation:", json.dumps(iso))
assert h["hostname"] == "vbench-lxc" and iso["hostname"] == "vbench-lxc", iso
assert iso["pid1"] is True, iso
own = os.stat("/proc/self/ns/pid").st_ino
assert iso["pid_ns_inode"] != own, "the agent is in the host's pid namespace"
assert iso["no_new_privs"] is True, iso
assert iso["seccomp"] == 2, iso
cap = int(iso["cap_eff"], 16)
assert cap & (1 << 21) == 0, "CAP_SYS_ADMIN kept"    # mount, namespaces
assert cap & (1 << 16) == 0, "CAP_SYS_MODULE kept"
assert cap != 0 and cap & (1 << 0), "CAP_CHOWN (an OCI default) missing"
assert iso["memory_limit"] == str(256 << 20), iso["memory_limit"]
assert len(iso["cpus"].split(",")) == 1 and "-" not in iso["cpus"], iso["cpus"]
assert iso["uid_map"].startswith("0 0 "), iso["uid_map"]
# seen from inside: a container, by the container= its init was given
env = h["environment"]
print("seen from inside:", env["summary"])
assert env["container"] == "lxc" and env["container_source"] == "pid1 environ", env
assert env["summary"].startswith("container (lxc) "), env
ok = [r for r in doc["results"] if r["backend"] == "lxc" and r["status"] == "ok" and r["samples"]]
assert len(ok) >= 3, "only %d ok metrics" % len(ok)
print("lxc run ok: %d metrics, ready in %.1f ms" % (len(ok), b["startup_ms"]))
PY
