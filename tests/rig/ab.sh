#!/bin/sh
# A/B of two VMMs in one nested rig: the same Debian cloud kernel and the same initramfs (the agent
# as /init) under QEMU's microvm (-accel kvm) and under vbench's own VMM, the same smoke workloads,
# N times each, interleaved sample by sample. A fault that only one VMM's guests show is that VMM's.
# Usage: tests/rig/ab.sh [N]   (default 15; about 5 minutes a round). Not part of `make check`.
# Prints, per VMM, how many VMs ended by themselves and how many were triple faults.
cd "$(dirname "$0")/../.."
SOAK_BACKENDS="qemu kvm" SOAK_LOG=${BUILD:-build}/rig-ab-console.log exec tests/rig/soak.sh "${1:-15}"
