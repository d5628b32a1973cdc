#!/bin/sh
# Integration: each sample's counters (task_clock_ns, page_faults, ctx_switches) count that
# sample's work only, in every backend that runs here: a cheap workload (os.clock) after an
# expensive one (cpu.sha256, two worker threads) is not charged with the expensive one's work,
# and samples of the same work do not grow from one to the next.
set -u
. "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

backends=$(local_backends)
# shellcheck disable=SC2086
"$VBENCH" compare $backends --suite smoke --workloads 'cpu.sha256,os.clock,os.fork' \
	--repeat 5 --warmup 1 --out "$tmp/out" --json "$tmp/run.json" --no-report --quiet \
	>"$tmp/stdout" 2>&1 || { cat "$tmp/stdout"; echo "compare failed"; exit 1; }

python3 - "$tmp/run.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
series = {(c["workload"], c["backend"], c["name"]): c["values"] for c in doc["counters"]}
ran = [b["name"] for b in doc["backends"] if b["ran"]]
assert ran, "no backend ran"
for b in ran:
    def values(workload, name):
        v = series.get((workload, b, name))
        assert v and len(v) == 5 and all(x is not None for x in v), (workload, b, name, v)
        return v
    sha_faults = values("cpu.sha256", "page_faults")
    sha_clock = values("cpu.sha256", "task_clock_ns")
    clock_faults = values("os.clock", "page_faults")
    clock_clock = values("os.clock", "task_clock_ns")
    fork_switches = values("os.fork", "ctx_switches")
    print(b, "cpu.sha256 task clock", sha_clock, "faults", sha_faults)
    print(b, "os.clock task clock", clock_clock, "faults", clock_faults)
    print(b, "os.fork ctx_switches", fork_switches)
    # the same work every sample: cumulative counts would make the fifth >= 2x the first
    assert max(sha_faults) < 2 * min(sha_faults), (b, "cpu.sha256 page faults grow", sha_faults)
    # os.clock allocates nothing and burns far less CPU than sha256's workers
    assert max(clock_faults) < min(sha_faults), (b, "os.clock charged with sha256's faults")
    assert max(clock_clock) < min(sha_clock), (b, "os.clock charged with sha256's task clock")
    # every fork's child exits, which is a context switch, inside a container too
    assert min(fork_switches) > 0, (b, "os.fork counted no context switch", fork_switches)
print("counters are per sample in:", " ".join(ran))
PY
