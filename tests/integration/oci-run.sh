#!/bin/sh
# Integration: `vbench compare oci native --suite smoke` runs the agent under runc from the bundle
# vbench writes: oci samples for cpu, mem, os, io.blk (and io.net: the veth), the limits and
# isolation facts in its hello; a runtime that cannot run says why.
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
echo "oci run ok"
