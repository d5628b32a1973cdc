/* VM exit counts by reason: KVM's binary per-vCPU statistics where the kernel has them, else the VMM's own. */
#ifndef VB_KVM_EXITS_H
#define VB_KVM_EXITS_H

#include <stdbool.h>
#include <stdint.h>

#include "backends/kvm/vm.h"

#define EXITS_MAX 32

struct vm_exit_counts {
	unsigned n;
	char name[EXITS_MAX][48];  /* "exits", "io_exits", "halt_exits", ... as KVM names them */
	uint64_t value[EXITS_MAX]; /* summed over vCPUs, cumulative since the VM started */
	bool from_kvm;		   /* false: only the exits that reached the VMM (userspace) */
};

/* Open each vCPU's stats fd (KVM_GET_STATS_FD); harmless to call when the kernel lacks it. */
void vm_exits_open(struct vm *vm, int *fds, unsigned nfds);
void vm_exits_close(int *fds, unsigned nfds);
/* Read the current counts; fds from vm_exits_open (entries of -1 fall back to the VMM's counters). */
void vm_exits_read(struct vm *vm, const int *fds, unsigned nfds, struct vm_exit_counts *out);

#endif
