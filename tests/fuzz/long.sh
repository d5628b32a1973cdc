#!/bin/sh
# Open-ended fuzzing (`make fuzz-long`): each target for FUZZ_LONG_SECONDS with a random seed, one process at a time.
# Usage: tests/fuzz/long.sh [fuzz-NAME...]   (default: every build/fuzz/fuzz-*)
# The corpus grows in $BUILD/fuzz-long/NAME and is kept between runs; crashes land in
# $BUILD/fuzz-long/artifacts/. The checked-in folders are only read.
set -u
BUILD=${BUILD:-build}
seconds=${FUZZ_LONG_SECONDS:-300}
here=$(dirname "$0")
targets=${*:-$(for f in "$BUILD"/fuzz/fuzz-*; do basename "$f"; done)}
artifacts=$BUILD/fuzz-long/artifacts
mkdir -p "$artifacts"
found=""

for name in $targets; do
	fuzzer=$BUILD/fuzz/$name
	[ -x "$fuzzer" ] || { echo "fuzz-long: no $fuzzer (make fuzz builds it)" >&2; exit 2; }
	mkdir -p "$BUILD/fuzz-long/$name"
	dirs=""
	for d in "$here/corpus/$name" "$here/crashes/$name"; do
		[ -d "$d" ] && dirs="$dirs $d"
	done
	seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
	echo "== $name: $seconds s, -seed=$seed, corpus $BUILD/fuzz-long/$name"
	# shellcheck disable=SC2086 # the corpus folders
	"$fuzzer" -seed="$seed" -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$artifacts/$name-" "$BUILD/fuzz-long/$name" $dirs \
		>"$BUILD/fuzz-long/$name.log" 2>&1
	rc=$?
	grep -a -E '^(Done|stat::number_of_executed_units|stat::new_units_added|SUMMARY)' \
		"$BUILD/fuzz-long/$name.log"
	# libFuzzer exits non-zero on a crash, a leak, a time-out or running out of memory
	if [ $rc -ne 0 ]; then
		echo "!! $name found something (exit $rc); log: $BUILD/fuzz-long/$name.log"
		grep -a 'Test unit written to' "$BUILD/fuzz-long/$name.log" | sed 's/.*written to /   /'
		found="$found $name"
	fi
done

cat <<EOF

What to do with a finding (tests/fuzz/README.md says more):
  1. Reproduce: $BUILD/fuzz/NAME $artifacts/NAME-crash-...  (the input runs once; ASan/UBSan say where)
  2. Shrink it if it is big: $BUILD/fuzz/NAME -minimize_crash=1 -runs=100000 FILE
  3. Check it in under a name that says what it found, not crash-<hash>:
       cp FILE tests/fuzz/crashes/NAME/what-it-found
     and add a line to the table in tests/fuzz/README.md. From then on \`make check\` replays it.
  4. Fix the library code, not the target (unless the target is wrong), and add a unit test beside
     the behaviour in tests/unit/ that fails without the fix. Then: make fuzz && tests/run-tests.sh fuzz
  Optionally keep new coverage as seeds (a handful of small inputs: check replays them all):
       $BUILD/fuzz/NAME -merge=1 tests/fuzz/corpus/NAME $BUILD/fuzz-long/NAME
EOF
if [ -n "$found" ]; then
	echo
	echo "fuzz-long: findings in:$found"
	exit 1
fi
echo
echo "fuzz-long: nothing found in $seconds s per target"
