#!/bin/sh
# Integration: workloads that time context switches, forks and thread starts run with no perf
# event attached to the agent (attached events add to every switch and clone: os.ctxsw read 1.2x
# perf bench sched pipe with them), yet keep the getrusage counters, which cost nothing while the
# workload runs; the next workload has its perf events again. Reads a real results file of the
# native backend. (tests/unit/test-counters.c checks that no event is open during such a sample.)
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

"$BUILD/vbench" run native --suite smoke --repeat 2 --warmup 0 \
	--workloads 'os.syscall,os.ctxsw,os.fork,os.thread,os.clock' --out "$tmp/out" \
	--json "$tmp/run.json" --quiet >"$tmp/stdout" 2>"$tmp/stderr"
rc=$?
cat "$tmp/stderr"
[ $rc -eq 0 ] || { cat "$tmp/stdout"; echo "run exited $rc"; exit 1; }

python3 - "$tmp/run.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
series = {}
for c in doc["counters"]:
    if not c["name"].startswith("host."):
        series.setdefault(c["workload"], set()).add(c["name"])
counted = ("os.syscall", "os.clock")
uncounted = ("os.ctxsw", "os.fork", "os.thread")
software = {"task_clock_ns", "page_faults", "ctx_switches", "steal_ms", "cpus_busy_ms", "cpus_total_ms"}
hardware = set().union(*series.values()) - software
for w in counted + uncounted:
    # os.clock runs after the uncounted ones: its counters must be complete again
    assert software <= series.get(w, set()), "%s lacks getrusage counters: %s" % (w, series)
for w in uncounted:
    assert not (series[w] & hardware), "%s ran with perf events attached: %s" % (w, sorted(series[w]))
for w in counted:
    assert series[w] >= hardware, "%s lost its perf events: %s" % (w, sorted(series[w]))
# os.fork's switches are its children's and its own, counted by getrusage
forks = [c for c in doc["counters"] if c["workload"] == "os.fork" and c["name"] == "ctx_switches"]
assert forks and all(v > 0 for v in forks[0]["values"]), forks
for r in doc["results"]:
    if r["workload"] in uncounted + counted and r["metric"] in (
            "same_cpu_round_trip_us", "forks", "threads", "getppid_ns", "clock_gettime_ns"):
        assert r["status"] == "ok" and len(r["samples"]) == 2, r
print("getrusage counters for all; perf events (%s) only for %s" % (", ".join(sorted(hardware)) or "none on this host", ", ".join(counted)))
PY
