#!/bin/sh
# Integration: within a workload, the backends take turns in an order that changes from round
# to round (each leads as often as the others), the order used is saved in the results file
# (`rounds`), and the same seed gives the same orders. Needs two backends: lxc and native.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

[ "$(id -u)" -eq 0 ] || { echo "SKIP: two backends (lxc and native) need root"; exit 77; }
"$BUILD/vbench" list 2>/dev/null | grep -q '^  lxc *available' ||
	{ echo "SKIP: lxc unavailable, and one backend has no order to rotate"; exit 77; }

for run in a b; do
	"$BUILD/vbench" compare lxc native --suite smoke --workloads 'os.clock,lifecycle.start' \
		--repeat 4 --warmup 1 --seed 5 --out "$tmp/out" --json "$tmp/$run.json" --no-report \
		--quiet >"$tmp/stdout" 2>&1 || { cat "$tmp/stdout"; echo "compare failed"; exit 1; }
done

python3 - "$tmp/a.json" "$tmp/b.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
ran = sorted(x["name"] for x in a["backends"] if x["ran"])
assert ran == ["lxc", "native"], ran
assert "rounds" in a, "no rounds recorded"
for workload in ("os.clock", "lifecycle.start"):
    rounds = [r for r in a["rounds"] if r["workload"] == workload]
    for r in rounds:
        print(workload, r["round"], "warm-up" if r["warmup"] else "", r["order"])
    assert [r["round"] for r in rounds] == [1, 2, 3, 4, 5], rounds
    assert [r["warmup"] for r in rounds] == [True] + [False] * 4, rounds
    assert all(sorted(r["order"]) == ran for r in rounds), rounds
    measured = [tuple(r["order"]) for r in rounds if not r["warmup"]]
    assert len(set(measured)) > 1, (workload, "every round ran in the same order", measured)
    leads = [o[0] for o in measured]
    assert leads.count("lxc") == leads.count("native"), (workload, "uneven leads", leads)
assert a["rounds"] == b["rounds"], "the same seed gave different orders"
print("orders rotate and are reproducible")
PY
