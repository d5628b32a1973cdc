#!/bin/sh
# Integration: `vbench compare native --suite smoke` runs, prints a table and writes a readable
# results document; a second program (python) checks it using only results/README.md's schema.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$BUILD/vbench" compare native --suite smoke --repeat 2 --warmup 1 --out "$tmp/out" \
	--json "$tmp/run.json" --no-report --quiet >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
cat "$tmp/stdout" "$tmp/stderr"
[ $rc -eq 0 ] || { echo "compare exited $rc"; exit 1; }
grep -q "^workload" "$tmp/stdout" || { echo "no table printed"; exit 1; }
ls "$tmp"/out/*-native.json >/dev/null 2>&1 || { echo "no results file in --out"; exit 1; }
cmp -s "$tmp/run.json" "$(ls "$tmp"/out/*-native.json | head -1)" ||
	{ echo "--json and --out documents differ"; exit 1; }
ls "$tmp"/out/ | grep -q tmp && { echo "temporary file left in --out"; exit 1; }

python3 - "$tmp/run.json" <<'PY'
import json, math, sys
doc = json.load(open(sys.argv[1]))
assert doc["schema"] == "vbench-result/2", doc["schema"]
assert doc["config"]["suite"] == "smoke"
assert doc["config"]["repeat"] == 2 and doc["config"]["warmup"] == 1
backends = {b["name"]: b for b in doc["backends"]}
assert backends["native"]["ran"] is True
hello = backends["native"]["hello"]
assert hello["cpus"] >= 1 and hello["memory_bytes"] > 0 and hello["kernel"]
# what the environment is, seen from inside: the machine's own kernel, never a container of its own
env = hello["environment"]
assert env["summary"] and env["kernel"] == hello["kernel"] and env["cpus"] >= hello["cpus"], env
assert env["summary"].startswith(("bare metal", env["hypervisor"] + " guest", "container")), env
print("native seen from inside:", env["summary"])
# every sample's /proc/stat figures on the agent's CPUs
stat = [c for c in doc["counters"] if c["backend"] == "native" and c["name"] in
        ("steal_ms", "cpus_busy_ms", "cpus_total_ms")]
assert len({c["name"] for c in stat}) == 3, stat
for c in stat:
    assert all(v is None or v >= 0 for v in c["values"]), c
ok = [r for r in doc["results"] if r["backend"] == "native" and r["status"] == "ok"]
# what was not measured (latency beyond the suite's largest size) is unsupported, and says why
for r in doc["results"]:
    assert r["status"] != "ok" or r["samples"], ("ok without samples", r)
    assert r["status"] == "ok" or r["note"], r
assert len(ok) >= 10, "only %d ok metrics" % len(ok)
for r in ok:
    assert r["unit"] and r["better"] in ("higher", "lower")
    s = r["samples"]
    assert len(s) == 2, (r["workload"], r["metric"], s)
    assert all(isinstance(x, (int, float)) and x >= 0 for x in s), (r["workload"], r["metric"], s)
    lo, hi = r["ci95"]
    assert lo <= r["median"] <= hi, r
    assert min(s) <= r["median"] <= max(s)
# what the backend and the workloads declare is recorded: readers need no names
assert backends["native"]["bare_metal"] is True
for r in doc["results"]:
    assert r["host_side"] == (r["workload"] == "lifecycle.start"), r
    assert (r["curve_bytes"] > 0) == (r["workload"] == "mem.latency"), r
    assert r["value_names"] == (["", "io_uring", "threads"] if r["unit"] == "id" else []), r
assert any(r["io_percentile"] for r in doc["results"])
print("results document ok: %d metrics" % len(ok))
PY
