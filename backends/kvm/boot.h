/* Linux bzImage loading per the x86 boot protocol (64-bit entry): header parsing and guest layout. */
#ifndef VB_KVM_BOOT_H
#define VB_KVM_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/kvm/memory.h"
#include "common/error.h"

/* Fixed low-memory layout. ACPI tables live in the BIOS area the kernel scans for the RSDP. */
#define BOOT_GDT_ADDR	    0x500ull
#define BOOT_ZERO_PAGE_ADDR 0x7000ull
#define BOOT_PML4_ADDR	    0x9000ull /* then the PDPT and four page directories */
#define BOOT_STACK_ADDR	    0x8ff0ull
#define BOOT_CMDLINE_ADDR   0x20000ull
#define BOOT_CMDLINE_MAX    0x10000u
#define BOOT_EBDA_START	    0x9fc00ull
#define BOOT_ACPI_ADDR	    0xe0000ull
#define BOOT_ACPI_MAX	    0x20000u
#define BOOT_KERNEL_ADDR    0x100000ull
/* Where a CPU (or Linux's BIOS reboot method) jumps on reset: vbench's one-instruction firmware. */
#define BOOT_RESET_VECTOR  0xffff0ull

#define BOOT_CODE_SELECTOR 0x10
#define BOOT_DATA_SELECTOR 0x18

/* What the setup header of a bzImage says, after validation. */
struct bzimage_info {
	uint16_t version; /* boot protocol, e.g. 0x020f */
	unsigned setup_sects;
	size_t kernel_offset; /* where the protected-mode kernel starts in the file */
	size_t kernel_size;
	size_t header_end; /* end of the setup header, to copy into the zero page */
	uint8_t loadflags;
	uint16_t xloadflags;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	uint32_t init_size; /* memory the kernel needs from its load address */
	uint32_t kernel_alignment;
	bool relocatable;
	uint64_t pref_address;
	size_t payload_offset; /* the compressed kernel, from the file's start (0 length: none) */
	size_t payload_length;
};

/* Validate a bzImage's header; a clear error for anything vbench cannot boot with the 64-bit entry. */
int boot_parse_bzimage(const uint8_t *image, size_t len, struct bzimage_info *info,
		       struct vb_error *err);

struct boot_linux {
	const uint8_t *kernel;
	size_t kernel_len;
	/* the kernel's own ELF (vmlinux.h), loaded in place of its decompressor; may be NULL */
	const uint8_t *vmlinux;
	size_t vmlinux_len;
	const char *cmdline;
	const uint8_t *initrd; /* may be NULL */
	size_t initrd_len;
	uint64_t rsdp_addr; /* 0 = none */
};

/* Where the boot vCPU starts: 64-bit mode, identity-mapped, rsi = zero page. */
struct boot_entry {
	uint64_t rip, rsi, rsp, cr3, gdt_base;
	uint16_t gdt_limit;
};

/* Copy kernel, command line and initrd into guest memory and build zero page, e820 and page tables. */
int boot_load_linux(struct memory *mem, const struct boot_linux *in, struct boot_entry *entry,
		    struct vb_error *err);

#endif
