#!/bin/sh
# In the nested rig: `vbench compare kvm native --suite smoke` completes with kvm samples, and the
# kvm agent used its virtio-blk disk and its virtio-net link. Exit 0 pass, 1 fail, 77 skip.
cd "$(dirname "$0")/../.."
RIG_COMMAND="/vbench/vbench compare kvm native --suite smoke --cpus 2" tests/rig/run.sh
rc=$?
[ $rc -ne 0 ] && exit $rc
LOG=${BUILD:-build}/rig-console.log
tr -d '\r' <"$LOG" >"$LOG.txt"
check() { # description, extended regex over the result table
	grep -Eq "$2" "$LOG.txt" || { echo "FAIL: $1"; exit 1; }
}
check "no kvm start-up line with 2 vCPUs" '^kvm +ready in [0-9]+ ms;.* 2 vCPUs'
# A measured kvm value is the first number after the unit column.
check "no kvm cpu.sha256 sample" '^cpu\.sha256 +single +MB/s \^ +[0-9]'
check "no kvm io.blk.seq sample (virtio-blk)" '^io\.blk\.seq +read_mbps +MB/s \^ +[0-9]'
check "no kvm io.net.rr sample (virtio-net)" '^io\.net\.rr +rr1_tps +transactions/s \^ +[0-9]'
echo "PASS: compare kvm native finished in the rig, with disk and network samples from the VM"
exit 0
