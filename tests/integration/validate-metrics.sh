#!/bin/sh
# Integration: every vbench metric that `make validate` sets beside a reference tool exists under
# that name (a renamed metric would otherwise print "vbench has no value" only when someone runs it).
set -u
BUILD=${BUILD:-build}
list=$("$BUILD/vbench" list --workloads) || { echo "vbench list failed"; exit 1; }
pairs=$(sed -n 's/.*vb_median "[^"]*" \([a-z.]*\) \([a-z0-9_]*\)).*/\1 \2/p' scripts/validate.sh)
[ -n "$pairs" ] || { echo "found no vb_median calls in scripts/validate.sh"; exit 1; }
bad=0
echo "$pairs" | {
	while read -r workload metric; do
		# the metrics line follows the workload's line in vbench list
		echo "$list" | grep -A1 "^  $workload " | grep -q "[:,] $metric (" ||
			{ echo "validate reads $workload $metric, which vbench does not have"; bad=1; }
	done
	[ $bad -eq 0 ] && echo "validate's $(echo "$pairs" | wc -l) metrics all exist"
	exit $bad
}
