#!/bin/sh
# Integration: `vbench diff` on a real smoke run's file. The same samples in another order (the
# same build measured under the same conditions) call no regression (exit 0); a copy whose samples
# are made 30% worse exits 1. Whether two real back-to-back runs stay quiet depends on the
# machine's drift between runs, not on vbench: on the shared 2-core VM single metrics drifted by
# 15-65% between runs a minute apart, so that is measured (tests/unit/test-diff.c simulates the
# rule's false-alarm rate with known answers), not asserted here.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
V="$BUILD/vbench"
"$V" run native --suite smoke --quiet --out "$tmp/out" --json "$tmp/run1.json" >/dev/null 2>"$tmp/err" ||
	{ cat "$tmp/err"; echo "smoke run failed"; exit 1; }

# run2: every metric's samples reversed (and the summaries recomputed by diff from the samples)
python3 - "$tmp/run1.json" "$tmp/run2.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for r in doc["results"]:
    r["samples"] = r["samples"][::-1]
json.dump(doc, open(sys.argv[2], "w"))
PY
"$V" diff "$tmp/run1.json" "$tmp/run2.json" --markdown "$tmp/diff.md" --junit "$tmp/junit.xml" \
	>"$tmp/diff.txt" 2>&1
rc=$?
tail -3 "$tmp/diff.txt"
[ $rc -eq 0 ] || { echo "the same samples were called a regression (exit $rc)"; grep "^regressed\|^improved" "$tmp/diff.txt"; exit 1; }
grep -q "^regressed\|^improved" "$tmp/diff.txt" && { echo "the same samples were called a change"; exit 1; }
[ -s "$tmp/diff.md" ] && [ -s "$tmp/junit.xml" ] || { echo "no --markdown / --junit output"; exit 1; }

# a slowed-down copy: every sample 30% worse in the metric's own direction
python3 - "$tmp/run2.json" "$tmp/slow.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
for r in doc["results"]:
    f = 1 / 1.3 if r["better"] == "higher" else 1.3
    r["samples"] = [x * f for x in r["samples"]]
    if r["median"] is not None:
        r["median"] *= f
        r["ci95"] = [x * f for x in r["ci95"]]
json.dump(doc, open(sys.argv[2], "w"))
PY
"$V" diff "$tmp/run1.json" "$tmp/slow.json" >"$tmp/diff2.txt" 2>&1
rc=$?
tail -5 "$tmp/diff2.txt"
[ $rc -eq 1 ] || { echo "a 30% slowdown was not called a regression (exit $rc)"; exit 1; }
grep -qi "regressed" "$tmp/diff2.txt" || { echo "diff output names no regression"; exit 1; }

"$V" diff "$tmp/run1.json" /nonexistent.json >/dev/null 2>&1
[ $? -eq 2 ] || { echo "a missing file is not exit 2"; exit 1; }
echo "diff ok"
