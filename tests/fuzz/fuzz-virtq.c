/* libFuzzer target: guest memory (rings, descriptors, requests) and register writes from the fuzzer, through virtio-blk and virtio-console. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/kvm/virtio/blk.h"
#include "backends/kvm/virtio/console.h"

#define RAM_SIZE 0x10000

static void reg(struct virtio_mmio *m, uint64_t off, uint32_t v)
{
	virtio_mmio_io(m, off, (uint8_t *)&v, 4, true);
}

/* The driver's bring-up, with queue geometry taken from the input so that bad layouts are explored too. */
static void bring_up(struct virtio_mmio *m, unsigned nq, const uint8_t *g)
{
	reg(m, 0x70, 0);
	reg(m, 0x70, 3);
	reg(m, 0x24, 1);
	reg(m, 0x20, 1);
	reg(m, 0x24, 0);
	reg(m, 0x20, g[0] & 0x07);
	reg(m, 0x70, 11);
	for (unsigned q = 0; q < nq; q++) {
		const uint8_t *p = g + 1 + 4 * q;
		reg(m, 0x30, q);
		reg(m, 0x38, p[0] & 0x80 ? p[0] : 8);		    /* mostly valid sizes */
		reg(m, 0x80, 0x1000 * (1 + q * 3) + (p[1] & 0x11)); /* sometimes misaligned */
		reg(m, 0x90, 0x1000 * (2 + q * 3) + (p[2] & 0x01));
		reg(m, 0x94, p[3] == 0xff); /* sometimes far outside memory */
		reg(m, 0xa0, 0x1000 * (3 + q * 3));
		reg(m, 0x44, 1);
	}
	reg(m, 0x70, 15);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static int disk = -1;
	if (!ram) {
		ram = malloc(RAM_SIZE);
		disk = memfd_create("fuzz-disk", 0);
		if (disk < 0 || ftruncate(disk, 64 * 512) < 0)
			abort();
	}
	if (size < 32)
		return 0;
	memset(ram, 0, RAM_SIZE);
	memcpy(ram, data + 32, size - 32 < RAM_SIZE ? size - 32 : RAM_SIZE);
	struct memory mem;
	memory_init_borrowed(&mem, ram, RAM_SIZE);
	struct vb_error err;

	struct virtio_blk b;
	if (virtio_blk_init_fd(&b, NULL, &mem, 0xd0000000, 5, dup(disk), 64 * 512, &err) == 0) {
		bring_up(&b.mmio, 1, data);
		reg(&b.mmio, 0x50, 0);
		virtio_mmio_poll_once(&b.mmio);
		reg(&b.mmio, 0x50, 0);
		virtio_mmio_poll_once(&b.mmio);
	}
	virtio_blk_destroy(&b);

	struct virtio_console c;
	int peer = -1;
	if (virtio_console_init(&c, NULL, &mem, 0xd0001000, 6, &peer, &err) == 0) {
		bring_up(&c.mmio, 4, data + 8);
		if (write(peer, "ping\n", 5) < 0)
			abort();
		for (unsigned q = 0; q < 4; q++)
			reg(&c.mmio, 0x50, q);
		virtio_mmio_poll_once(&c.mmio);
		virtio_mmio_poll_once(&c.mmio);
	}
	virtio_console_destroy(&c);
	if (peer >= 0)
		close(peer);
	return 0;
}
