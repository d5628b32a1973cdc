/* Unit tests for the VM's ACPI tables: checksums, links between tables, MADT and DSDT contents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/kvm/acpi.h"
#include "backends/kvm/boot.h"
#include "backends/kvm/vm.h"
#include "common/bare-abi.h"

static uint32_t rd32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	for (size_t i = 0; i < n; i++)
		s += p[i];
	return s;
}

/* A table at gpa: signature checked, bytes sum to zero. */
static const uint8_t *table(struct memory *m, uint64_t gpa, const char *sig)
{
	const uint8_t *t = memory_at(m, gpa, 36);
	assert_non_null(t);
	assert_memory_equal(t, sig, 4);
	uint32_t len = rd32(t + 4);
	t = memory_at(m, gpa, len);
	assert_non_null(t);
	assert_int_equal(sum(t, len), 0);
	return t;
}

static bool contains(const uint8_t *hay, size_t n, const void *needle, size_t m)
{
	for (size_t i = 0; i + m <= n; i++)
		if (memcmp(hay + i, needle, m) == 0)
			return true;
	return false;
}

static void test_tables(void **state)
{
	(void)state;
	static uint8_t ram[2 << 20];
	struct memory m;
	memory_init_borrowed(&m, ram, sizeof(ram));
	struct acpi_config cfg = { .ncpus = 3, .com1 = true, .ndevices = 3 };
	for (unsigned i = 0; i < 3; i++)
		cfg.devices[i] = (struct acpi_mmio_device){ 0xd0000000 + 0x1000 * i, 0x200, 5 + i };
	uint64_t rsdp_addr;
	struct vb_error err;
	assert_int_equal(acpi_build(&m, BOOT_ACPI_ADDR, BOOT_ACPI_MAX, &cfg, &rsdp_addr, &err), 0);
	assert_int_equal(rsdp_addr, BOOT_ACPI_ADDR);
	assert_int_equal(rsdp_addr % 16, 0); /* the kernel scans 16-byte boundaries */

	const uint8_t *rsdp = memory_at(&m, rsdp_addr, 36);
	assert_memory_equal(rsdp, "RSD PTR ", 8);
	assert_int_equal(sum(rsdp, 20), 0);
	assert_int_equal(sum(rsdp, 36), 0);
	assert_int_equal(rsdp[15], 2);

	const uint8_t *xsdt = table(&m, rd64(rsdp + 24), "XSDT");
	assert_int_equal(rd32(xsdt + 4), 36 + 16);
	const uint8_t *fadt = table(&m, rd64(xsdt + 36), "FACP");
	const uint8_t *madt = table(&m, rd64(xsdt + 44), "APIC");

	assert_int_equal(rd32(fadt + 4), 276);
	assert_true(rd32(fadt + 112) & (1u << 20)); /* HW_REDUCED_ACPI */
	assert_int_equal(fadt[116], 1);		    /* reset register in I/O space */
	assert_int_equal(rd64(fadt + 120), VM_ACPI_RESET_PORT);
	assert_int_equal(fadt[128], VM_ACPI_RESET_VALUE);
	assert_int_equal(rd64(fadt + 244 + 4), VM_ACPI_SLEEP_PORT);
	/* what the Linux guest's agent checks before vm.exit touches the VMM's port and page */
	assert_memory_equal(fadt + BARE_VMM_FADT_ID_OFFSET, BARE_VMM_FADT_ID, 8);
	const uint8_t *dsdt = table(&m, rd64(fadt + 140), "DSDT");
	assert_int_equal(rd32(fadt + 40), rd64(fadt + 140));

	/* MADT: three enabled LAPICs with IDs 0..2, then one IOAPIC. */
	uint32_t mlen = rd32(madt + 4);
	assert_int_equal(rd32(madt + 36), 0xfee00000);
	unsigned lapics = 0, ioapics = 0;
	for (uint32_t off = 44; off < mlen; off += madt[off + 1]) {
		assert_true(madt[off + 1] >= 2);
		if (madt[off] == 0) {
			assert_int_equal(madt[off + 3], lapics);
			assert_int_equal(rd32(madt + off + 4), 1);
			lapics++;
		} else if (madt[off] == 1) {
			assert_int_equal(rd32(madt + off + 4), ACPI_IOAPIC_ADDR);
			ioapics++;
		}
	}
	assert_int_equal(lapics, 3);
	assert_int_equal(ioapics, 1);

	/* DSDT: COM1 by EISA id, each virtio device's _HID, MMIO base and GSI, and \_S5. */
	uint32_t dlen = rd32(dsdt + 4);
	assert_true(contains(dsdt, dlen, "\x41\xd0\x05\x01", 4));
	assert_true(contains(dsdt, dlen, "LNRO0005", 8));
	assert_true(contains(dsdt, dlen, "VR02", 4));
	assert_true(contains(dsdt, dlen, "\x86\x09\x00\x01\x00\x20\x00\xd0\x00\x02\x00\x00", 12));
	assert_true(contains(dsdt, dlen, "\x89\x06\x00\x03\x01\x07\x00\x00\x00", 9));
	assert_true(contains(dsdt, dlen, "_S5_", 4));
	if (getenv("VBENCH_DUMP_DSDT")) {
		FILE *f = fopen(getenv("VBENCH_DUMP_DSDT"), "wb");
		fwrite(dsdt, 1, dlen, f);
		fclose(f);
	}
}

static void test_limits(void **state)
{
	(void)state;
	static uint8_t ram[2 << 20];
	struct memory m;
	memory_init_borrowed(&m, ram, sizeof(ram));
	struct acpi_config cfg = { .ncpus = 2, .ndevices = ACPI_MAX_DEVICES + 1 };
	uint64_t rsdp;
	struct vb_error err;
	assert_int_equal(acpi_build(&m, BOOT_ACPI_ADDR, BOOT_ACPI_MAX, &cfg, &rsdp, &err), -1);
	cfg.ndevices = 1;
	assert_int_equal(acpi_build(&m, BOOT_ACPI_ADDR, 128, &cfg, &rsdp, &err),
			 -1); /* too little room */
	assert_int_equal(acpi_build(&m, sizeof(ram) - 256, 4096, &cfg, &rsdp, &err),
			 -1); /* off the end */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tables),
		cmocka_unit_test(test_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
