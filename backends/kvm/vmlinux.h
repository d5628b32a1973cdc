/*
 * The kernel inside a bzImage, without its decompressor: the LZ4 payload unpacked on the host and
 * its ELF segments loaded where they link, entered at the ELF entry (64-bit boot protocol). Under
 * emulation the guest's own decompression is seconds of every boot; on the host it is done once.
 */
#ifndef VB_KVM_VMLINUX_H
#define VB_KVM_VMLINUX_H

#include <stddef.h>
#include <stdint.h>

#include "backends/kvm/boot.h"
#include "backends/kvm/memory.h"
#include "common/error.h"

/*
 * The payload's uncompressed ELF (malloc'd) when the payload is LZ4 (the kernel's legacy frame,
 * with the build's 4-byte size after it): returns 1. Returns 0 when the payload is compressed
 * another way (*how names it: the guest's decompressor is then used), -1 when it is corrupt.
 */
int vmlinux_extract(const uint8_t *image, size_t len, const struct bzimage_info *info,
		    uint8_t **elf, size_t *elf_len, const char **how, struct vb_error *err);

/* Load an x86-64 ELF's PT_LOAD segments at their physical addresses, none below min_addr. */
int vmlinux_load(struct memory *mem, const uint8_t *elf, size_t len, uint64_t min_addr,
		 uint64_t *entry, uint64_t *end, struct vb_error *err);

#endif
