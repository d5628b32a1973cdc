#!/bin/sh
# Integration: Ctrl-C in the middle of a run keeps what was measured (results file marked
# interrupted), exits 130, and leaves no agent process or temporary directory behind.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# this run's temporary folder goes below $TMPDIR: one of its own, so no other run is counted
mkdir "$tmp/runs"
export TMPDIR="$tmp/runs"

# cpu.sha256 finishes quickly; selftest.hang then blocks until the signal arrives. In a session of
# its own: the agents it leaves are counted, not those of other work on the machine.
session_start "$VBENCH" run native --suite smoke --repeat 3 --warmup 0 --timeout 60 --quiet \
	--workloads 'cpu.sha256,selftest.hang' --out "$tmp" --json "$tmp/r.json" >"$tmp/out" 2>&1
sleep 4
kill -INT "$SESSION"
wait "$SESSION_JOB"
rc=$?
cat "$tmp/out"
[ $rc -eq 130 ] || { echo "expected exit 130 after SIGINT, got $rc"; exit 1; }
[ -f "$tmp/r.json" ] || { echo "no results file after the interrupt"; exit 1; }
sleep 0.2
[ "$(session_count -x vbench-agent)" -eq 0 ] || { echo "agent left running"; exit 1; }
[ -z "$(ls -A "$tmp/runs")" ] || { echo "run directory left: $(ls "$tmp/runs")"; exit 1; }

python3 - "$tmp/r.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
assert doc["interrupted"] is True
res = {r["workload"]: r for r in doc["results"]}
assert len(res["cpu.sha256"]["samples"]) == 3, res["cpu.sha256"]
# cut short before its first sample: not ok without a number, but unsupported and why
hang = res["selftest.hang"]
assert hang["status"] == "unsupported" and "interrupted" in hang["note"], hang
print("interrupt ok: measured samples kept")
PY
