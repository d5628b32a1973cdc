#!/bin/sh
# Integration: the CLI's usage errors are one clear line with exit 2, and --help is exit 0;
# every command exits 0 ok, 1 a failed check, 2 usage or environment error (common/exit.h).
set -u
. "$(dirname "$0")/lib.sh"
fail=0
tmp=$(mktemp -d /tmp/vbench-test-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

expect() { # code needle args...
	code=$1 needle=$2
	shift 2
	out=$("$VBENCH" "$@" 2>&1 >/dev/null)
	rc=$?
	if [ $rc -ne "$code" ]; then
		echo "FAIL: vbench $*: exit $rc, expected $code ($out)"; fail=1
	elif [ -n "$needle" ] && ! printf '%s' "$out" | grep -q -- "$needle"; then
		echo "FAIL: vbench $*: message \"$out\" does not name \"$needle\""; fail=1
	else
		echo "ok: vbench $* -> $rc ${out:+($out)}"
	fi
}

expect 2 "xen" compare xen native
expect 2 "huge" run native --suite huge
expect 2 "nosuch" run native --workloads 'nosuch.*'
expect 2 "abc" run native --repeat abc
expect 2 "12Q" run native --memory 12Q
expect 2 "frobnicate" frobnicate
expect 2 "" compare

# a usage error of any command: one line naming it, and where its help is (cli/usage.c)
usage_error() { # command args...
	expect 2 "^vbench $1: .*; see vbench $1 --help\$" "$@"
	[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { echo "FAIL: vbench $*: more than one line"; fail=1; }
}
usage_error compare xen native
usage_error run native --repeat abc
usage_error list --bogus
usage_error info extra
usage_error report --bogus
usage_error report
usage_error diff only-one.json
usage_error history
usage_error exec
usage_error exec nosuch -- true
usage_error vm --bogus
expect 2 "^vbench: unknown command \"frobnicate\"; see vbench --help\$" frobnicate

# environment errors (2), failed checks (1) and success (0), where they are cheap: the null
# backend runs without an environment, an agent or a measurement
null="run null --suite smoke --workloads cpu.sort --quiet --out $tmp/results"
expect 0 "" $null
export VBENCH_NULL_ERROR='*' # the null backend answers every workload with an error
expect 1 "" $null
unset VBENCH_NULL_ERROR
expect 2 "--disk $tmp/none" run null --workloads 'io.blk.*' --disk "$tmp/none" --out "$tmp/results"
expect 2 "cannot run commands" exec null -- true
expect 2 "" vm --kernel "$tmp/none"
expect 2 "$tmp/none.json" report "$tmp/none.json"
expect 0 "" report tests/fixtures/run-a.json --format md --out "$tmp/report"
expect 2 "$tmp/none.json" diff tests/fixtures/run-a.json "$tmp/none.json"
expect 0 "" diff tests/fixtures/run-a.json tests/fixtures/run-a.json
expect 1 "" diff tests/fixtures/run-a.json tests/fixtures/run-b.json
expect 2 "$tmp/none" history "$tmp/none"
expect 0 "" history "$tmp/results" --out "$tmp/history"
for c in compare run list info report diff history exec vm; do
	"$VBENCH" $c --help >/dev/null 2>&1 || { echo "FAIL: vbench $c --help exit $?"; fail=1; }
	"$VBENCH" $c --help | grep -q "usage: vbench $c" || { echo "FAIL: vbench $c --help has no usage line"; fail=1; }
done
"$VBENCH" --help | grep -q compare || { echo "FAIL: vbench --help lists no commands"; fail=1; }
"$VBENCH" list | grep -q "native" || { echo "FAIL: list shows no native backend"; fail=1; }
"$VBENCH" info | grep -q "topology" || { echo "FAIL: info shows no topology"; fail=1; }
exit $fail
