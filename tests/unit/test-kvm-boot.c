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
		cmocka_unit_test(test_default_cmdline),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
