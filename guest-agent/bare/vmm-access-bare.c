/*
 * The bare guest's way to vbench's VMM for vm.exit: nothing to set up, since it runs in ring 3 with
 * the VMM's port open to it (its TSS's I/O bitmap) and an identity map in which BARE_MMIO_NULL_GPA
 * is the MMIO page's address; and no HLT wake-ups, since only ring 0 may halt.
 */
#include "workloads/vmm-access.h"

#include "common/bare-abi.h"

int vmm_access_open(struct vb_error *err)
{
	(void)err;
	return 0;
}

volatile uint32_t *vmm_access_mmio(void)
{
	return (volatile uint32_t *)(uintptr_t)BARE_MMIO_NULL_GPA;
}

int vmm_access_pair_start(struct vb_error *err)
{
	return error_set(err, "bare guest: no ring 0 to halt in");
}

void vmm_access_pair_round_trip(void) {}

int vmm_access_pair_stop(struct vb_error *err)
{
	(void)err;
	return 0;
}
