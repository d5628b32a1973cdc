/* ACPI tables for a hardware-reduced x86 VM, with a small AML encoder for the DSDT. */
#include "backends/kvm/acpi.h"

#include <string.h>

#include "backends/kvm/vm.h"
#include "common/bare-abi.h"

#define ACPI_HEADER_LEN		       36
#define FADT_LEN		       276
#define FADT_FLAG_RESET_REG_SUP	       (1u << 10)
#define FADT_FLAG_HW_REDUCED_ACPI      (1u << 20)
#define FADT_BOOT_VGA_NOT_PRESENT      (1u << 2)
#define FADT_BOOT_CMOS_RTC_NOT_PRESENT (1u << 5)
#define GAS_SYSTEM_IO		       1

/* A growing byte string (AML and tables are built back to front for package lengths). */
struct acpi_buf {
	uint8_t data[8192];
	size_t len;
	bool overflow;
};

static void buf_put(struct acpi_buf *b, const void *p, size_t n)
{
	if (b->len + n > sizeof(b->data)) {
		b->overflow = true;
		return;
	}
	memcpy(b->data + b->len, p, n);
	b->len += n;
}
static void buf_u8(struct acpi_buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}
static void buf_u16(struct acpi_buf *b, uint16_t v)
{
	uint8_t x[2] = { v, v >> 8 };
	buf_put(b, x, 2);
}
static void buf_u32(struct acpi_buf *b, uint32_t v)
{
	buf_u16(b, v);
	buf_u16(b, v >> 16);
}
static void buf_u64(struct acpi_buf *b, uint64_t v)
{
	buf_u32(b, v);
	buf_u32(b, v >> 32);
}

uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	for (size_t i = 0; i < len; i++)
		sum += p[i];
	return (uint8_t)(0 - sum);
}

/* AML PkgLength: the length counts its own encoding bytes. */
static void aml_pkg(struct acpi_buf *out, uint8_t op_prefix, uint8_t op, bool two_byte_op,
		    const struct acpi_buf *body)
{
	if (two_byte_op)
		buf_u8(out, op_prefix);
	buf_u8(out, op);
	size_t n = body->len;
	if (n + 1 < 0x40) {
		buf_u8(out, n + 1);
	} else if (n + 2 < 0x1000) {
		size_t t = n + 2;
		buf_u8(out, 0x40 | (t & 0xf));
		buf_u8(out, t >> 4);
	} else {
		size_t t = n + 3;
		buf_u8(out, 0x80 | (t & 0xf));
		buf_u8(out, t >> 4);
		buf_u8(out, t >> 12);
	}
	buf_put(out, body->data, body->len);
	out->overflow |= body->overflow;
}

static void aml_name(struct acpi_buf *b, const char seg[4])
{
	buf_u8(b, 0x08); /* NameOp */
	buf_put(b, seg, 4);
}

static void aml_integer(struct acpi_buf *b, uint32_t v)
{
	if (v == 0) {
		buf_u8(b, 0x00); /* ZeroOp */
	} else if (v <= 0xff) {
		buf_u8(b, 0x0a);
		buf_u8(b, v);
	} else {
		buf_u8(b, 0x0c);
		buf_u32(b, v);
	}
}

static void aml_string(struct acpi_buf *b, const char *s)
{
	buf_u8(b, 0x0d);
	buf_put(b, s, strlen(s) + 1);
}

/* Name(_CRS, ResourceTemplate() { ... }): a Buffer whose bytes end with the end tag. */
static void aml_crs(struct acpi_buf *b, const struct acpi_buf *resources)
{
	struct acpi_buf body = { .len = 0 };
	struct acpi_buf res = *resources;
	buf_u8(&res, 0x79); /* end tag, checksum 0 = "not checked" */
	buf_u8(&res, 0x00);
	aml_integer(&body, (uint32_t)res.len);
	buf_put(&body, res.data, res.len);
	aml_name(b, "_CRS");
	aml_pkg(b, 0, 0x11, false, &body); /* BufferOp */
}

static void aml_device(struct acpi_buf *scope, const char seg[4], const struct acpi_buf *body)
{
	struct acpi_buf dev = { .len = 0 };
	buf_put(&dev, seg, 4);
	buf_put(&dev, body->data, body->len);
	aml_pkg(scope, 0x5b, 0x82, true, &dev); /* DeviceOp */
}

static void aml_com1(struct acpi_buf *scope)
{
	struct acpi_buf body = { .len = 0 }, res = { .len = 0 };
	aml_name(&body, "_HID");
	buf_u8(&body, 0x0c);
	buf_put(&body, "\x41\xd0\x05\x01", 4); /* EisaId("PNP0501") */
	aml_name(&body, "_UID");
	aml_integer(&body, 0);
	/* IO(Decode16, 0x3f8, 0x3f8, 0, 8) and IRQNoFlags() {4}. */
	const uint8_t io[] = { 0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x00, 0x08 };
	buf_put(&res, io, sizeof(io));
	const uint8_t irq[] = { 0x22, 0x10, 0x00 };
	buf_put(&res, irq, sizeof(irq));
	aml_crs(&body, &res);
	aml_device(scope, "COM1", &body);
}

static void aml_virtio(struct acpi_buf *scope, unsigned i, const struct acpi_mmio_device *d)
{
	struct acpi_buf body = { .len = 0 }, res = { .len = 0 };
	aml_name(&body, "_HID");
	aml_string(&body, "LNRO0005");
	aml_name(&body, "_UID");
	aml_integer(&body, i);
	/* Memory32Fixed(ReadWrite, base, size) */
	buf_u8(&res, 0x86);
	buf_u16(&res, 9);
	buf_u8(&res, 0x01);
	buf_u32(&res, (uint32_t)d->base);
	buf_u32(&res, d->size);
	/* Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) { gsi }: irqfd delivers edges. */
	buf_u8(&res, 0x89);
	buf_u16(&res, 6);
	buf_u8(&res, 0x03);
	buf_u8(&res, 1);
	buf_u32(&res, d->gsi);
	aml_crs(&body, &res);
	char seg[5] = { 'V', 'R', "0123456789ABCDEF"[i >> 4 & 0xf], "0123456789ABCDEF"[i & 0xf],
			0 };
	aml_device(scope, seg, &body);
}

static void acpi_header(struct acpi_buf *b, const char sig[4], uint8_t revision)
{
	buf_put(b, sig, 4);
	buf_u32(b, 0); /* length, patched by acpi_finish */
	buf_u8(b, revision);
	buf_u8(b, 0); /* checksum, patched */
	buf_put(b, "VBENCH", 6);
	buf_put(b, "VBENCHVM", 8);
	buf_u32(b, 1);
	buf_put(b, "VBCH", 4);
	buf_u32(b, 1);
}

static void acpi_finish(struct acpi_buf *b)
{
	if (b->len < ACPI_HEADER_LEN)
		return;
	uint32_t n = (uint32_t)b->len;
	b->data[4] = n;
	b->data[5] = n >> 8;
	b->data[6] = n >> 16;
	b->data[7] = n >> 24;
	b->data[9] = 0;
	b->data[9] = acpi_checksum(b->data, b->len);
}

static void acpi_gas_io(struct acpi_buf *b, uint16_t port)
{
	buf_u8(b, GAS_SYSTEM_IO);
	buf_u8(b, 8); /* bit width */
	buf_u8(b, 0); /* bit offset */
	buf_u8(b, 1); /* byte access */
	buf_u64(b, port);
}

static void acpi_gas_none(struct acpi_buf *b)
{
	for (int i = 0; i < 12; i++)
		buf_u8(b, 0);
}

static void build_dsdt(struct acpi_buf *t, const struct acpi_config *cfg)
{
	acpi_header(t, "DSDT", 2);
	struct acpi_buf sb = { .len = 0 };
	buf_put(&sb, "\\_SB_", 5);
	if (cfg->com1)
		aml_com1(&sb);
	for (unsigned i = 0; i < cfg->ndevices; i++)
		aml_virtio(&sb, i, &cfg->devices[i]);
	aml_pkg(t, 0, 0x10, false, &sb); /* ScopeOp */
	/* Name(\_S5_, Package() { 5, 5, 0, 0 }): the SLP_TYP the FADT's sleep register expects. */
	struct acpi_buf pkg = { .len = 0 };
	buf_u8(&pkg, 4);
	aml_integer(&pkg, VM_ACPI_S5_TYPE);
	aml_integer(&pkg, VM_ACPI_S5_TYPE);
	aml_integer(&pkg, 0);
	aml_integer(&pkg, 0);
	buf_u8(t, 0x08);
	buf_put(t, "\\_S5_", 5);
	aml_pkg(t, 0, 0x12, false, &pkg); /* PackageOp */
	acpi_finish(t);
}

static void build_fadt(struct acpi_buf *t, uint64_t dsdt)
{
	acpi_header(t, "FACP", 6);
	buf_u32(t, 0);		    /* FIRMWARE_CTRL: no FACS in hardware-reduced mode */
	buf_u32(t, (uint32_t)dsdt); /* DSDT */
	while (t->len < 109)
		buf_u8(t, 0); /* no PM blocks, no SCI, no legacy ports */
	buf_u16(t, FADT_BOOT_VGA_NOT_PRESENT | FADT_BOOT_CMOS_RTC_NOT_PRESENT); /* IAPC_BOOT_ARCH */
	buf_u8(t, 0);
	buf_u32(t, FADT_FLAG_HW_REDUCED_ACPI | FADT_FLAG_RESET_REG_SUP);
	acpi_gas_io(t, VM_ACPI_RESET_PORT); /* RESET_REG at 116 */
	buf_u8(t, VM_ACPI_RESET_VALUE);
	buf_u16(t, 0);	  /* ARM_BOOT_ARCH */
	buf_u8(t, 0);	  /* FADT minor version */
	buf_u64(t, 0);	  /* X_FIRMWARE_CTRL */
	buf_u64(t, dsdt); /* X_DSDT at 140 */
	for (int i = 0; i < 8; i++)
		acpi_gas_none(t);	    /* X_PM1a_EVT_BLK .. X_GPE1_BLK */
	acpi_gas_io(t, VM_ACPI_SLEEP_PORT); /* SLEEP_CONTROL_REG at 244 */
	acpi_gas_io(t, VM_ACPI_SLEEP_PORT); /* SLEEP_STATUS_REG */
	buf_put(t, BARE_VMM_FADT_ID, 8);    /* hypervisor vendor identity, at 268 */
	acpi_finish(t);
}

static void build_madt(struct acpi_buf *t, unsigned ncpus)
{
	acpi_header(t, "APIC", 5);
	buf_u32(t, ACPI_LAPIC_ADDR);
	buf_u32(t, 0); /* no PC-AT 8259s: hardware-reduced */
	for (unsigned i = 0; i < ncpus; i++) {
		buf_u8(t, 0); /* Processor Local APIC */
		buf_u8(t, 8);
		buf_u8(t, i);  /* ACPI processor UID */
		buf_u8(t, i);  /* APIC ID, as CPUID reports it */
		buf_u32(t, 1); /* enabled */
	}
	buf_u8(t, 1); /* I/O APIC */
	buf_u8(t, 12);
	buf_u8(t, ncpus); /* its ID follows the LAPICs' */
	buf_u8(t, 0);
	buf_u32(t, ACPI_IOAPIC_ADDR);
	buf_u32(t, 0); /* GSI base */
	acpi_finish(t);
}

static int acpi_place(struct memory *mem, uint64_t *at, uint64_t end, const struct acpi_buf *t,
		      uint64_t *addr, struct vb_error *err)
{
	if (t->overflow || *at + t->len > end)
		return error_set(err, "acpi: tables do not fit in %#llx..%#llx",
				 (unsigned long long)*at, (unsigned long long)end);
	void *p = memory_at(mem, *at, t->len);
	if (!p)
		return error_set(err, "acpi: table address %#llx is outside guest memory",
				 (unsigned long long)*at);
	memcpy(p, t->data, t->len);
	*addr = *at;
	*at = (*at + t->len + 15) & ~15ull;
	return 0;
}

int acpi_build(struct memory *mem, uint64_t base, size_t max_len, const struct acpi_config *cfg,
	       uint64_t *rsdp_addr, struct vb_error *err)
{
	if (cfg->ndevices > ACPI_MAX_DEVICES || cfg->ncpus == 0 || cfg->ncpus > 255)
		return error_set(err, "acpi: %u devices / %u CPUs cannot be described",
				 cfg->ndevices, cfg->ncpus);
	static __thread struct acpi_buf t;
	uint64_t at = base + 64, end = base + max_len; /* the RSDP goes first, at base */
	uint64_t dsdt, fadt, madt, xsdt;
	memset(&t, 0, sizeof(t));
	build_dsdt(&t, cfg);
	if (acpi_place(mem, &at, end, &t, &dsdt, err) < 0)
		return -1;
	memset(&t, 0, sizeof(t));
	build_fadt(&t, dsdt);
	if (acpi_place(mem, &at, end, &t, &fadt, err) < 0)
		return -1;
	memset(&t, 0, sizeof(t));
	build_madt(&t, cfg->ncpus);
	if (acpi_place(mem, &at, end, &t, &madt, err) < 0)
		return -1;
	memset(&t, 0, sizeof(t));
	acpi_header(&t, "XSDT", 1);
	buf_u64(&t, fadt);
	buf_u64(&t, madt);
	acpi_finish(&t);
	if (acpi_place(mem, &at, end, &t, &xsdt, err) < 0)
		return -1;

	memset(&t, 0, sizeof(t));
	buf_put(&t, "RSD PTR ", 8);
	buf_u8(&t, 0);
	buf_put(&t, "VBENCH", 6);
	buf_u8(&t, 2);	/* revision: ACPI 2.0+, use the XSDT */
	buf_u32(&t, 0); /* no RSDT */
	buf_u32(&t, 36);
	buf_u64(&t, xsdt);
	buf_u8(&t, 0);
	buf_put(&t, "\0\0\0", 3);
	t.data[8] = acpi_checksum(t.data, 20);
	t.data[32] = acpi_checksum(t.data, 36);
	uint64_t rsdp_at = base;
	if (acpi_place(mem, &rsdp_at, end, &t, rsdp_addr, err) < 0)
		return -1;
	return 0;
}
