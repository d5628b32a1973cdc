#!/bin/sh
# Soak: N consecutive `vbench compare BACKENDS --suite smoke` inside one nested rig, counting failed
# compares, VMs that ended by themselves (triple faults above all) per VMM, and stalls of the rig.
# Not part of `make check`: a compare takes minutes there.
# Usage: tests/rig/soak.sh [N]   (default 30; SOAK_BACKENDS, default "kvm native")
# A/B of the two VMMs on the same kernel, initramfs and workloads: tests/rig/ab.sh.
# Exit 0 only when every compare passed, no VM ended by itself and the rig never stalled.
# The console is in $BUILD/rig-soak-console.log; each run's results JSON is printed on it.
set -u
cd "$(dirname "$0")/../.."
N=${1:-30}
BUILD=${BUILD:-build}
BACKENDS=${SOAK_BACKENDS:-kvm native}
LOG=${SOAK_LOG:-$BUILD/rig-soak-console.log}
case " $BACKENDS " in *" qemu "*) export RIG_WITH_QEMU=1 ;; esac
# vbench's output goes to the console as well: the rig takes a silent console for a stall.
RIG_COMMAND="for i in \$(seq 1 $N); do { /vbench/vbench compare $BACKENDS --suite smoke --cpus 2 --no-report \
--out /tmp/soak 2>&1; echo \"SOAK \$i rc=\$?\"; }; done; true"
# One boot only: a stall is a failure here, not something to retry.
RIG_COMMAND=$RIG_COMMAND RIG_LOG=$LOG RIG_ATTEMPTS=1 RIG_TIMEOUT=${RIG_TIMEOUT:-$((N * 900 + 300))} \
	tests/rig/run.sh >"$LOG.out" 2>&1
rig_rc=$?
[ $rig_rc -eq 77 ] && { cat "$LOG.out"; exit 77; }
tr -d '\r' <"$LOG" >"$LOG.txt"
ran=$(grep -ac '^SOAK [0-9]* rc=' "$LOG.txt")
passed=$(grep -ac '^SOAK [0-9]* rc=0' "$LOG.txt")
stalls=$(grep -ac 'RIG-STALL' "$LOG.txt")
resets=$(grep -ac 'RIG-RESET' "$LOG.txt")
echo "soak: $BACKENDS, $ran of $N compares ran, $passed passed; rig stalls: $stalls, outer guest resets: $resets"
bad=0
for b in $BACKENDS; do
	ends=$(grep -ac "^vbench $b: " "$LOG.txt")
	triple=$(grep -a "^vbench $b: " "$LOG.txt" | grep -ac 'triple')
	errors=$(grep -ac "^vbench: $b: .*\(error\|failed\|died\|timed out\)" "$LOG.txt")
	echo "soak: $b: $ends VM end(s) reported, $triple triple fault(s), $errors workload error line(s)"
	bad=$((bad + ends + errors))
done
grep -a "^vbench [a-z]*: \|^vbench: [a-z]*: .*\(error\|failed\|died\|timed out\)" "$LOG.txt" | head -20
[ "$stalls" -gt 0 ] || [ "$resets" -gt 0 ] && grep -a '^FAIL\|^rig:' "$LOG.out" | head -5
[ "$ran" -eq "$N" ] && [ "$passed" -eq "$N" ] && [ "$stalls" -eq 0 ] && [ $bad -eq 0 ]
