/*
 * The bare guest: a VM with no kernel, whose vCPUs the VMM starts directly in 64-bit ring 3 on page
 * tables, GDT, TSS and a ring-0 exception stub it builds itself (common/bare-abi.h is the contract).
 * For hosts whose KVM emulates ring 0 (PVM), where Linux cannot boot but ring 3 runs natively.
 */
#ifndef VB_KVM_BARE_H
#define VB_KVM_BARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/kvm/memory.h"
#include "backends/kvm/vm.h"
#include "common/bare-abi.h"
#include "common/error.h"

#define BARE_PAGE_4K (4ull << 10)
#define BARE_PAGE_2M (2ull << 20)
#define BARE_PAGE_1G (1ull << 30)

struct bare_config {
	unsigned ncpus;
	const unsigned *cpu_list; /* host CPU per vCPU (wraps); NULL = not pinned */
	unsigned ncpu_list;
	uint64_t memory_bytes;
	uint64_t page_bytes;	/* BARE_PAGE_4K, _2M or _1G */
	const char *image_path; /* the bare guest's ELF image (build/vbench-bare) */
	int *stats_fds;		/* NULL, or BARE_MAX_VCPUS fds for KVM's per-vCPU statistics,
				   opened before the vCPUs run (vm_exits_open) */
	/* Called just before the vCPUs start (the kvm backend's VMM process installs its seccomp
	 * filter there); -1 fails the start. NULL: nothing. */
	int (*before_run)(void *opaque, struct vb_error *err);
	void *before_run_opaque;
};

/* Where the VMM put things; computed from the image and the memory, checked before use. */
struct bare_layout {
	uint64_t page_bytes;
	uint64_t low_end;		 /* guest RAM below the MMIO hole ends here */
	uint64_t high_start, high_end;	 /* guest RAM above 4 GiB (equal: none) */
	uint64_t pt_base, pt_end;	 /* the page tables (supervisor pages) */
	uint64_t entry, image_end;	 /* the image's entry point and its last byte + 1 */
	uint64_t stacks_base, stacks_end; /* one BARE_USER_STACK per vCPU */
	uint64_t heap[2][2];
};

struct bare_vm {
	struct vm *vm;
	struct bare_layout layout;
	struct bare_boot_info *info; /* in guest memory */
	struct bare_ring *tx, *rx;   /* in guest memory */
	int channel_fd;		     /* the harness's end of the agent channel */
	int vmm_fd;		     /* the VMM's end */
	pthread_mutex_t tx_lock;
	uint64_t tsc_khz;
};

/* Parse "4k", "2m", "1g" (any case); 0 if it is none of them. */
uint64_t bare_parse_page_size(const char *s);
const char *bare_page_size_name(uint64_t page_bytes);

/*
 * Load an ELF64 x86-64 executable into guest memory: every PT_LOAD segment must lie in RAM at or
 * above BARE_IMAGE_MIN and below limit, with sizes that add up. Sets layout->entry and image_end.
 */
int bare_load_elf(const struct memory *mem, const uint8_t *image, size_t len, uint64_t limit,
		  struct bare_layout *layout, struct vb_error *err);
/* Plan stacks, page tables and heap once the image is in place (layout->page_bytes set). */
int bare_plan(const struct memory *mem, unsigned ncpus, struct bare_layout *layout,
	      struct vb_error *err);
/* Build the identity-mapped page tables in guest memory; returns the PML4's address (CR3) or 0. */
uint64_t bare_build_page_tables(const struct memory *mem, const struct bare_layout *layout,
				struct vb_error *err);
/* Write GDT, IDT, TSSes and the ring-0 stubs for ncpus vCPUs. */
void bare_build_system(const struct memory *mem, unsigned ncpus);

/*
 * Take the bytes the guest queued on a ring: copies up to max into out and advances head.
 * Returns the count, or -1 with err set when the guest's indexes are impossible.
 */
long bare_ring_take(struct bare_ring *ring, uint8_t *out, size_t max, struct vb_error *err);
/* Queue bytes for the guest: returns how many fitted, or -1 when the ring is corrupt. */
long bare_ring_put(struct bare_ring *ring, const uint8_t *in, size_t len, struct vb_error *err);

/* Describe a fault from the stub's frame ("#PF (vector 14) at RIP 0x... CR2 0x... error 0x2"). */
void bare_describe_fault(unsigned vector, const uint64_t frame[7], uint64_t cr2, char *out,
			 size_t len);

/* Build and start a bare guest; on failure nothing is left and *out is NULL. */
int bare_start(const struct bare_config *cfg, struct bare_vm **out, struct vb_error *err);
/* Stop the vCPUs, close the channel, free everything. NULL is fine. */
void bare_destroy(struct bare_vm *b);

#endif
