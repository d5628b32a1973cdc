/* virtio-blk on a real file: O_DIRECT, many requests in flight on io_uring, completions out of order, staging of unaligned buffers, hostile reuse of a descriptor in flight. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/kvm/virtio/blk.h"
#include "tests/unit/test-ring.h"

#define RAM	 (8 << 20)
#define DESC	 0x1000
#define AVAIL	 0x2000
#define USED	 0x3000
#define QSIZE	 128
#define HDRS	 0x10000  /* request headers, 16 bytes each */
#define STATUS	 0x18000  /* status bytes (and get-id answers), 32 bytes apart */
#define DATA	 0x100000 /* data buffers, 8 KiB apart */
#define NREQ	 32	  /* the guest's queue depth in the io.blk workloads */
#define REQ_SIZE 4096

static uint8_t *ram;
static struct memory mem;
static struct test_ring guest;
static char disk_path[64];

/* Let the device work until the used ring holds n entries. */
static void serve_until(struct virtio_mmio *m, uint16_t n)
{
	for (int i = 0; i < 10000 && ring_used_count(&guest) != n;
	     i++) { /* a guard against a hang */
		virtio_mmio_poll_once(m);
		if (ring_used_count(&guest) != n)
			usleep(1000);
	}
	if (ring_used_count(&guest) != n)
		fail_msg("the used ring holds %u entries, want %u", ring_used_count(&guest), n);
}

static int make_disk(size_t bytes)
{
	snprintf(disk_path, sizeof(disk_path), "/var/tmp/vbench-test-blk-XXXXXX");
	int fd = mkstemp(disk_path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, bytes), 0);
	return fd;
}

/*
 * Request r: header, data and status descriptors from *next on. Every fourth request's buffer sits
 * 3 bytes off alignment (staged), every fourth other one is split over two descriptors.
 */
static uint16_t add_request(unsigned r, uint32_t type, uint64_t sector, uint16_t *next)
{
	uint16_t head = *next;
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr = { type, 0, sector };
	memcpy(ram + HDRS + 16 * r, &hdr, 16);
	uint16_t write = type == 0 ? 2 : 0;
	uint64_t data = DATA + 8192ull * r + (r % 4 == 3 ? 3 : 0);
	uint16_t i = *next;
	ring_desc(&guest, i, HDRS + 16 * r, 16, 1, i + 1);
	i++;
	if (r % 4 == 2) {
		ring_desc(&guest, i, data, REQ_SIZE / 2, 1 | write, i + 1);
		ring_desc(&guest, i + 1, data + REQ_SIZE / 2, REQ_SIZE / 2, 1 | write, i + 2);
		i += 2;
	} else {
		ring_desc(&guest, i, data, REQ_SIZE, 1 | write, i + 1);
		i++;
	}
	ram[STATUS + 32 * r] = 0xff;
	ring_desc(&guest, i, STATUS + 32 * r, 1, 2, 0);
	*next = i + 1;
	return head;
}

static uint8_t *request_data(unsigned r)
{
	return ram + DATA + 8192ull * r + (r % 4 == 3 ? 3 : 0);
}

static void test_direct_queue_depth(void **state)
{
	(void)state;
	int fd = make_disk(1 << 20);
	close(fd);
	struct virtio_blk b;
	struct vb_error err;
	assert_int_equal(virtio_blk_init(&b, NULL, &mem, 0xd0000000, 5, disk_path, &err), 0);
	print_message("disk: %s (mem align %u, offset align %u)\n", b.note, b.mem_align,
		      b.offset_align);
	/* Only a filesystem that refuses O_DIRECT excuses a buffered disk, and the note says so. */
	int probe = open(disk_path, O_RDWR | O_DIRECT);
	if (probe < 0) {
		assert_false(b.direct);
		assert_non_null(strstr(b.note, "refused O_DIRECT"));
		virtio_blk_destroy(&b);
		unlink(disk_path);
		skip();
	}
	close(probe);
	/* The host file really bypasses the page cache, and requests go to io_uring. */
	assert_true(fcntl(b.fd, F_GETFL) & O_DIRECT);
	assert_non_null(strstr(b.note, "O_DIRECT"));
	struct io_uring ring;
	if (io_uring_queue_init(8, &ring, 0) < 0) { /* io_uring disabled here: nothing to excuse */
		assert_false(b.has_ring);
		assert_non_null(strstr(b.note, "one request at a time"));
		virtio_blk_destroy(&b);
		unlink(disk_path);
		skip();
	}
	io_uring_queue_exit(&ring);
	assert_true(b.has_ring);
	struct virtio_mmio *m = &b.mmio;
	ring_bring_up(m, &guest);
	assert_int_equal(reg_read(m, 0x44), 1);

	/* NREQ writes, and a get-id offered in the middle of them. */
	uint16_t next = 0, heads[NREQ], id_head = 0;
	for (unsigned r = 0; r < NREQ; r++) {
		memset(request_data(r), 0x40 + r, REQ_SIZE);
		heads[r] = add_request(r, 1, 8 * r, &next);
		ring_offer(&guest, heads[r]);
		if (r == NREQ / 2) {
			struct {
				uint32_t type, reserved;
				uint64_t sector;
			} get_id = { 8, 0, 0 };
			memcpy(ram + HDRS + 16 * NREQ, &get_id, 16);
			id_head = next;
			ring_desc(&guest, id_head, HDRS + 16 * NREQ, 16, 1, id_head + 1);
			ring_desc(&guest, id_head + 1, STATUS + 32 * NREQ, 21, 2, 0);
			next += 2;
			ring_offer(&guest, id_head);
		}
	}
	assert_true(next <= QSIZE);
	reg_write(m, 0x50, 0);
	serve_until(m, NREQ + 1);
	/* Every write was in flight at once: the guest's queue depth reached the host. */
	assert_int_equal(b.max_in_flight, NREQ);
	assert_int_equal(b.in_flight, 0);
	assert_int_equal(b.bounced, NREQ / 4);
	/* Out of order: the get-id, offered 18th, finished first; each head is used once, lengths right. */
	uint32_t id, len;
	ring_used_elem(&guest, 0, &id, &len);
	assert_int_equal(id, id_head);
	assert_int_equal(len, 21);
	assert_memory_equal(ram + STATUS + 32 * NREQ, "vbench-scratch", 14);
	bool seen[QSIZE] = { false };
	for (unsigned i = 1; i <= NREQ; i++) {
		ring_used_elem(&guest, i, &id, &len);
		assert_true(id < QSIZE && !seen[id]);
		seen[id] = true;
		assert_int_equal(len, 1);
	}
	for (unsigned r = 0; r < NREQ; r++) {
		assert_true(seen[heads[r]]);
		assert_int_equal(ram[STATUS + 32 * r], 0);
	}
	/* What the file holds, read past the device. */
	int check = open(disk_path, O_RDONLY);
	uint8_t back[REQ_SIZE], want[REQ_SIZE];
	for (unsigned r = 0; r < NREQ; r++) {
		assert_int_equal(pread(check, back, REQ_SIZE, (off_t)r * REQ_SIZE), REQ_SIZE);
		memset(want, 0x40 + r, REQ_SIZE);
		assert_memory_equal(back, want, REQ_SIZE);
	}
	close(check);

	/* And read back through the device, into the same mix of buffers, all in flight together. */
	next = 0;
	for (unsigned r = 0; r < NREQ; r++) {
		memset(request_data(r), 0, REQ_SIZE);
		heads[r] = add_request(r, 0, 8 * r, &next);
		ring_offer(&guest, heads[r]);
	}
	reg_write(m, 0x50, 0);
	serve_until(m, 2 * NREQ + 1);
	assert_int_equal(b.max_in_flight, NREQ);
	for (unsigned i = NREQ + 1; i <= 2 * NREQ; i++) {
		ring_used_elem(&guest, i, &id, &len);
		assert_int_equal(len, REQ_SIZE + 1);
	}
	for (unsigned r = 0; r < NREQ; r++) {
		memset(want, 0x40 + r, REQ_SIZE);
		assert_memory_equal(request_data(r), want, REQ_SIZE);
		assert_int_equal(ram[STATUS + 32 * r], 0);
	}

	/* A flush goes through io_uring too. */
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} flush = { 4, 0, 0 };
	memcpy(ram + HDRS, &flush, 16);
	ring_desc(&guest, 0, HDRS, 16, 1, 1);
	ram[STATUS] = 0xff;
	ring_desc(&guest, 1, STATUS, 1, 2, 0);
	ring_offer(&guest, 0);
	reg_write(m, 0x50, 0);
	serve_until(m, 2 * NREQ + 2);
	assert_int_equal(ram[STATUS], 0);
	virtio_blk_destroy(&b);
	unlink(disk_path);
}

/* A host that needs 4 KiB offsets: the guest is told (blk_size), and a 512-byte write still lands. */
static void test_unaligned_offset(void **state)
{
	(void)state;
	int fd = make_disk(64 << 10);
	close(fd);
	struct virtio_blk b;
	struct vb_error err;
	assert_int_equal(virtio_blk_init(&b, NULL, &mem, 0xd0000000, 5, disk_path, &err), 0);
	if (!b.direct) { /* test_direct_queue_depth says whether that is right */
		virtio_blk_destroy(&b);
		unlink(disk_path);
		skip();
	}
	b.offset_align = 4096; /* as on a 4Kn disk */
	struct virtio_mmio *m = &b.mmio;
	uint32_t blk_size = 0;
	virtio_mmio_io(m, 0x100 + 20, (uint8_t *)&blk_size, 4, false);
	assert_int_equal(blk_size, 4096);
	ring_bring_up(m, &guest);
	assert_int_equal(reg_read(m, 0x44), 1);
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr = { 1, 0, 3 };
	memcpy(ram + HDRS, &hdr, 16);
	memset(ram + DATA, 0x5a, 512);
	ring_desc(&guest, 0, HDRS, 16, 1, 1);
	ring_desc(&guest, 1, DATA, 512, 1, 2);
	ram[STATUS] = 0xff;
	ring_desc(&guest, 2, STATUS, 1, 2, 0);
	ring_offer(&guest, 0);
	reg_write(m, 0x50, 0);
	serve_until(m, 1);
	assert_int_equal(ram[STATUS], 0);
	assert_int_equal(b.unaligned, 1);
	int check = open(disk_path, O_RDONLY);
	uint8_t back[512], want[512];
	memset(want, 0x5a, 512);
	assert_int_equal(pread(check, back, 512, 3 * 512), 512);
	assert_memory_equal(back, want, 512);
	close(check);
	virtio_blk_destroy(&b);
	unlink(disk_path);
}

/* A head offered again while its request is in flight is hostile: a clear error, then a clean reset. */
static void test_head_reused_in_flight(void **state)
{
	(void)state;
	int fd = make_disk(64 << 10);
	unlink(disk_path);
	struct virtio_blk b;
	struct vb_error err;
	assert_int_equal(virtio_blk_init_fd(&b, NULL, &mem, 0xd0000000, 5, fd, 64 << 10, &err), 0);
	struct virtio_mmio *m = &b.mmio;
	ring_bring_up(m, &guest);
	assert_int_equal(reg_read(m, 0x44), 1);
	uint16_t next = 0;
	uint16_t head = add_request(0, 1, 0, &next);
	ring_offer(&guest, head);
	ring_offer(&guest, head);
	reg_write(m, 0x50, 0);
	virtio_mmio_poll_once(m);
	if (b.has_ring) {
		assert_int_equal(reg_read(m, 0x70) & 0x40, 0x40);
		if (!strstr(m->last_error, "in flight"))
			fail_msg("no clear error: %s", m->last_error);
	}
	reg_write(m, 0x70, 0); /* the reset waits for the write still in flight */
	assert_int_equal(b.in_flight, 0);
	assert_int_equal(reg_read(m, 0x70), 0);
	virtio_blk_destroy(&b);
}

/* A file without O_DIRECT (memfd here; tmpfs on older kernels) is served, and says it is buffered. */
static void test_buffered_is_said(void **state)
{
	(void)state;
	int fd = memfd_create("vbench-test-blk", MFD_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 64 << 10), 0);
	struct virtio_blk b;
	struct vb_error err;
	assert_int_equal(virtio_blk_init_fd(&b, NULL, &mem, 0xd0000000, 5, fd, 64 << 10, &err), 0);
	assert_false(b.direct);
	assert_non_null(strstr(b.note, "buffered"));
	struct virtio_mmio *m = &b.mmio;
	ring_bring_up(m, &guest);
	assert_int_equal(reg_read(m, 0x44), 1);
	uint16_t next = 0;
	memset(request_data(3), 0x77, REQ_SIZE);
	ring_offer(
		&guest,
		add_request(3, 1, 16,
			    &next)); /* an unaligned buffer: no staging needed without O_DIRECT */
	reg_write(m, 0x50, 0);
	serve_until(m, 1);
	assert_int_equal(ram[STATUS + 32 * 3], 0);
	assert_int_equal(b.bounced, 0);
	uint8_t back[REQ_SIZE], want[REQ_SIZE];
	memset(want, 0x77, REQ_SIZE);
	assert_int_equal(pread(b.fd, back, REQ_SIZE, 16 * 512), REQ_SIZE);
	assert_memory_equal(back, want, REQ_SIZE);
	virtio_blk_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct_queue_depth),
		cmocka_unit_test(test_unaligned_offset),
		cmocka_unit_test(test_head_reused_in_flight),
		cmocka_unit_test(test_buffered_is_said),
	};
	ram = ring_guest_setup(&mem, &guest, RAM, DESC, AVAIL, USED, QSIZE);
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	free(ram);
	return failed;
}
