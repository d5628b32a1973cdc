/* Unit tests for the initramfs writer, guest memory bounds, the bzImage loader and the command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/unit/test-bzimage.h"

#include "backends/kvm/boot.h"
#include "backends/kvm/cpio.h"
#include "backends/kvm/machine.h"
#include "backends/kvm/memory.h"
#include "backends/kvm/vmlinux.h"
#include "workloads/lz.h"

#include <elf.h>

static void test_cpio_round_trip(void **state)
{
	(void)state;
	struct cpio c;
	struct vb_error err;
	cpio_init(&c);
	assert_int_equal(cpio_add_dir(&c, "dev", 0755, &err), 0);
	assert_int_equal(cpio_add_char_device(&c, "dev/console", 0600, 5, 1, &err), 0);
	assert_int_equal(cpio_add_file(&c, "init", 0755, "hello", 5, &err), 0);
	assert_int_equal(cpio_add_file(&c, "empty", 0644, NULL, 0, &err), 0);
	assert_int_equal(cpio_finish(&c, &err), 0);
	assert_int_equal(c.len % 4, 0);

	struct cpio_entry e;
	size_t off = 0;
	assert_int_equal(cpio_next(c.data, c.len, &off, &e, &err), 1);
	assert_string_equal(e.name, "dev");
	assert_true(S_ISDIR(e.mode));
	assert_int_equal(cpio_next(c.data, c.len, &off, &e, &err), 1);
	assert_string_equal(e.name, "dev/console");
	assert_true(S_ISCHR(e.mode));
	assert_int_equal(e.rdev_major, 5);
	assert_int_equal(e.rdev_minor, 1);
	assert_int_equal(cpio_next(c.data, c.len, &off, &e, &err), 1);
	assert_string_equal(e.name, "init");
	assert_int_equal(e.mode, S_IFREG | 0755);
	assert_int_equal(e.size, 5);
	assert_memory_equal(e.data, "hello", 5);
	assert_int_equal(cpio_next(c.data, c.len, &off, &e, &err), 1);
	assert_int_equal(e.size, 0);
	assert_int_equal(cpio_next(c.data, c.len, &off, &e, &err), 0);
	assert_int_equal(off, c.len);
	/* Truncations never read past the end. */
	for (size_t cut = 0; cut < c.len - 4; cut += 7) {
		size_t o = 0;
		int rc;
		while ((rc = cpio_next(c.data, cut, &o, &e, &err)) == 1)
			;
		assert_int_equal(rc, -1);
	}
	cpio_free(&c);
}

static void test_memory_bounds(void **state)
{
	(void)state;
	static uint8_t ram[1 << 16];
	struct memory m;
	memory_init_borrowed(&m, ram, sizeof(ram));
	assert_ptr_equal(memory_at(&m, 0, 1), ram);
	assert_ptr_equal(memory_at(&m, sizeof(ram) - 1, 1), ram + sizeof(ram) - 1);
	assert_ptr_equal(memory_at(&m, 0, sizeof(ram)), ram);
	assert_null(memory_at(&m, sizeof(ram), 1));
	assert_null(memory_at(&m, sizeof(ram) - 1, 2));
	assert_null(memory_at(&m, 16, UINT64_MAX));
	assert_null(memory_at(&m, UINT64_MAX, 2));
	/* guest RAM of its own starts on a huge-page boundary, whatever mmap gave (16 tries) */
	struct vb_error err;
	for (int i = 0; i < 16; i++) {
		struct memory g;
		assert_int_equal(memory_init(&g, (18 << 20) + 4096 * (unsigned)i, &err), 0);
		assert_int_equal((uintptr_t)g.map % (2u << 20), 0);
		assert_int_equal(g.map_len, 18 << 20);
		g.map[g.map_len - 1] = 1;
		memory_destroy(&g);
	}
}

static void test_memory_split_around_hole(void **state)
{
	(void)state;
	struct memory m;
	struct vb_error err;
	assert_int_equal(memory_init(&m, 4ull << 30, &err), 0);
	assert_int_equal(m.nregions, 2);
	assert_int_equal(m.regions[1].gpa, MEMORY_HIGH_START);
	assert_int_equal(m.regions[0].size + m.regions[1].size, 4ull << 30);
	assert_non_null(memory_at(&m, MEMORY_LOW_LIMIT - 8, 8));
	assert_null(memory_at(&m, MEMORY_LOW_LIMIT - 8, 16)); /* straddles the hole */
	assert_null(memory_at(&m, 0xd0000000, 4));
	assert_non_null(memory_at(&m, MEMORY_HIGH_START, 4096));
	memory_destroy(&m);
	assert_int_equal(memory_init(&m, 1 << 20, &err), -1);
}

/* The synthetic bzImage with a patterned "kernel". */
static uint8_t *make_bzimage(size_t *len)
{
	uint8_t *img = test_bzimage();
	for (size_t i = 0; i < TEST_BZIMAGE_KERNEL; i++)
		img[TEST_BZIMAGE_SETUP + i] = (uint8_t)(i * 7);
	*len = TEST_BZIMAGE_SETUP + TEST_BZIMAGE_KERNEL;
	return img;
}

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static void test_bzimage_load(void **state)
{
	(void)state;
	size_t len;
	uint8_t *img = make_bzimage(&len);
	struct memory m;
	struct vb_error err;
	assert_int_equal(memory_init(&m, 64 << 20, &err), 0);
	uint8_t initrd[10000];
	memset(initrd, 0x5a, sizeof(initrd));
	struct boot_linux in = { .kernel = img,
				 .kernel_len = len,
				 .cmdline = "console=ttyS0 quiet",
				 .initrd = initrd,
				 .initrd_len = sizeof(initrd),
				 .rsdp_addr = 0xe0000 };
	struct boot_entry entry;
	assert_int_equal(boot_load_linux(&m, &in, &entry, &err), 0);
	assert_int_equal(entry.rip, 0x100200);
	assert_int_equal(entry.rsi, BOOT_ZERO_PAGE_ADDR);
	assert_memory_equal(memory_at(&m, 0x100000, 8192), img + 5 * 512, 8192);
	uint8_t *zp = memory_at(&m, BOOT_ZERO_PAGE_ADDR, 4096);
	assert_memory_equal(zp + 0x202, "HdrS", 4);
	assert_int_equal(zp[0x210], 0xff);
	assert_int_equal(rd32(zp + 0x228), BOOT_CMDLINE_ADDR);
	assert_string_equal((char *)memory_at(&m, BOOT_CMDLINE_ADDR, 1), "console=ttyS0 quiet");
	assert_int_equal(rd64(zp + 0x70), 0xe0000);
	uint32_t rd = rd32(zp + 0x218);
	assert_int_equal(rd32(zp + 0x21c), sizeof(initrd));
	assert_int_equal(rd % 4096, 0);
	assert_true(rd >= 0x200000 && rd + sizeof(initrd) <= (64u << 20));
	assert_memory_equal(memory_at(&m, rd, sizeof(initrd)), initrd, sizeof(initrd));
	/* e820: low RAM, the reserved BIOS area holding the ACPI tables, then RAM from 1 MiB. */
	assert_int_equal(zp[0x1e8], 3);
	assert_int_equal(rd64(zp + 0x2d0 + 20 * 1), BOOT_EBDA_START);
	assert_int_equal(rd32(zp + 0x2d0 + 20 * 1 + 16), 2);
	assert_int_equal(rd64(zp + 0x2d0 + 20 * 2 + 8), (64u << 20) - 0x100000);
	/* The reset vector resets through the keyboard controller. */
	assert_memory_equal(memory_at(&m, BOOT_RESET_VECTOR, 4), "\xb0\xfe\xe6\x64", 4);
	/* The page tables identity-map 2 MiB pages. */
	uint8_t *pd = memory_at(&m, BOOT_PML4_ADDR + 2 * 4096, 4096);
	assert_int_equal(rd64(pd + 8 * 3), (3ull << 21) | 0x83);

	char big[4096];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	in.cmdline = big;
	assert_int_equal(boot_load_linux(&m, &in, &entry, &err), -1);
	assert_non_null(strstr(err.message, "command line"));
	memory_destroy(&m);
	free(img);
}

static void test_bzimage_rejects(void **state)
{
	(void)state;
	size_t len;
	uint8_t *img = make_bzimage(&len);
	struct bzimage_info info;
	struct vb_error err;
	assert_int_equal(boot_parse_bzimage(img, len, &info, &err), 0);
	assert_int_equal(info.version, 0x020f);
	assert_int_equal(info.kernel_offset, 5 * 512);

	assert_int_equal(
		boot_parse_bzimage((const uint8_t *)"#!/bin/sh\necho hi\n", 18, &info, &err), -1);
	assert_non_null(strstr(err.message, "not a bzImage"));
	uint8_t *bad = malloc(len);
	memcpy(bad, img, len);
	bad[0x202] = 'X';
	assert_int_equal(boot_parse_bzimage(bad, len, &info, &err), -1);
	assert_non_null(strstr(err.message, "not a bzImage"));
	memcpy(bad, img, len);
	bad[0x236] = 0;
	assert_int_equal(boot_parse_bzimage(bad, len, &info, &err), -1);
	assert_non_null(strstr(err.message, "64-bit"));
	memcpy(bad, img, len);
	bad[0x206] = 0x0a;
	assert_int_equal(boot_parse_bzimage(bad, len, &info, &err), -1);
	assert_non_null(strstr(err.message, "too old"));
	memcpy(bad, img, len);
	bad[0x1f1] = 60; /* setup longer than the file */
	assert_int_equal(boot_parse_bzimage(bad, len, &info, &err), -1);
	assert_non_null(strstr(err.message, "truncated"));
	memcpy(bad, img, len);
	bad[0x262] = 0; /* init_size smaller than the kernel */
	assert_int_equal(boot_parse_bzimage(bad, len, &info, &err), -1);
	free(bad);
	free(img);
}

/* LZ4 blocks (the kernel's payload; cpu.lz's decoder): literals, a repeat, long lengths, lies. */
static void test_lz4_block(void **state)
{
	(void)state;
	uint8_t out[64];
	/* "abc", then 9 bytes from 3 back (a repeat), then "X" alone */
	static const uint8_t rep[] = { 0x35, 'a', 'b', 'c', 3, 0, 0x10, 'X' };
	assert_int_equal(lz_decompress_block(rep, sizeof(rep), out, sizeof(out)), 13);
	assert_memory_equal(out, "abcabcabcabcX", 13);
	/* 20 literals (15 + 5), then a match of 4 + 15 + 255 + 1 = 275 zeros: too long for out */
	uint8_t lng[32] = { 0xff, 5 };
	memset(lng + 2, 0, 20);
	lng[22] = 1, lng[23] = 0, lng[24] = 255, lng[25] = 1;
	assert_int_equal(lz_decompress_block(lng, 26, out, sizeof(out)), -1);
	static uint8_t big[400];
	assert_int_equal(lz_decompress_block(lng, 26, big, sizeof(big)), 20 + 275);
	/* a match reaching before the start, an offset of 0, blocks cut short */
	static const uint8_t before[] = { 0x30, 'a', 'b', 'c', 4, 0 };
	assert_int_equal(lz_decompress_block(before, sizeof(before), out, sizeof(out)), -1);
	static const uint8_t zero[] = { 0x30, 'a', 'b', 'c', 0, 0 };
	assert_int_equal(lz_decompress_block(zero, sizeof(zero), out, sizeof(out)), -1);
	static const uint8_t cut[] = { 0x50, 'a', 'b' };
	assert_int_equal(lz_decompress_block(cut, sizeof(cut), out, sizeof(out)), -1);
	static const uint8_t cut_len[] = { 0xf0, 255, 255 };
	assert_int_equal(lz_decompress_block(cut_len, sizeof(cut_len), out, sizeof(out)), -1);
	static const uint8_t cut_off[] = { 0x10, 'a', 3 };
	assert_int_equal(lz_decompress_block(cut_off, sizeof(cut_off), out, sizeof(out)), -1);
}

static void put32le(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* An LZ4 block of literals only: what any decoder must take. */
static size_t lz4_literals(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 0;
	if (n < 15) {
		out[o++] = (uint8_t)(n << 4);
	} else {
		out[o++] = 0xf0;
		size_t rest = n - 15;
		for (; rest >= 255; rest -= 255)
			out[o++] = 255;
		out[o++] = (uint8_t)rest;
	}
	memcpy(out + o, in, n);
	return o + n;
}

#define TEST_ELF_LOAD 0x1000000u

/* A tiny x86-64 ELF: one executable segment of 64 bytes at 16 MiB, 8 KiB in memory. */
static size_t make_elf(uint8_t *out)
{
	memset(out, 0, 256);
	Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_entry = TEST_ELF_LOAD + 8, .e_phoff = sizeof(Elf64_Ehdr),
			  .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
			  .e_phnum = 1 };
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	Elf64_Phdr ph = { .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 192,
			  .p_vaddr = 0xffffffff81000000ull, .p_paddr = TEST_ELF_LOAD, .p_filesz = 64,
			  .p_memsz = 8192 };
	memcpy(out, &eh, sizeof(eh));
	memcpy(out + sizeof(eh), &ph, sizeof(ph));
	for (int i = 0; i < 64; i++)
		out[192 + i] = (uint8_t)(0xa0 + i);
	return 256;
}

/* A bzImage whose payload is that ELF in the kernel's LZ4 framing (magic, size, block, its size). */
static uint8_t *make_lz4_bzimage(size_t *len, const uint8_t *elf, size_t elf_len)
{
	uint8_t *img = test_bzimage();
	uint8_t *pay = img + TEST_BZIMAGE_SETUP + 64;
	put32le(pay, 0x184c2102);
	size_t block = lz4_literals(elf, elf_len, pay + 8);
	put32le(pay + 4, (uint32_t)block);
	put32le(pay + 8 + block, (uint32_t)elf_len);
	put32le(img + 0x248, 64);
	put32le(img + 0x24c, (uint32_t)(8 + block + 4));
	*len = TEST_BZIMAGE_SETUP + TEST_BZIMAGE_KERNEL;
	return img;
}

static void test_vmlinux_boot(void **state)
{
	(void)state;
	uint8_t elf[256];
	size_t elf_len = make_elf(elf), len;
	uint8_t *img = make_lz4_bzimage(&len, elf, elf_len);
	struct bzimage_info info;
	struct vb_error err;
	assert_int_equal(boot_parse_bzimage(img, len, &info, &err), 0);
	assert_int_equal(info.payload_offset, TEST_BZIMAGE_SETUP + 64);
	uint8_t *got;
	size_t got_len;
	const char *how;
	assert_int_equal(vmlinux_extract(img, len, &info, &got, &got_len, &how, &err), 1);
	assert_string_equal(how, "LZ4");
	assert_int_equal(got_len, elf_len);
	assert_memory_equal(got, elf, elf_len);

	/* booted from its ELF: the segment where it links, its tail zeroed, the ELF's entry */
	struct memory m;
	assert_int_equal(memory_init(&m, 64 << 20, &err), 0);
	memset(memory_at(&m, TEST_ELF_LOAD, 8192), 0xee, 8192);
	uint8_t initrd[4096] = { 1 };
	struct boot_linux in = { .kernel = img, .kernel_len = len, .vmlinux = got,
				 .vmlinux_len = got_len, .cmdline = "quiet", .initrd = initrd,
				 .initrd_len = sizeof(initrd) };
	struct boot_entry entry;
	assert_int_equal(boot_load_linux(&m, &in, &entry, &err), 0);
	assert_int_equal(entry.rip, TEST_ELF_LOAD + 8);
	assert_memory_equal(memory_at(&m, TEST_ELF_LOAD, 64), elf + 192, 64);
	static const uint8_t zeros[8192 - 64];
	assert_memory_equal(memory_at(&m, TEST_ELF_LOAD + 64, sizeof(zeros)), zeros, sizeof(zeros));
	uint8_t *zp = memory_at(&m, BOOT_ZERO_PAGE_ADDR, 4096);
	assert_true(rd32(zp + 0x218) >= TEST_ELF_LOAD + 8192);

	/* ELFs that lie: entry outside, a segment below 1 MiB, beyond memory, past the file */
	Elf64_Ehdr *eh = (Elf64_Ehdr *)got;
	Elf64_Phdr *ph = (Elf64_Phdr *)(got + sizeof(Elf64_Ehdr));
	eh->e_entry = TEST_ELF_LOAD + 100;
	assert_int_equal(boot_load_linux(&m, &in, &entry, &err), -1);
	assert_non_null(strstr(err.message, "entry"));
	eh->e_entry = TEST_ELF_LOAD;
	ph->p_paddr = 0x7000;
	assert_int_equal(boot_load_linux(&m, &in, &entry, &err), -1);
	assert_non_null(strstr(err.message, "below"));
	ph->p_paddr = 63ull << 20;
	ph->p_memsz = 2ull << 20;
	assert_int_equal(boot_load_linux(&m, &in, &entry, &err), -1);
	assert_non_null(strstr(err.message, "outside guest memory"));
	ph->p_paddr = UINT64_MAX - 10;
	assert_int_equal(boot_load_linux(&m, &in, &entry, &err), -1);
	ph->p_paddr = TEST_ELF_LOAD;
	ph->p_memsz = 8192;
	ph->p_offset = 250;
	assert_int_equal(boot_load_linux(&m, &in, &entry, &err), -1);
	assert_non_null(strstr(err.message, "outside the file"));
	got[0] = 0;
	assert_int_equal(boot_load_linux(&m, &in, &entry, &err), -1);
	assert_non_null(strstr(err.message, "not a little-endian x86-64 ELF"));
	free(got);
	memory_destroy(&m);

	/* payloads that lie: the size after them, a block past the end; another compression */
	uint8_t *pay = img + info.payload_offset;
	size_t plen = info.payload_length;
	put32le(pay + plen - 4, (uint32_t)elf_len + 1);
	assert_int_equal(vmlinux_extract(img, len, &info, &got, &got_len, &how, &err), -1);
	assert_non_null(strstr(err.message, "its size says"));
	put32le(pay + plen - 4, 300 * (uint32_t)plen); /* more than LZ4 can make of it */
	assert_int_equal(vmlinux_extract(img, len, &info, &got, &got_len, &how, &err), -1);
	assert_non_null(strstr(err.message, "implausible size"));
	put32le(pay + plen - 4, (uint32_t)elf_len);
	put32le(pay + 4, 100000);
	assert_int_equal(vmlinux_extract(img, len, &info, &got, &got_len, &how, &err), -1);
	assert_non_null(strstr(err.message, "runs past the payload"));
	assert_null(got);
	pay[0] = 0x1f, pay[1] = 0x8b;
	assert_int_equal(vmlinux_extract(img, len, &info, &got, &got_len, &how, &err), 0);
	assert_string_equal(how, "gzip");
	free(img);
}

/* The real Debian kernel, when `make guest` has fetched it. */
static void test_bzimage_debian(void **state)
{
	(void)state;
	FILE *f = fopen("build/guest/vmlinuz", "rb");
	if (!f) {
		skip();
		return;
	}
	static uint8_t head[1 << 16];
	size_t n = fread(head, 1, sizeof(head), f);
	fclose(f);
	struct bzimage_info info;
	struct vb_error err;
	assert_int_equal(boot_parse_bzimage(head, n, &info, &err), 0);
	assert_true(info.version >= 0x020c);
	assert_true(info.relocatable);
	/* Debian packs it with LZ4: vbench unpacks it and loads the kernel itself where it links */
	f = fopen("build/guest/vmlinuz", "rb");
	assert_non_null(f);
	struct stat st;
	assert_int_equal(fstat(fileno(f), &st), 0);
	uint8_t *all = malloc((size_t)st.st_size);
	assert_non_null(all);
	assert_int_equal(fread(all, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);
	assert_int_equal(boot_parse_bzimage(all, (size_t)st.st_size, &info, &err), 0);
	uint8_t *elf;
	size_t elf_len;
	const char *how;
	int rc = vmlinux_extract(all, (size_t)st.st_size, &info, &elf, &elf_len, &how, &err);
	if (rc == 0) {
		print_message("build/guest/vmlinuz's payload is %s: its decompressor runs\n", how);
		free(all);
		return;
	}
	assert_int_equal(rc, 1);
	struct memory m;
	assert_int_equal(memory_init(&m, 512 << 20, &err), 0);
	uint64_t entry, end;
	assert_int_equal(vmlinux_load(&m, elf, elf_len, BOOT_KERNEL_ADDR, &entry, &end, &err), 0);
	/* phys_startup_64 at the kernel's physical load address, the image within its init_size */
	assert_int_equal(entry, info.pref_address);
	assert_true(end > entry && end - entry <= info.init_size);
	memory_destroy(&m);
	free(elf);
	free(all);
}

/* The guest learns its address and the peer's; the peer's ports are fixed (common/net-peer.h), so
 * the command line names no port. */
static void test_default_cmdline(void **state)
{
	(void)state;
	char line[512];
	machine_default_cmdline(true, true, line, sizeof(line));
	assert_string_equal(line, "console=ttyS0 panic=-1 pci=off rdinit=/init quiet"
				  " vbench.ip=10.0.2.2/24 vbench.peer=10.0.2.1");
	machine_default_cmdline(false, false, line, sizeof(line));
	assert_string_equal(line, "console=ttyS0 panic=-1 pci=off rdinit=/init");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpio_round_trip),
		cmocka_unit_test(test_memory_bounds),
		cmocka_unit_test(test_memory_split_around_hole),
		cmocka_unit_test(test_bzimage_load),
		cmocka_unit_test(test_bzimage_rejects),
		cmocka_unit_test(test_bzimage_debian),
		cmocka_unit_test(test_lz4_block),
		cmocka_unit_test(test_vmlinux_boot),
		cmocka_unit_test(test_default_cmdline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
