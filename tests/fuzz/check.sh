#!/bin/sh
# The fuzz step of `make check` for one target: the same work on every run, so it fails only on a regression.
# Usage: tests/fuzz/check.sh build/fuzz/fuzz-NAME   (tests/run-tests.sh fuzz calls it per target)
# 1. replays every checked-in input: tests/fuzz/corpus/NAME/* (seeds) and tests/fuzz/crashes/NAME/*
#    (every crash found so far);
# 2. fuzzes from those inputs with a fixed seed for a fixed number of runs (no time limit, so the
#    work does not depend on the machine's speed). New inputs go to $BUILD/fuzz-work/NAME, which
#    is emptied first; the checked-in folders are only read.
# FUZZ_SEED and FUZZ_RUNS override the seed and the number of runs.
set -u
fuzzer=$1
name=$(basename "$fuzzer")
BUILD=${BUILD:-build}
here=$(dirname "$0")
seed=${FUZZ_SEED:-1}
# Runs per target: 10-20 s each on the 2-core development VM (the targets differ in speed).
case $name in
fuzz-protocol) runs=1000000 ;;
fuzz-results) runs=60000 ;;
fuzz-virtq) runs=200000 ;;
fuzz-bzimage) runs=1500000 ;;
fuzz-bare) runs=1500000 ;;
*) runs=100000 ;;
esac
runs=${FUZZ_RUNS:-$runs}
work=$BUILD/fuzz-work/$name
artifacts=$BUILD/fuzz-work/artifacts
log=$BUILD/fuzz-work/$name.log

inputs=""
dirs=""
n=0
for d in "$here/corpus/$name" "$here/crashes/$name"; do
	[ -d "$d" ] || continue
	dirs="$dirs $d"
	for f in "$d"/*; do
		[ -f "$f" ] || continue
		inputs="$inputs $f"
		n=$((n + 1))
	done
done
if [ -z "$inputs" ]; then
	echo "$name: no checked-in inputs in $here/corpus/$name or $here/crashes/$name"
	exit 1
fi
rm -rf "$work"
mkdir -p "$work" "$artifacts"

failed() { # what failed, the input
	echo "$name: $1 failed on $2"
	echo "Reproduce: $fuzzer $2   (tests/fuzz/README.md: what to do with a crash)"
	exit 1
}

echo "== replaying $n checked-in inputs"
# shellcheck disable=SC2086 # one argument per input file
"$fuzzer" -rss_limit_mb=2048 -error_exitcode=1 -artifact_prefix="$artifacts/$name-" $inputs \
	>"$log" 2>&1
rc=$?
cat "$log"
[ $rc -eq 0 ] || failed "replaying" "$(sed -n 's/^Running: //p' "$log" | tail -1)"

echo "== fuzzing: -seed=$seed -runs=$runs"
# What would make two runs differ: -reload rereads the corpus folder once a second (speed),
# -use_cmp feeds compared values, some of them addresses, to the mutations (ASLR); the Makefile
# builds without the stack-depth feature for the same reason.
# shellcheck disable=SC2086 # the corpus folders
"$fuzzer" -seed="$seed" -runs="$runs" -reload=0 -use_cmp=0 -rss_limit_mb=2048 -error_exitcode=1 \
	-artifact_prefix="$artifacts/$name-" "$work" $dirs >"$log" 2>&1
rc=$?
cat "$log"
[ $rc -eq 0 ] || failed "fuzzing" "$(sed -n 's/.*Test unit written to //p' "$log" | tail -1)"
total=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log")
cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
# the names of the new inputs are their SHA-1s: equal digests, equal work
digest=$(ls "$work" | md5sum | cut -c1-8)
echo "NOTE: replayed $n inputs, then $total runs with -seed=$seed ($cov; $(ls "$work" | wc -l) new inputs, digest $digest)"
