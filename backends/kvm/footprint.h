/* The VMM's host memory: what starting a VM added to this process's resident memory, guest RAM aside. */
#ifndef VB_KVM_FOOTPRINT_H
#define VB_KVM_FOOTPRINT_H

#include <stdint.h>
#include <stdio.h>

#include "common/error.h"

/*
 * Resident memory of one process, in the terms QEMU's overhead uses (backends/qemu.c): the sum of
 * every mapping's Rss in smaps, and the part of it that is guest RAM.
 */
struct footprint {
	uint64_t rss_bytes;
	uint64_t guest_bytes; /* Rss of the mappings within the guest RAM range */
};

/* Sum smaps-format text read from f. Mappings lying within [guest_start, guest_start + guest_len)
 * count as guest RAM (guest_len 0: none). -1 when the text has no mapping at all. */
int footprint_parse_smaps(FILE *f, uint64_t guest_start, uint64_t guest_len, struct footprint *out,
			  struct vb_error *err);
/* This process now. Freed heap memory goes back to the kernel first, so that buffers an earlier VM
 * freed (kernel image, initramfs) are nobody's cost. */
int footprint_measure(uint64_t guest_start, uint64_t guest_len, struct footprint *out,
		      struct vb_error *err);
/* The same from an smaps file opened earlier (a process whose seccomp filter forbids opening files):
 * read again from its start. */
int footprint_measure_file(FILE *smaps, uint64_t guest_start, uint64_t guest_len,
			   struct footprint *out, struct vb_error *err);
/* The process's page tables (VmPTE) from its /proc/PID/status, opened earlier; -1 if it has none. */
int footprint_page_table_bytes(FILE *status, uint64_t *out, struct vb_error *err);
/*
 * What the VMM costs: resident memory beyond the guest's RAM and beyond what the process had
 * just before the VM was created (in the VMM process: what fork gave it of the harness's). Negative (the process shrank meanwhile,
 * so no figure can be given) is returned as -1.
 */
double footprint_vmm_bytes(const struct footprint *before, const struct footprint *now);

#endif
