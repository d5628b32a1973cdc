/* Linux bzImage loading per the x86 boot protocol, entered at the 64-bit entry point (no BIOS needed). */
#include "backends/kvm/boot.h"

#include <stdio.h>
#include <string.h>

#include "backends/kvm/vmlinux.h"

/* Offsets into struct boot_params (the zero page); the setup header sits at 0x1f1 in it and in the file. */
#define BP_ACPI_RSDP_ADDR     0x070
#define BP_EXT_RAMDISK_IMAGE  0x0c0
#define BP_EXT_RAMDISK_SIZE   0x0c4
#define BP_EXT_CMD_LINE_PTR   0x0c8
#define BP_E820_ENTRIES	      0x1e8
#define BP_SETUP_SECTS	      0x1f1
#define BP_BOOT_FLAG	      0x1fe
#define BP_JUMP		      0x200
#define BP_HEADER	      0x202
#define BP_VERSION	      0x206
#define BP_TYPE_OF_LOADER     0x210
#define BP_LOADFLAGS	      0x211
#define BP_RAMDISK_IMAGE      0x218
#define BP_RAMDISK_SIZE	      0x21c
#define BP_HEAP_END_PTR	      0x224
#define BP_CMD_LINE_PTR	      0x228
#define BP_INITRD_ADDR_MAX    0x22c
#define BP_KERNEL_ALIGNMENT   0x230
#define BP_RELOCATABLE	      0x234
#define BP_XLOADFLAGS	      0x236
#define BP_CMDLINE_SIZE	      0x238
#define BP_PAYLOAD_OFFSET     0x248
#define BP_PAYLOAD_LENGTH     0x24c
#define BP_PREF_ADDRESS	      0x258
#define BP_INIT_SIZE	      0x260
#define BP_E820_TABLE	      0x2d0
#define BP_E820_MAX	      128
#define BP_SIZE		      4096

#define LOADFLAG_LOADED_HIGH  0x01
#define LOADFLAG_CAN_USE_HEAP 0x80
#define XLF_KERNEL_64	      0x01

#define E820_RAM	      1
#define E820_RESERVED	      2

static uint16_t get16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}
static uint32_t get32(const uint8_t *p)
{
	return get16(p) | (uint32_t)get16(p + 2) << 16;
}
static uint64_t get64(const uint8_t *p)
{
	return get32(p) | (uint64_t)get32(p + 4) << 32;
}
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, v);
	put16(p + 2, v >> 16);
}
static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v);
	put32(p + 4, v >> 32);
}

int boot_parse_bzimage(const uint8_t *image, size_t len, struct bzimage_info *info,
		       struct vb_error *err)
{
	memset(info, 0, sizeof(*info));
	if (len < 1024)
		return error_set(
			err, "not a bzImage: %zu bytes is too short for a Linux boot header", len);
	if (get16(image + BP_BOOT_FLAG) != 0xaa55 || memcmp(image + BP_HEADER, "HdrS", 4) != 0)
		return error_set(
			err, "not a bzImage: no Linux boot header (boot flag 0xAA55 and \"HdrS\")");
	info->version = get16(image + BP_VERSION);
	/* 2.12 brought xloadflags, which says whether the 64-bit entry exists. */
	if (info->version < 0x020c)
		return error_set(err,
				 "bzImage boot protocol %u.%02u is too old (2.12 or later needed)",
				 info->version >> 8, info->version & 0xff);
	info->setup_sects = image[BP_SETUP_SECTS] ? image[BP_SETUP_SECTS] : 4;
	info->kernel_offset = (size_t)(info->setup_sects + 1) * 512;
	if (info->kernel_offset >= len)
		return error_set(
			err, "bzImage is truncated: setup code (%u sectors) reaches past the end",
			info->setup_sects);
	info->kernel_size = len - info->kernel_offset;
	/* The second byte of the jump instruction says how long the header is. */
	info->header_end = BP_JUMP + 2 + (size_t)image[BP_JUMP + 1];
	if (image[BP_JUMP] != 0xeb || info->header_end < BP_INIT_SIZE + 4 ||
	    info->header_end > 0x290 || info->header_end > info->kernel_offset)
		return error_set(err, "bzImage setup header has an implausible length (%zu)",
				 info->header_end);
	info->loadflags = image[BP_LOADFLAGS];
	info->xloadflags = get16(image + BP_XLOADFLAGS);
	if (!(info->loadflags & LOADFLAG_LOADED_HIGH))
		return error_set(
			err,
			"bzImage is a zImage (loaded low); only bzImage kernels are supported");
	if (!(info->xloadflags & XLF_KERNEL_64))
		return error_set(err, "bzImage has no 64-bit entry point (not an x86-64 kernel?)");
	info->initrd_addr_max = get32(image + BP_INITRD_ADDR_MAX);
	info->cmdline_size = get32(image + BP_CMDLINE_SIZE);
	info->kernel_alignment = get32(image + BP_KERNEL_ALIGNMENT);
	info->relocatable = image[BP_RELOCATABLE] != 0;
	info->pref_address = get64(image + BP_PREF_ADDRESS);
	info->init_size = get32(image + BP_INIT_SIZE);
	if (info->init_size < info->kernel_size)
		return error_set(
			err, "bzImage header says init_size %u, less than the kernel's %zu bytes",
			info->init_size, info->kernel_size);
	if (info->cmdline_size == 0)
		return error_set(err, "bzImage header allows no command line");
	/* the payload, where the header says and within the file; else there is none to extract */
	size_t at = info->kernel_offset + get32(image + BP_PAYLOAD_OFFSET);
	size_t plen = get32(image + BP_PAYLOAD_LENGTH);
	if (at >= info->kernel_offset && at < len && plen <= len - at) {
		info->payload_offset = at;
		info->payload_length = plen;
	}
	return 0;
}

static int boot_add_e820(uint8_t *zp, uint64_t addr, uint64_t size, uint32_t type)
{
	unsigned n = zp[BP_E820_ENTRIES];
	if (n >= BP_E820_MAX || size == 0)
		return n >= BP_E820_MAX ? -1 : 0;
	uint8_t *e = zp + BP_E820_TABLE + 20 * n;
	put64(e, addr);
	put64(e + 8, size);
	put32(e + 16, type);
	zp[BP_E820_ENTRIES] = n + 1;
	return 0;
}

/* Identity-map the first 4 GiB with 2 MiB pages: enough for the kernel's own early setup. */
static int boot_page_tables(struct memory *mem, struct vb_error *err)
{
	uint8_t *pml4 = memory_at(mem, BOOT_PML4_ADDR, 6 * 4096);
	if (!pml4)
		return error_set(err, "boot: page tables do not fit in guest memory");
	memset(pml4, 0, 6 * 4096);
	uint8_t *pdpt = pml4 + 4096;
	put64(pml4, (BOOT_PML4_ADDR + 4096) | 0x3);
	for (unsigned i = 0; i < 4; i++) {
		uint64_t pd_gpa = BOOT_PML4_ADDR + 4096 * (2 + i);
		put64(pdpt + 8 * i, pd_gpa | 0x3);
		uint8_t *pd = pml4 + 4096 * (2 + i);
		for (unsigned j = 0; j < 512; j++)
			put64(pd + 8 * j, ((uint64_t)i << 30 | (uint64_t)j << 21) | 0x83);
	}
	return 0;
}

int boot_load_linux(struct memory *mem, const struct boot_linux *in, struct boot_entry *entry,
		    struct vb_error *err)
{
	struct bzimage_info info;
	if (boot_parse_bzimage(in->kernel, in->kernel_len, &info, err) < 0)
		return -1;
	uint64_t low_end = mem->regions[0].size;
	uint64_t load = BOOT_KERNEL_ADDR, rip = load + 0x200;
	uint64_t kernel_end = load + info.init_size;
	if (in->vmlinux) {
		/* the kernel itself, where it links: no decompressor to run, nor room for it */
		if (vmlinux_load(mem, in->vmlinux, in->vmlinux_len, BOOT_KERNEL_ADDR, &rip,
				 &kernel_end, err) < 0)
			return -1;
	} else {
		if (kernel_end > low_end)
			return error_set(
				err, "boot: the kernel needs %u bytes from 1 MiB; guest memory is %llu",
				info.init_size, (unsigned long long)mem->size);
		void *dst = memory_at(mem, load, info.kernel_size);
		if (!dst)
			return error_set(err, "boot: kernel does not fit in guest memory");
		/* startup_64 sits 512 bytes into the protected-mode kernel (rip above) */
		memcpy(dst, in->kernel + info.kernel_offset, info.kernel_size);
	}

	uint8_t *zp = memory_at(mem, BOOT_ZERO_PAGE_ADDR, BP_SIZE);
	if (!zp)
		return error_set(err, "boot: zero page outside guest memory");
	memset(zp, 0, BP_SIZE);
	memcpy(zp + BP_SETUP_SECTS, in->kernel + BP_SETUP_SECTS, info.header_end - BP_SETUP_SECTS);
	zp[BP_TYPE_OF_LOADER] = 0xff; /* undefined boot loader */
	zp[BP_LOADFLAGS] = info.loadflags | LOADFLAG_CAN_USE_HEAP;
	put16(zp + BP_HEAP_END_PTR, 0xfe00);

	size_t cmdlen = strlen(in->cmdline ? in->cmdline : "");
	uint32_t cmdmax =
		info.cmdline_size < BOOT_CMDLINE_MAX - 1 ? info.cmdline_size : BOOT_CMDLINE_MAX - 1;
	if (cmdlen > cmdmax)
		return error_set(err,
				 "boot: command line of %zu bytes exceeds the kernel's limit of %u",
				 cmdlen, cmdmax);
	char *cmd = memory_at(mem, BOOT_CMDLINE_ADDR, cmdlen + 1);
	if (!cmd)
		return error_set(err, "boot: command line outside guest memory");
	memcpy(cmd, in->cmdline ? in->cmdline : "", cmdlen + 1);
	put32(zp + BP_CMD_LINE_PTR, BOOT_CMDLINE_ADDR);

	if (in->initrd && in->initrd_len) {
		uint64_t limit = low_end;
		if (info.initrd_addr_max && (uint64_t)info.initrd_addr_max + 1 < limit)
			limit = (uint64_t)info.initrd_addr_max + 1;
		if (in->initrd_len > limit)
			return error_set(err, "boot: initrd of %zu bytes does not fit below %#llx",
					 in->initrd_len, (unsigned long long)limit);
		uint64_t at = (limit - in->initrd_len) & ~0xfffull;
		if (at < kernel_end)
			return error_set(
				err,
				"boot: initrd of %zu bytes does not fit beside the kernel; "
				"give the VM more memory",
				in->initrd_len);
		void *p = memory_at(mem, at, in->initrd_len);
		if (!p)
			return error_set(err, "boot: initrd outside guest memory");
		memcpy(p, in->initrd, in->initrd_len);
		put32(zp + BP_RAMDISK_IMAGE, (uint32_t)at);
		put32(zp + BP_RAMDISK_SIZE, (uint32_t)in->initrd_len);
		put32(zp + BP_EXT_RAMDISK_IMAGE, (uint32_t)(at >> 32));
		put32(zp + BP_EXT_RAMDISK_SIZE, (uint32_t)((uint64_t)in->initrd_len >> 32));
	}
	put32(zp + BP_EXT_CMD_LINE_PTR, 0);
	if (in->rsdp_addr)
		put64(zp + BP_ACPI_RSDP_ADDR, in->rsdp_addr);

	boot_add_e820(zp, 0, BOOT_EBDA_START, E820_RAM);
	boot_add_e820(zp, BOOT_EBDA_START, BOOT_KERNEL_ADDR - BOOT_EBDA_START, E820_RESERVED);
	boot_add_e820(zp, BOOT_KERNEL_ADDR, low_end - BOOT_KERNEL_ADDR, E820_RAM);
	for (unsigned i = 1; i < mem->nregions; i++)
		boot_add_e820(zp, mem->regions[i].gpa, mem->regions[i].size, E820_RAM);

	/* GDT: null, null, 64-bit code at 0x10, data at 0x18 (the selectors the boot protocol names). */
	uint8_t *gdt = memory_at(mem, BOOT_GDT_ADDR, 4 * 8);
	if (!gdt)
		return error_set(err, "boot: GDT outside guest memory");
	put64(gdt, 0);
	put64(gdt + 8, 0);
	put64(gdt + 16, 0x00af9b000000ffffull);
	put64(gdt + 24, 0x00cf93000000ffffull);
	if (boot_page_tables(mem, err) < 0)
		return -1;
	/*
	 * The reset vector: with hardware-reduced ACPI and no EFI, Linux's default reboot falls
	 * through to "jump to the BIOS", which here must reset: pulse the keyboard controller's
	 * reset line (mov al, 0xfe; out 0x64, al), then halt.
	 */
	static const uint8_t reset_stub[] = { 0xb0, 0xfe, 0xe6, 0x64, 0xfa, 0xf4, 0xeb, 0xfc };
	uint8_t *rv = memory_at(mem, BOOT_RESET_VECTOR, sizeof(reset_stub));
	if (!rv)
		return error_set(err, "boot: reset vector outside guest memory");
	memcpy(rv, reset_stub, sizeof(reset_stub));

	*entry = (struct boot_entry){
		.rip = rip,
		.rsi = BOOT_ZERO_PAGE_ADDR,
		.rsp = BOOT_STACK_ADDR,
		.cr3 = BOOT_PML4_ADDR,
		.gdt_base = BOOT_GDT_ADDR,
		.gdt_limit = 4 * 8 - 1,
	};
	return 0;
}
