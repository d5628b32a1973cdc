#!/bin/sh
# Integration: the CLI's usage errors are one clear line with exit 2, and --help is exit 0.
set -u
BUILD=${BUILD:-build}
V="$BUILD/vbench"
fail=0

expect() { # code needle args...
	code=$1 needle=$2
	shift 2
	out=$("$V" "$@" 2>&1 >/dev/null)
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
for c in compare run list info report diff history exec vm; do
	"$V" $c --help >/dev/null 2>&1 || { echo "FAIL: vbench $c --help exit $?"; fail=1; }
	"$V" $c --help | grep -q "usage: vbench $c" || { echo "FAIL: vbench $c --help has no usage line"; fail=1; }
done
"$V" --help | grep -q compare || { echo "FAIL: vbench --help lists no commands"; fail=1; }
"$V" list | grep -q "native" || { echo "FAIL: list shows no native backend"; fail=1; }
"$V" info | grep -q "topology" || { echo "FAIL: info shows no topology"; fail=1; }
exit $fail
