#!/bin/sh
# Integration: a real native run leaves no result `ok` without samples (what it did not measure
# is `unsupported` with the workload's reason), and report and diff give a failed or unmeasured
# entry no ratio and no weight, in a real file and in one shaped as an older vbench wrote it.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
command -v python3 >/dev/null || { echo "skip: python3 is needed to read the results"; exit 77; }

# smoke latency stops at 4 MiB: the larger sizes are the ones never measured
"$BUILD/vbench" run native --suite smoke --workloads 'mem.latency,selftest.partial' \
	--repeat 2 --warmup 0 --out "$tmp/out" --json "$tmp/run.json" --quiet \
	>"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
cat "$tmp/stdout" "$tmp/stderr"
[ $rc -eq 0 ] || { echo "run exited $rc"; exit 1; }
grep -q "^- mem.latency .*lat_1GiB on native: unsupported — ..*" "$tmp/stdout" ||
	{ echo "the table's notes do not say why the large sizes were not measured"; exit 1; }

python3 - "$tmp" <<'PY' || exit 1
import copy, json, sys
tmp = sys.argv[1]
doc = json.load(open(tmp + "/run.json"))
by = {(r["workload"], r["metric"], r["backend"]): r for r in doc["results"]}
for r in doc["results"]:
    assert r["status"] != "ok" or r["samples"], ("ok without samples", r)
    assert r["status"] == "ok" or r["note"], ("not ok and no note", r)
big = by[("mem.latency", "lat_1GiB", "native")]
assert big["status"] == "unsupported", big
# the workload's own reason, not the runner's fallback
assert big["note"] and "did not say why" not in big["note"], big
missing = by[("selftest.partial", "missing", "native")]
assert missing["status"] == "unsupported", missing
assert missing["note"] == "never measured (self-test)", missing
assert by[("mem.latency", "lat_4KiB", "native")]["status"] == "ok"

# as an older vbench wrote it: never-measured metrics "ok" with no samples and no note
old = copy.deepcopy(doc)
for r in old["results"]:
    if r["status"] == "unsupported":
        r["status"], r["note"] = "ok", ""
# a second backend whose one metric failed after slow samples, the rest alike
lxc = []
for r in old["results"]:
    c = copy.deepcopy(r)
    c["backend"] = "lxc"
    if (c["workload"], c["metric"]) == ("selftest.partial", "value"):
        c["status"], c["note"] = "error", "the agent died (sample 3)"
        c["samples"] = [x / 2 for x in c["samples"]]
    lxc.append(c)
old["results"] += lxc
old["backends"].append(dict(old["backends"][0], name="lxc"))
old["config"]["baseline"] = "native"
json.dump(old, open(tmp + "/old.json", "w"))

# diff: NEW fails where BASE measured (a regression); BASE failed where NEW measured (skipped)
new = copy.deepcopy(doc)
for r in new["results"]:
    if (r["workload"], r["metric"]) == ("selftest.partial", "value"):
        r["status"], r["note"] = "error", "wrong digest"
json.dump(new, open(tmp + "/new-failed.json", "w"))
PY

"$BUILD/vbench" report "$tmp/old.json" --format csv,md --out "$tmp/report" >/dev/null ||
	{ echo "report failed"; exit 1; }
python3 - "$tmp/report" <<'PY' || exit 1
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1] + "/report.csv")))
key = {(r["workload"], r["metric"], r["backend"]): r for r in rows}
big = key[("mem.latency", "lat_1GiB", "lxc")]
assert big["status"] == "unsupported" and big["note"] == "no samples", big
failed = key[("selftest.partial", "value", "lxc")]
assert failed["status"] == "error", failed
assert failed["ratio"] == "" and failed["significant"] == "", ("a failed entry got a ratio", failed)
alike = key[("mem.latency", "lat_4KiB", "lxc")]
assert alike["ratio"] != "", ("a measured entry lost its ratio", alike)
md = open(sys.argv[1] + "/report.md").read()
assert "lat_1GiB on lxc: unsupported — no samples\n" in md, md
assert "  - selftest failed or unsupported\n" in md, "the words do not say the group failed"
PY

# vbench diff BASE NEW into $tmp/OUT, shown; it must exit want.
diff_expect() { # base new out want what
	"$BUILD/vbench" diff "$1" "$2" >"$tmp/$3"
	rc=$?
	cat "$tmp/$3"
	[ $rc -eq "$4" ] || { echo "diff $5 exited $rc, not $4"; exit 1; }
}

diff_expect "$tmp/run.json" "$tmp/new-failed.json" diff1 1 "of a newly failing metric"
grep -q "^regressed .*selftest.partial/value .*failed in NEW: wrong digest" "$tmp/diff1" ||
	{ echo "the failure is not the regression"; exit 1; }
grep -q "^skipped .*mem.latency/lat_1GiB .*unsupported in BASE: ..*" "$tmp/diff1" ||
	{ echo "diff does not say why lat_1GiB was not compared"; exit 1; }

diff_expect "$tmp/new-failed.json" "$tmp/run.json" diff2 0 "from a failed BASE"
grep -q "^skipped .*selftest.partial/value .*error in BASE: wrong digest" "$tmp/diff2" ||
	{ echo "a failed BASE entry was compared"; exit 1; }

"$BUILD/vbench" diff "$tmp/old.json" "$tmp/run.json" >"$tmp/diff3"
grep -q "^skipped .*mem.latency/lat_1GiB .*native .*unsupported in BASE: no samples" "$tmp/diff3" ||
	{ cat "$tmp/diff3"; echo "an older file's empty ok entry is not read as unsupported"; exit 1; }
echo "unmeasured and failed entries say why and get no ratio"
