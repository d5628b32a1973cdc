#!/bin/sh
# Integration: the agent's perf counters are closed while workloads that time context switches,
# forks and thread starts run (attached events add to every switch and clone: os.ctxsw read 1.2x
# perf bench sched pipe with them), and are back for the next workload. Reads a real results file
# of the native backend: the uncounted workloads have no agent counter series, os.syscall has them.
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
for w in counted:
    # os.clock runs after the uncounted ones: the counters must have been reopened
    assert "task_clock_ns" in series.get(w, set()), "%s has no agent counters: %s" % (w, series)
for w in uncounted:
    assert w not in series, "%s ran with the agent's counters attached: %s" % (w, sorted(series[w]))
for r in doc["results"]:
    if r["workload"] in uncounted + counted and r["metric"] in (
            "same_cpu_round_trip_us", "forks", "threads", "getppid_ns", "clock_gettime_ns"):
        assert r["status"] == "ok" and len(r["samples"]) == 2, r
print("counters: %s; none for %s" % (", ".join(counted), ", ".join(uncounted)))
PY
