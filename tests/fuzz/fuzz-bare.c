/*
 * libFuzzer target: what a bare guest controls, from the fuzzer: the image the VMM loads (ELF
 * headers and segments), the indexes and bytes of its rings, and the frame its fault stub leaves.
 * Input: byte 0 picks the part; the rest is that part's input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/kvm/bare.h"

#define RAM_SIZE (8u << 20)

static void fuzz_image(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	if (!ram && !(ram = malloc(RAM_SIZE)))
		abort();
	struct memory mem;
	memory_init_borrowed(&mem, ram, RAM_SIZE);
	struct bare_layout l = { .page_bytes = (size & 1) ? BARE_PAGE_4K : BARE_PAGE_2M };
	struct vb_error err;
	if (bare_load_elf(&mem, data, size, RAM_SIZE, &l, &err) < 0)
		return;
	/* loaded: everything it wrote lies at or above BARE_IMAGE_MIN and inside RAM */
	if (l.image_end <= BARE_IMAGE_MIN || l.image_end > RAM_SIZE || l.entry < BARE_IMAGE_MIN ||
	    l.entry >= l.image_end)
		abort();
	if (bare_plan(&mem, 1 + (size & 3), &l, &err) == 0 && !bare_build_page_tables(&mem, &l, &err))
		abort(); /* a plan that fits must build */
}

static void fuzz_ring(const uint8_t *data, size_t size)
{
	static struct bare_ring ring;
	if (size < 8)
		return;
	uint32_t head, tail;
	memcpy(&head, data, 4);
	memcpy(&tail, data + 4, 4);
	data += 8;
	size -= 8;
	ring.head = head;
	ring.tail = tail;
	memcpy(ring.data, data, size < BARE_RING_BYTES ? size : BARE_RING_BYTES);
	static uint8_t out[BARE_RING_BYTES];
	struct vb_error err;
	size_t max = size % (BARE_RING_BYTES + 1);
	long n = bare_ring_take(&ring, out, max, &err);
	uint32_t used = tail - head;
	if (used > BARE_RING_BYTES ? n != -1 : (n < 0 || (size_t)n > max || (uint32_t)n > used ||
						ring.head != head + (uint32_t)n))
		abort();
	ring.head = head;
	ring.tail = tail;
	long put = bare_ring_put(&ring, data, size, &err);
	if (used > BARE_RING_BYTES ? put != -1
				   : (put < 0 || (uint32_t)put > BARE_RING_BYTES - used ||
				      ring.tail != tail + (uint32_t)put))
		abort();
}

static void fuzz_fault(const uint8_t *data, size_t size)
{
	uint64_t frame[7] = { 0 }, cr2 = 0;
	if (size < 1)
		return;
	memcpy(frame, data + 1, size - 1 < sizeof(frame) ? size - 1 : sizeof(frame));
	if (size > 1 + sizeof(frame))
		memcpy(&cr2, data + 1 + sizeof(frame),
		       size - 1 - sizeof(frame) < 8 ? size - 1 - sizeof(frame) : 8);
	char out[200];
	bare_describe_fault(data[0], frame, cr2, out, sizeof(out));
	if (!memchr(out, '\0', sizeof(out)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0: fuzz_image(data + 1, size - 1); break;
	case 1: fuzz_ring(data + 1, size - 1); break;
	default: fuzz_fault(data + 1, size - 1); break;
	}
	return 0;
}
