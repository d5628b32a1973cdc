#!/bin/sh
# Integration: start-up time has one definition for every backend (from the harness's request to
# start until it has read the agent's hello): each backend that ran has a first-start figure and
# lifecycle.start samples, and the Markdown and HTML reports state the definition.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

backends=$(local_backends)
# shellcheck disable=SC2086
"$VBENCH" compare $backends --suite smoke --workloads 'lifecycle.start' --repeat 3 \
	--warmup 1 --out "$tmp/out" --json "$tmp/run.json" --report-dir "$tmp/reports" --quiet \
	>"$tmp/stdout" 2>&1 || { cat "$tmp/stdout"; echo "compare failed"; exit 1; }

python3 - "$tmp/run.json" <<'PY'
import json, math, sys
doc = json.load(open(sys.argv[1]))
ran = [b for b in doc["backends"] if b["ran"]]
assert ran, "no backend ran"
for b in ran:
    first = b["startup_ms"]
    assert isinstance(first, (int, float)) and math.isfinite(first) and first > 0, b
    ready = [r for r in doc["results"] if r["workload"] == "lifecycle.start"
             and r["metric"] == "ready_ms" and r["backend"] == b["name"]]
    assert len(ready) == 1 and ready[0]["status"] == "ok", ready
    samples = ready[0]["samples"]
    assert len(samples) == 3 and all(x > 0 for x in samples), samples
    print(b["name"], "first start", first, "ms; restarts", samples)
PY
[ $? -eq 0 ] || exit 1
md=$(find "$tmp/reports" -name report.md | head -1)
html=$(find "$tmp/reports" -name report.html | head -1)
[ -n "$md" ] && [ -n "$html" ] || { echo "no report written"; ls -R "$tmp/reports"; exit 1; }
for f in "$md" "$html"; do
	grep -q "from vbench's request to start the environment until it has read the agent's" "$f" ||
		{ echo "$f does not state what start-up time means"; exit 1; }
done
echo "start-up time: one definition, present for every backend and stated in the reports"
