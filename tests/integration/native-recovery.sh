#!/bin/sh
# Integration: a workload that kills the agent, hangs or corrupts the channel is recorded as an
# error for that workload; the harness restarts the agent and the workloads after it still run.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# in a session of its own: the agents it leaves are counted, not those of other work on the machine
session_run "$VBENCH" run native --suite smoke --repeat 2 --warmup 0 --timeout 3 --quiet \
	--workloads 'selftest.crash,selftest.hang,selftest.garbage,selftest.unsupported,selftest.ok' \
	--out "$tmp" --json "$tmp/r.json" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc -eq 1 ] || { echo "expected exit 1 (failed workloads), got $rc"; exit 1; }
left=$(session_count -x vbench-agent)
[ "$left" -eq 0 ] || { echo "agents left running: $left"; exit 1; }

python3 - "$tmp/r.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
res = {r["workload"]: r for r in doc["results"]}
for w in ("selftest.crash", "selftest.hang", "selftest.garbage"):
    assert res[w]["status"] == "error", (w, res[w])
    assert res[w]["note"], w
assert "died" in res["selftest.crash"]["note"], res["selftest.crash"]["note"]
assert "timed out" in res["selftest.hang"]["note"], res["selftest.hang"]["note"]
assert "malformed" in res["selftest.garbage"]["note"], res["selftest.garbage"]["note"]
assert res["selftest.unsupported"]["status"] == "unsupported"
ok = res["selftest.ok"]
assert ok["status"] == "ok" and len(ok["samples"]) == 2, ok
print("recovery ok")
PY
