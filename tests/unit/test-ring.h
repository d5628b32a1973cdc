/*
 * A test's guest RAM with the guest's side of a split virtqueue laid out in it, and the register
 * writes of a virtio-mmio driver bringing queue 0 up: what test-virtq and test-kvm-blk both play.
 * Include after cmocka.h.
 */
#ifndef VB_TEST_RING_H
#define VB_TEST_RING_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/kvm/virtio/mmio.h"

struct test_ring {
	uint8_t *ram;
	uint64_t desc, avail, used; /* guest-physical = offsets into ram */
	uint16_t size;
};

/*
 * The test's guest: bytes of RAM (zeroed, page-aligned so that O_DIRECT can use it in place), mem
 * over it and r a ring of size entries at the offsets desc, avail and used. Returns the RAM.
 */
static inline uint8_t *ring_guest_setup(struct memory *mem, struct test_ring *r, size_t bytes,
					uint64_t desc, uint64_t avail, uint64_t used, uint16_t size)
{
	uint8_t *ram = aligned_alloc(4096, bytes);
	assert_non_null(ram);
	memset(ram, 0, bytes);
	memory_init_borrowed(mem, ram, bytes);
	*r = (struct test_ring){ ram, desc, avail, used, size };
	return ram;
}

static inline void ring_desc(const struct test_ring *r, unsigned i, uint64_t addr, uint32_t len,
			     uint16_t flags, uint16_t next)
{
	uint8_t *d = r->ram + r->desc + 16 * i;
	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

/* Offer head as the next available chain. */
static inline void ring_offer(const struct test_ring *r, uint16_t head)
{
	uint16_t idx;
	memcpy(&idx, r->ram + r->avail + 2, 2);
	memcpy(r->ram + r->avail + 4 + 2 * (idx % r->size), &head, 2);
	idx++;
	memcpy(r->ram + r->avail + 2, &idx, 2);
}

/* How many chains the device has put in the used ring, and the i-th of them. */
static inline uint16_t ring_used_count(const struct test_ring *r)
{
	uint16_t n;
	memcpy(&n, r->ram + r->used + 2, 2);
	return n;
}

static inline void ring_used_elem(const struct test_ring *r, unsigned i, uint32_t *id,
				  uint32_t *len)
{
	memcpy(id, r->ram + r->used + 4 + 8 * (i % r->size), 4);
	memcpy(len, r->ram + r->used + 8 + 8 * (i % r->size), 4);
}

static inline void reg_write(struct virtio_mmio *m, uint64_t off, uint32_t v)
{
	virtio_mmio_io(m, off, (uint8_t *)&v, 4, true);
}

static inline uint32_t reg_read(struct virtio_mmio *m, uint64_t off)
{
	uint32_t v = 0;
	virtio_mmio_io(m, off, (uint8_t *)&v, 4, false);
	return v;
}

/*
 * Reset, negotiate VERSION_1, zero the rings, place queue 0 at them and set DRIVER_OK, as a
 * driver does. Whether the device took the queue is the caller's to check (QueueReady, 0x44).
 */
static inline void ring_bring_up(struct virtio_mmio *m, const struct test_ring *r)
{
	memset(r->ram + r->desc, 0, 16u * r->size);
	memset(r->ram + r->avail, 0, 6u + 2u * r->size);
	memset(r->ram + r->used, 0, 6u + 8u * r->size);
	reg_write(m, 0x70, 0);
	reg_write(m, 0x70, 1 | 2);
	reg_write(m, 0x14, 1);
	assert_int_equal(reg_read(m, 0x10) & 1, 1); /* VERSION_1 offered */
	reg_write(m, 0x24, 1);
	reg_write(m, 0x20, 1);
	reg_write(m, 0x70, 1 | 2 | 8);
	assert_int_equal(reg_read(m, 0x70) & 8, 8);
	reg_write(m, 0x30, 0);
	assert_true(reg_read(m, 0x34) >= r->size);
	reg_write(m, 0x38, r->size);
	reg_write(m, 0x80, (uint32_t)r->desc);
	reg_write(m, 0x90, (uint32_t)r->avail);
	reg_write(m, 0xa0, (uint32_t)r->used);
	reg_write(m, 0x44, 1);
	reg_write(m, 0x70, 1 | 2 | 8 | 4);
}

#endif
