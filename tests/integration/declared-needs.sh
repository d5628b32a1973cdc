#!/bin/sh
# Integration: a workload's declared needs decide where it runs. With no scratch disk to attach,
# a workload that declares it needs a disk is unsupported on native without the agent being
# asked (no round of it is recorded), while a workload that needs nothing runs as usual. So is
# vm.exit, which needs vbench's own VMM: its port I/O must never reach the host's hardware.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# the scratch image cannot be created in a directory that does not exist
VBENCH_SCRATCH_DIR="$tmp/no-such-dir" "$BUILD/vbench" run native --suite smoke --repeat 2 \
	--warmup 1 --quiet --workloads 'io.blk.seq,vm.exit,cpu.sha256' --out "$tmp" --json "$tmp/r.json" \
	>"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
[ $rc -eq 0 ] || { echo "expected exit 0, got $rc"; exit 1; }

python3 - "$tmp/r.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
seq = [r for r in doc["results"] if r["workload"] == "io.blk.seq"]
assert seq, "io.blk.seq has no results"
for r in seq:
    assert r["status"] == "unsupported", r
    assert r["note"] == "no scratch disk attached", r
rounds = {}
for r in doc["rounds"]:
    rounds.setdefault(r["workload"], []).append(r)
# by the declaration, in the harness: the agent never ran a round of it
assert "io.blk.seq" not in rounds, rounds.get("io.blk.seq")
exits = [r for r in doc["results"] if r["workload"] == "vm.exit"]
assert len(exits) == 12, exits
for r in exits:
    assert r["status"] == "unsupported", r
    assert r["note"] == "not on vbench's own VMM", r
assert "vm.exit" not in rounds, rounds.get("vm.exit")
assert len(rounds.get("cpu.sha256", [])) == 3, rounds.get("cpu.sha256")
sha = [r for r in doc["results"] if r["workload"] == "cpu.sha256"]
assert sha and all(r["status"] == "ok" for r in sha), sha
print("declared needs ok")
PY
