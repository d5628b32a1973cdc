/*
 * How the vm.exit workload reaches vbench's VMM and a second vCPU: the agent as a Linux process
 * (workloads/vmm-access-linux.c) or the bare guest (guest-agent/bare/vmm-access-bare.c).
 */
#ifndef VB_VMM_ACCESS_H
#define VB_VMM_ACCESS_H

#include <stdint.h>

#include "common/error.h"

/*
 * Make the calling thread able to write the port BARE_PORT_NULL and the page at
 * BARE_MMIO_NULL_GPA (common/bare-abi.h), without touching either. Idempotent. Returns 0, or -1
 * with the reason in err ("not on vbench's own VMM ...", "no /dev/mem ..."): never guess, since
 * outside that VMM the port and the address may belong to real hardware.
 */
int vmm_access_open(struct vb_error *err);
/* The first word of the MMIO page; valid once vmm_access_open returned 0. */
volatile uint32_t *vmm_access_mmio(void);

/*
 * A partner thread on a second CPU for HLT wake-ups: each side sleeps in the kernel, so its vCPU
 * idles in HLT, until the other side wakes it, which takes an IPI. Start pins the calling thread
 * to one CPU and the partner to another; returns 0, or -1 with the reason in err ("bare guest: no
 * ring 0 to halt in", "one CPU: no second vCPU to wake").
 */
int vmm_access_pair_start(struct vb_error *err);
/* Wake the partner and sleep until it wakes the caller: two wake-ups. */
void vmm_access_pair_round_trip(void);
/* End the partner and give the calling thread back the CPUs it had. Returns 0 or -1 with err. */
int vmm_access_pair_stop(struct vb_error *err);

/*
 * TSC reads around a timed loop. The fences keep the loop's instructions from starting before the
 * first read or finishing after the second; plain RDTSC, since RDTSCP is not in every vCPU's
 * CPUID.
 */
static inline uint64_t vmm_access_tsc_begin(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline uint64_t vmm_access_tsc_end(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

#endif
