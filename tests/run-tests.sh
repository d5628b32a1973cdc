#!/bin/sh
# Run vbench's tests: unit (cmocka), fuzz (libFuzzer, briefly), integration and rig scripts.
# Usage: tests/run-tests.sh [unit|fuzz|integration|rig]...   (no argument: all four)
# Scripts exit 0 pass, 77 skip (with a printed reason), anything else fail.
BUILD=${BUILD:-build}
export BUILD
kinds=${*:-unit fuzz integration rig}
pass=0 fail=0 skip=0
failed=""

run_one() { # name command...
	name=$1
	shift
	log=$BUILD/test-logs/$(echo "$name" | tr '/ ' '__').log
	mkdir -p "$BUILD/test-logs"
	start=$(date +%s)
	"$@" >"$log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	case $rc in
	0) pass=$((pass + 1)); echo "PASS  $name (${secs}s)"
	   grep -a '^NOTE:' "$log" | sed 's/^/      /' ;;
	77) skip=$((skip + 1)); echo "SKIP  $name: $(grep -i 'skip' "$log" | tail -1)" ;;
	*) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL  $name (exit $rc, ${secs}s); last lines:";
	   tail -25 "$log" | sed 's/^/      /' ;;
	esac
}

for kind in $kinds; do
	case $kind in
	unit)
		for t in "$BUILD"/tests/test-*; do
			[ -x "$t" ] && run_one "unit/$(basename "$t")" "$t"
		done ;;
	fuzz)
		# every checked-in input, then a fixed-seed run of fixed length (tests/fuzz/README.md)
		for f in "$BUILD"/fuzz/fuzz-*; do
			[ -x "$f" ] && run_one "fuzz/$(basename "$f")" tests/fuzz/check.sh "$f"
		done ;;
	integration)
		for s in tests/integration/*.sh; do
			[ -x "$s" ] && run_one "integration/$(basename "$s")" "$s"
		done ;;
	rig)
		for s in tests/rig/*.sh; do
			# soak.sh, ab.sh and bench-vmm.sh are long measurements run by hand, not tests
			case $s in */soak.sh | */ab.sh | */bench-vmm.sh) continue ;; esac
			[ -x "$s" ] && run_one "rig/$(basename "$s")" "$s"
		done ;;
	*) echo "run-tests: unknown kind $kind" >&2; exit 2 ;;
	esac
done

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || { echo "failed:$failed"; exit 1; }
