#!/bin/sh
# Integration: the layers of the tree (README, Layout) only ever include downwards -
# cli -> harness -> backends -> guest-agent -> workloads -> common, and harness -> analysis ->
# common - and see of a backend only its public headers; `vbench report`, `diff` and `history`
# link with the analysis layer and common/ alone (no backend, runner, host or workload code) and
# print what vbench prints.
set -u
BUILD=${BUILD:-build}
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail=0

layers="cli harness analysis backends guest-agent workloads common"
allowed() { # layer -> the layers its files may include
	case $1 in
	cli) echo "cli harness analysis backends workloads common" ;;
	harness) echo "harness analysis backends workloads common" ;;
	analysis) echo "analysis common" ;;
	backends) echo "backends guest-agent workloads common" ;;
	guest-agent) echo "guest-agent workloads common" ;;
	workloads) echo "workloads common" ;;
	common) echo "common" ;;
	esac
}
# What the layers above see of backends/: the ops table, the run's CPUs, the VMM for `vbench vm`.
public="backends/backend.h backends/cpus.h backends/kvm/vmm.h"

nfiles=0
for layer in $layers; do
	[ -d "$layer" ] || { echo "FAIL: there is no $layer/ folder"; fail=1; continue; }
	find "$layer" -name '*.[ch]' | sort >"$tmp/files"
	nfiles=$((nfiles + $(wc -l <"$tmp/files")))
	xargs grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' <"$tmp/files" |
		awk -F: -v layer="$layer" -v ok=" $(allowed "$layer") " -v public=" $public " -v list="$public" '
		{
			match($0, /"[^"]*"/)
			inc = substr($0, RSTART + 1, RLENGTH - 2)
			target = index(inc, "/") ? substr(inc, 1, index(inc, "/") - 1) : layer
			if (index(ok, " " target " ") == 0)
				print $1 ":" $2 ": " layer "/ includes " inc ", a layer it must not reach"
			else if (target == "backends" && layer != "backends" && index(public, " " inc " ") == 0)
				print $1 ":" $2 ": " inc " is a backend'"'"'s inside; the layers above see " list
		}' >>"$tmp/violations"
done
if [ -s "$tmp/violations" ]; then
	echo "FAIL: includes that run against the layers:"
	sed 's/^/  /' "$tmp/violations"
	fail=1
else
	echo "ok: $nfiles files in $(echo $layers | wc -w) layers include only downwards"
fi

bin=$BUILD/tests/layers-analysis
if [ ! -x "$bin" ]; then
	echo "FAIL: $bin is missing (make $bin: report, diff and history linked without the backends)"
	exit 1
fi
# no global symbol of the run engine, a backend or a workload is in it (objects named from the
# sources, so that stale objects of moved files do not count)
for src in $(find harness backends workloads -name '*.c'); do
	obj="$BUILD/obj/${src%.c}.o"
	[ -f "$obj" ] || { echo "FAIL: $obj is missing (make all first)"; exit 1; }
	echo "$obj"
done | xargs nm --defined-only -g | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/engine"
nm --defined-only -g "$bin" | awk 'NF == 3 { print $3 }' | sort -u >"$tmp/analysis"
comm -12 "$tmp/engine" "$tmp/analysis" >"$tmp/both"
if [ -s "$tmp/both" ]; then
	echo "FAIL: $bin holds code of harness/, backends/ or workloads/: $(head -5 "$tmp/both" | tr '\n' ' ')"
	fail=1
elif readelf -d "$bin" | grep -Eq 'hwloc|pfm|uring'; then
	echo "FAIL: $bin needs a library of the run engine: $(readelf -d "$bin" | grep NEEDED | tr -s ' ')"
	fail=1
else
	echo "ok: report, diff and history link with analysis/ and common/ alone ($(wc -l <"$tmp/engine") engine and workload symbols, none in it)"
fi

# and they do what vbench does with the same files
same() { # what -- args...
	what=$1
	shift
	"$BUILD/vbench" "$@" >"$tmp/vbench.out" 2>&1
	rc_v=$?
	"$bin" "$@" >"$tmp/alone.out" 2>&1
	rc_a=$?
	if [ $rc_v -ne $rc_a ] || ! cmp -s "$tmp/vbench.out" "$tmp/alone.out"; then
		echo "FAIL: $what: vbench exit $rc_v, the analysis layer alone exit $rc_a; outputs:"
		diff "$tmp/vbench.out" "$tmp/alone.out" | head -10
		fail=1
	else
		echo "ok: $what: the same output and exit status ($rc_v) as vbench"
	fi
}
mkdir -p "$tmp/runs"
cp tests/fixtures/run-a.json tests/fixtures/run-b.json "$tmp/runs/"
same "diff" diff "$tmp/runs/run-a.json" "$tmp/runs/run-b.json"
same "history" history "$tmp/runs"
"$BUILD/vbench" report "$tmp/runs/run-a.json" --format md,csv --out "$tmp/report-vbench" >/dev/null 2>&1
"$bin" report "$tmp/runs/run-a.json" --format md,csv --out "$tmp/report-alone" >/dev/null 2>&1
if diff -r "$tmp/report-vbench" "$tmp/report-alone" >"$tmp/report.diff" &&
	[ -s "$tmp/report-alone/report.md" ]; then
	echo "ok: report: the same report.md and report.csv as vbench"
else
	echo "FAIL: report: the analysis layer alone wrote another report:"
	head -10 "$tmp/report.diff"
	fail=1
fi
exit $fail
