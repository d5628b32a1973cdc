/* Unit tests for virtqueues and the virtio-mmio transport with crafted (and hostile) rings in fake guest memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/kvm/virtio/blk.h"
#include "tests/unit/test-ring.h"
#include "backends/kvm/virtio/queue.h"

#define RAM   (1 << 20)
#define DESC  0x1000
#define AVAIL 0x2000
#define USED  0x3000
#define QSIZE 8

static uint8_t *ram;
static struct memory mem;
static struct test_ring guest;

static void queue(struct virtq *q)
{
	memset(ram, 0, 0x4000);
	memset(q, 0, sizeof(*q));
	q->mem = &mem;
	q->size = QSIZE;
	q->desc_gpa = DESC;
	q->avail_gpa = AVAIL;
	q->used_gpa = USED;
	struct vb_error err;
	assert_int_equal(virtq_check_layout(q, 256, &err), 0);
	q->ready = true;
}

static void test_chain_ok(void **state)
{
	(void)state;
	struct virtq q;
	struct virtq_chain c;
	struct vb_error err;
	queue(&q);
	assert_int_equal(virtq_pop(&q, &c, &err), 0); /* nothing offered */
	memcpy(ram + 0x10000, "hello world", 11);
	ring_desc(&guest, 2, 0x10000, 5, VIRTQ_DESC_F_NEXT, 5);
	ring_desc(&guest, 5, 0x10005, 6, VIRTQ_DESC_F_NEXT, 1);
	ring_desc(&guest, 1, 0x20000, 100, VIRTQ_DESC_F_WRITE, 0);
	ring_offer(&guest, 2);
	assert_true(virtq_has_avail(&q));
	assert_int_equal(virtq_pop(&q, &c, &err), 1);
	assert_int_equal(c.head, 2);
	assert_int_equal(c.nsegs, 3);
	assert_int_equal(c.out_len, 11);
	assert_int_equal(c.in_len, 100);
	char buf[16] = { 0 };
	assert_int_equal(virtq_chain_read(&c, 3, buf, sizeof(buf)), 8);
	assert_string_equal(buf, "lo world");
	assert_int_equal(virtq_chain_write(&c, 98, "xyz", 3), 2); /* clipped at the end */
	assert_memory_equal(ram + 0x20000 + 98, "xy", 2);
	assert_int_equal(virtq_push(&q, c.head, 42, &err), 0);
	uint16_t used_idx;
	uint32_t id, len;
	memcpy(&used_idx, ram + USED + 2, 2);
	memcpy(&id, ram + USED + 4, 4);
	memcpy(&len, ram + USED + 8, 4);
	assert_int_equal(used_idx, 1);
	assert_int_equal(id, 2);
	assert_int_equal(len, 42);
	assert_false(virtq_has_avail(&q));
	/* unpop hands the same chain out again */
	ring_desc(&guest, 0, 0x10000, 4, 0, 0);
	ring_offer(&guest, 0);
	assert_int_equal(virtq_pop(&q, &c, &err), 1);
	virtq_unpop(&q);
	assert_int_equal(virtq_pop(&q, &c, &err), 1);
	assert_int_equal(c.head, 0);
}

/* Each hostile chain must fail, break the queue, and name the problem. */
static void expect_hostile(struct virtq *q, const char *what)
{
	struct virtq_chain c;
	struct vb_error err = { 0 };
	assert_int_equal(virtq_pop(q, &c, &err), -1);
	assert_true(q->broken);
	if (!strstr(err.message, what))
		fail_msg("expected \"%s\" in \"%s\"", what, err.message);
	assert_int_equal(virtq_pop(q, &c, &err), 0); /* a broken queue stays quiet */
}

static void test_hostile_chains(void **state)
{
	(void)state;
	struct virtq q;
	queue(&q);
	ring_desc(&guest, 0, RAM - 4, 8, 0, 0); /* runs off the end of guest memory */
	ring_offer(&guest, 0);
	expect_hostile(&q, "outside guest memory");

	queue(&q);
	ring_desc(&guest, 0, UINT64_MAX - 2, 8, 0, 0); /* address wraps */
	ring_offer(&guest, 0);
	expect_hostile(&q, "outside guest memory");

	queue(&q);
	ring_desc(&guest, 0, 0x10000, 4, VIRTQ_DESC_F_NEXT, 1);
	ring_desc(&guest, 1, 0x10000, 4, VIRTQ_DESC_F_NEXT, 0); /* 0 -> 1 -> 0 ... */
	ring_offer(&guest, 0);
	expect_hostile(&q, "loops");

	queue(&q);
	ring_desc(&guest, 0, 0x10000, 0, 0, 0);
	ring_offer(&guest, 0);
	expect_hostile(&q, "zero length");

	queue(&q);
	ring_desc(&guest, 0, 0x10000, 4, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	ring_desc(&guest, 1, 0x10000, 4, 0, 0); /* readable after writable */
	ring_offer(&guest, 0);
	expect_hostile(&q, "device-readable after");

	queue(&q);
	ring_desc(&guest, 0, 0x10000, 4, VIRTQ_DESC_F_NEXT, QSIZE); /* next beyond the table */
	ring_offer(&guest, 0);
	expect_hostile(&q, "beyond the queue");

	queue(&q);
	ring_offer(&guest, QSIZE + 3); /* head beyond the table */
	expect_hostile(&q, "beyond the queue");

	queue(&q);
	ring_desc(&guest, 0, 0x10000, 4, VIRTQ_DESC_F_INDIRECT, 0);
	ring_offer(&guest, 0);
	expect_hostile(&q, "indirect");

	queue(&q);
	uint16_t idx = QSIZE + 1; /* avail index further ahead than the ring holds */
	memcpy(ram + AVAIL + 2, &idx, 2);
	expect_hostile(&q, "ahead");

	/* Too many descriptors: a loop-free chain longer than VIRTQ_MAX_CHAIN in a big queue. */
	queue(&q);
	q.size = 128;
	struct vb_error err;
	q.avail_gpa = 0x8000;
	q.used_gpa = 0x9000;
	assert_int_equal(virtq_check_layout(&q, 256, &err), 0);
	for (unsigned i = 0; i < 100; i++)
		ring_desc(&guest, i, 0x10000, 4, VIRTQ_DESC_F_NEXT, i + 1);
	uint16_t head = 0, one = 1;
	memcpy(ram + 0x8000 + 4, &head, 2);
	memcpy(ram + 0x8000 + 2, &one, 2);
	expect_hostile(&q, "too many");
}

static void test_layout_checks(void **state)
{
	(void)state;
	struct virtq q;
	struct vb_error err;
	queue(&q);
	q.size = 6;
	assert_int_equal(virtq_check_layout(&q, 256, &err), -1);
	assert_non_null(strstr(err.message, "power of two"));
	q.size = 512;
	assert_int_equal(virtq_check_layout(&q, 256, &err), -1);
	q.size = 0;
	assert_int_equal(virtq_check_layout(&q, 256, &err), -1);
	q.size = QSIZE;
	q.used_gpa = RAM - 8;
	assert_int_equal(virtq_check_layout(&q, 256, &err), -1);
	q.used_gpa = USED + 2;
	assert_int_equal(virtq_check_layout(&q, 256, &err), -1);
	assert_non_null(strstr(err.message, "misaligned"));
}

/* Let the device work until the used ring holds n entries: reads and writes finish on io_uring. */
static void serve_until(struct virtio_mmio *m, uint16_t n)
{
	uint16_t used = 0;
	for (int i = 0; i < 10000; i++) { /* a guard against a hang, not a time limit */
		virtio_mmio_poll_once(m);
		memcpy(&used, ram + USED + 2, 2);
		if (used == n)
			return;
		usleep(1000);
	}
	fail_msg("the used ring holds %u entries, want %u", used, n);
}

static void test_blk_over_mmio(void **state)
{
	(void)state;
	memset(ram, 0, 0x4000);
	char path[] = "/tmp/vbench-test-blk-XXXXXX";
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(ftruncate(fd, 8 * 512), 0);
	struct virtio_blk b;
	struct vb_error err;
	assert_int_equal(virtio_blk_init_fd(&b, NULL, &mem, 0xd0000000, 5, fd, 8 * 512, &err), 0);
	struct virtio_mmio *m = &b.mmio;
	assert_int_equal(reg_read(m, 0x0), 0x74726976);
	assert_int_equal(reg_read(m, 0x8), 2);
	uint64_t cap = 0;
	virtio_mmio_io(m, 0x100, (uint8_t *)&cap, 8, false);
	assert_int_equal(cap, 8);
	ring_bring_up(m, &guest);
	assert_int_equal(reg_read(m, 0x34), 128);
	assert_int_equal(reg_read(m, 0x44), 1);
	assert_int_equal(reg_read(m, 0x44), 1);

	/* Write sector 2, then read it back. */
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr = { 1, 0, 2 };
	memcpy(ram + 0x10000, &hdr, 16);
	memset(ram + 0x11000, 0xab, 512);
	ring_desc(&guest, 0, 0x10000, 16, VIRTQ_DESC_F_NEXT, 1);
	ring_desc(&guest, 1, 0x11000, 512, VIRTQ_DESC_F_NEXT, 2);
	ring_desc(&guest, 2, 0x12000, 1, VIRTQ_DESC_F_WRITE, 0);
	ram[0x12000] = 0xff;
	ring_offer(&guest, 0);
	reg_write(m, 0x50, 0);
	serve_until(m, 1);
	assert_int_equal(ram[0x12000], 0);
	assert_int_equal(reg_read(m, 0x60) & 1, 1);
	reg_write(m, 0x64, 1);
	assert_int_equal(reg_read(m, 0x60), 0);
	uint8_t back[512];
	assert_int_equal(pread(fd, back, 512, 1024), 512);
	assert_int_equal(back[0], 0xab);

	hdr.type = 0;
	memcpy(ram + 0x10000, &hdr, 16);
	ring_desc(&guest, 1, 0x13000, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 2);
	ring_offer(&guest, 0);
	reg_write(m, 0x50, 0);
	serve_until(m, 2);
	assert_int_equal(ram[0x12000], 0);
	assert_memory_equal(ram + 0x13000, back, 512);
	uint32_t used_len;
	memcpy(&used_len, ram + USED + 4 + 8 + 4, 4);
	assert_int_equal(used_len, 513);

	/* Past the end of the disk: an I/O error, not an out-of-bounds access. */
	hdr.sector = 8;
	memcpy(ram + 0x10000, &hdr, 16);
	ring_offer(&guest, 0);
	reg_write(m, 0x50, 0);
	serve_until(m, 3);
	assert_int_equal(ram[0x12000], 1);
	hdr.sector = UINT64_MAX / 256;
	memcpy(ram + 0x10000, &hdr, 16);
	ring_offer(&guest, 0);
	reg_write(m, 0x50, 0);
	serve_until(m, 4);
	assert_int_equal(ram[0x12000], 1);

	/* A hostile chain sets DEVICE_NEEDS_RESET; a reset brings the device back. */
	ring_desc(&guest, 0, 0x10000, 0, 0, 0);
	ring_offer(&guest, 0);
	reg_write(m, 0x50, 0);
	virtio_mmio_poll_once(m);
	assert_int_equal(reg_read(m, 0x70) & 0x40, 0x40);
	assert_non_null(strstr(m->last_error, "zero length"));
	reg_write(m, 0x70, 0);
	assert_int_equal(reg_read(m, 0x70), 0);
	assert_int_equal(reg_read(m, 0x44), 0);

	/* A queue size that is not a power of two is refused at QueueReady. */
	struct test_ring odd = guest;
	odd.size = 6;
	ring_bring_up(m, &odd);
	assert_int_equal(reg_read(m, 0x44), 0);
	assert_int_equal(reg_read(m, 0x70) & 0x40, 0x40);
	virtio_blk_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chain_ok),
		cmocka_unit_test(test_hostile_chains),
		cmocka_unit_test(test_layout_checks),
		cmocka_unit_test(test_blk_over_mmio),
	};
	ram = ring_guest_setup(&mem, &guest, RAM, DESC, AVAIL, USED, QSIZE);
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	free(ram);
	return failed;
}
