/* Guest physical memory: the regions backing guest RAM and checked translation of guest addresses. */
#ifndef VB_KVM_MEMORY_H
#define VB_KVM_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define MEMORY_MAX_REGIONS 2
/* Guest RAM stops below this address; above it up to 4 GiB lies the MMIO hole (devices, IOAPIC, LAPIC). */
#define MEMORY_LOW_LIMIT  0xc0000000ull
#define MEMORY_HIGH_START 0x100000000ull

struct memory_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct memory {
	struct memory_region regions[MEMORY_MAX_REGIONS];
	unsigned nregions;
	uint64_t size; /* total guest RAM */
	uint8_t *map;  /* the single host mapping behind all regions */
	size_t map_len;
};

/* Map size bytes of anonymous guest RAM, split around the MMIO hole. */
int memory_init(struct memory *mem, uint64_t size, struct vb_error *err);
/* Describe caller-owned host memory as guest RAM at gpa 0 (tests, fuzzing). */
void memory_init_borrowed(struct memory *mem, void *host, uint64_t size);
void memory_destroy(struct memory *mem);

/*
 * The host address of [gpa, gpa + len) when all of it is guest RAM within one region, else NULL.
 * Every guest-supplied address goes through here: it is the one bounds check.
 */
void *memory_at(const struct memory *mem, uint64_t gpa, uint64_t len);

/* Bytes of guest RAM the host has actually backed with pages so far (mincore). */
uint64_t memory_resident_bytes(const struct memory *mem);

#endif
