/* ACPI tables describing the VM: RSDP, XSDT, hardware-reduced FADT, DSDT (COM1, virtio-mmio), MADT. */
#ifndef VB_KVM_ACPI_H
#define VB_KVM_ACPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/kvm/memory.h"
#include "common/error.h"

#define ACPI_IOAPIC_ADDR 0xfec00000u
#define ACPI_LAPIC_ADDR	 0xfee00000u
#define ACPI_MAX_DEVICES 16

/* One virtio-mmio device, described to the guest as LNRO0005 (what virtio_mmio.ko matches). */
struct acpi_mmio_device {
	uint64_t base;
	uint32_t size;
	uint32_t gsi;
};

struct acpi_config {
	unsigned ncpus;
	bool com1; /* 8250 at 0x3f8, IRQ 4 */
	struct acpi_mmio_device devices[ACPI_MAX_DEVICES];
	unsigned ndevices;
};

/* Write all tables at base (in the reserved BIOS area); *rsdp_addr is where the RSDP went. */
int acpi_build(struct memory *mem, uint64_t base, size_t max_len, const struct acpi_config *cfg,
	       uint64_t *rsdp_addr, struct vb_error *err);
/* The byte that makes an ACPI table's bytes sum to zero. */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
