#!/bin/sh
# Integration: a real native run of the memory workloads records, in its results file, the sizes
# each result used (within the --memory budget, GUPS at HPCC's 4 updates per entry, latency timed
# for at least 10 ms per size), the THP state and clock source in the hello, that native is not
# limited by --memory, and whether mem.pagefault's thp really got huge pages.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$BUILD/vbench" run native --suite smoke --workloads 'mem.*' --memory 64M --repeat 2 \
	--warmup 0 --out "$tmp/out" --json "$tmp/run.json" --quiet >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
cat "$tmp/stdout" "$tmp/stderr"
[ $rc -eq 0 ] || { echo "run exited $rc"; exit 1; }
grep -q "^warning: native: not limited to --memory 64 MiB" "$tmp/stdout" ||
	{ echo "the table does not say that native is not limited"; exit 1; }

python3 - "$tmp/run.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
MiB = 1 << 20
budget = 16 * MiB  # what --memory 64M leaves the workloads (a quarter; see mem_budget_bytes)
native = {b["name"]: b for b in doc["backends"]}["native"]
hello = native["hello"]
assert hello["clocksource"], hello
assert hello["thp"]["enabled"] in ("always", "madvise", "never"), hello["thp"]
assert hello["thp"]["defrag"], hello["thp"]
assert native["memory_limited"] is False, native
assert native["memory_seen_bytes"] > 64 * MiB, native
assert any(w.startswith("native: not limited to --memory") for w in doc["warnings"]), doc["warnings"]

res = {(r["workload"], r["metric"]): r for r in doc["results"] if r["backend"] == "native"}
def sizes(workload, metric):
    r = res[(workload, metric)]
    assert r["sizes"], (workload, metric, "records no sizes")
    return r["sizes"]

s = sizes("mem.stream", "triad")
assert s["array_bytes"] == 5592384, s  # a third of the 16 MiB budget, in whole cache lines
assert s["working_set_bytes"] <= budget and s["thp_asked"] == 1, s
assert s["llc_multiple"] == s["array_bytes"] / s["llc_bytes"], s
if s["llc_multiple"] < 4:
    assert "below 4x" in res[("mem.stream", "triad")]["note"], res[("mem.stream", "triad")]
    assert any(w.startswith("mem.stream: each array") for w in doc["warnings"]), doc["warnings"]

g = sizes("mem.gups", "gups")
assert g["table_bytes"] <= budget, g
assert g["updates"] == 4 * g["table_bytes"] / 8, g  # HPCC: four updates per entry

lat = sizes("mem.latency", "lat_4KiB")
assert lat["working_set_max_bytes"] == 4 * MiB, lat
assert lat["min_timed_ns"] >= 10e6, lat  # every size timed for at least 10 ms
for m in ("lat_16MiB", "lat_1GiB"):
    r = res[("mem.latency", m)]
    assert r["status"] == "unsupported" and "not measured" in r["note"], r

t = sizes("mem.tlb", "ns_per_access")
assert t["pages"] * t["page_bytes"] <= budget and t["thp_asked"] == 0, t
assert t["min_timed_ns"] >= 10e6, t

p = sizes("mem.pagefault", "faults_4k")
assert p["bytes"] == 16 * MiB, p
thp = res[("mem.pagefault", "thp")]
if thp["status"] == "ok":
    assert thp["sizes"]["thp_bytes_thp"] >= 0.9 * thp["sizes"]["bytes"], thp
else:
    assert thp["status"] == "unsupported" and thp["note"].startswith("thp: "), thp
    assert not thp["samples"] or hello["thp"]["enabled"] != "never", thp
print("sizes, THP and memory recorded: ok (thp %s)" % thp["status"])
PY
