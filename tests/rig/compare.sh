#!/bin/sh
# In the nested rig: `vbench compare kvm native --suite smoke` completes with kvm samples.
# Exit 0 pass, 1 fail, 77 skip.
cd "$(dirname "$0")/../.."
RIG_COMMAND="/vbench/vbench compare kvm native --suite smoke --cpus 2" tests/rig/run.sh
rc=$?
[ $rc -ne 0 ] && exit $rc
LOG=${BUILD:-build}/rig-console.log
grep -q '^kvm  *ready in [0-9]* ms; 2 vCPUs' "$LOG" || { echo "FAIL: no kvm start-up line with 2 vCPUs"; exit 1; }
grep -Eq '^cpu\.sha256 .*[0-9]' "$LOG" || { echo "FAIL: no cpu.sha256 result row"; exit 1; }
echo "PASS: compare kvm native finished in the rig"
exit 0
