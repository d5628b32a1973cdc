/* virtio-blk: read, write, flush and get-id requests on a host file, every request validated, I/O in flight on io_uring. */
#include "backends/kvm/virtio/blk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define VIRTIO_ID_BLOCK	      2
#define VIRTIO_BLK_F_SEG_MAX  (1ull << 2)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH    (1ull << 9)
#define VIRTIO_BLK_T_IN	      0
#define VIRTIO_BLK_T_OUT      1
#define VIRTIO_BLK_T_FLUSH    4
#define VIRTIO_BLK_T_GET_ID   8
#define VIRTIO_BLK_S_OK	      0
#define VIRTIO_BLK_S_IOERR    1
#define VIRTIO_BLK_S_UNSUPP   2
#define BLK_QUEUE_SIZE	      128
#define BLK_SECTOR	      512
/* Staging buffers: one per unaligned request in flight up to this size; larger ones go in chunks. */
#define BLK_BOUNCE_MAX (1u << 20)

struct blk_request {
	bool busy;
	bool in;	 /* a read: the data flows into the guest */
	uint8_t *status; /* the chain's last writable byte, in guest memory (checked at pop) */
	uint32_t data_len;
	struct iovec iov[VIRTQ_MAX_CHAIN]; /* the guest's buffers for the data */
	unsigned niov;
	uint8_t *bounce; /* aligned staging when the guest's buffers are not aligned, else NULL */
};

static void blk_config_read(struct virtio_mmio *m, uint64_t offset, uint8_t *data, unsigned len)
{
	struct virtio_blk *b = m->device;
	uint8_t cfg[24] = { 0 };
	memcpy(cfg, &b->capacity_sectors, 8);
	uint32_t seg_max = VIRTQ_MAX_CHAIN - 2; /* header and status take two descriptors */
	memcpy(cfg + 12, &seg_max, 4);
	/* 512 unless the host cannot do 512-byte direct I/O: then the guest is asked for its block size. */
	uint32_t blk_size = b->offset_align > BLK_SECTOR ? b->offset_align : BLK_SECTOR;
	memcpy(cfg + 20, &blk_size, 4);
	if (offset < sizeof(cfg))
		memcpy(data, cfg + offset, len < sizeof(cfg) - offset ? len : sizeof(cfg) - offset);
}

static bool blk_aligned(uint64_t v, uint32_t align)
{
	return (v & (align - 1)) == 0;
}

/* Can O_DIRECT take these buffers as they are (addresses and segment lengths aligned)? */
static bool blk_iov_aligned(const struct virtio_blk *b, const struct iovec *iov, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (!blk_aligned((uintptr_t)iov[i].iov_base, b->mem_align) ||
		    !blk_aligned(iov[i].iov_len, b->offset_align))
			return false;
	return true;
}

static size_t blk_iov_copy(const struct iovec *iov, unsigned n, uint8_t *buf, size_t skip,
			   size_t len, bool to_iov)
{
	size_t done = 0;
	for (unsigned i = 0; i < n && done < len; i++) {
		if (skip >= iov[i].iov_len) {
			skip -= iov[i].iov_len;
			continue;
		}
		size_t take = iov[i].iov_len - skip;
		if (take > len - done)
			take = len - done;
		if (to_iov)
			memcpy((uint8_t *)iov[i].iov_base + skip, buf + done, take);
		else
			memcpy(buf + done, (uint8_t *)iov[i].iov_base + skip, take);
		done += take;
		skip = 0;
	}
	return done;
}

/* Whole-request synchronous I/O: through b->bounce in chunks when fd needs aligned buffers. */
static bool blk_rw_sync(struct virtio_blk *b, int fd, bool in, const struct iovec *iov, unsigned n,
			uint64_t offset, size_t len)
{
	if (fd != b->fd || !b->direct || blk_iov_aligned(b, iov, n)) {
		ssize_t done = in ? preadv(fd, iov, n, offset) : pwritev(fd, iov, n, offset);
		return done >= 0 && (size_t)done == len;
	}
	b->bounced++;
	for (size_t at = 0; at < len; at += BLK_BOUNCE_MAX) {
		size_t chunk = len - at < BLK_BOUNCE_MAX ? len - at : BLK_BOUNCE_MAX;
		if (!in)
			blk_iov_copy(iov, n, b->bounce, at, chunk, false);
		ssize_t done = in ? pread(fd, b->bounce, chunk, offset + at)
				  : pwrite(fd, b->bounce, chunk, offset + at);
		if (done < 0 || (size_t)done != chunk)
			return false;
		if (in)
			blk_iov_copy(iov, n, b->bounce, at, chunk, true);
	}
	return true;
}

/* Put a finished request in the used ring; false when the ring itself is broken (err says why). */
static bool blk_complete(struct virtio_mmio *m, uint16_t head, uint8_t *status, uint8_t value,
			 uint32_t written, struct vb_error *err)
{
	*status = value;
	return virtq_push(&m->queues[0], head, written + 1, err) == 0;
}

/* A read or write is over: count its bytes and put it in the used ring. */
static bool blk_complete_rw(struct virtio_blk *b, uint16_t head, uint8_t *status, bool in,
			    uint32_t len, bool ok, struct vb_error *err)
{
	if (ok && in)
		b->bytes_read += len;
	else if (ok)
		b->bytes_written += len;
	return blk_complete(&b->mmio, head, status, ok ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR,
			    ok && in ? len : 0, err);
}

static void blk_release(struct blk_request *r)
{
	free(r->bounce);
	r->bounce = NULL;
	r->busy = false;
}

/* A completion from io_uring: res is the byte count or -errno. */
static bool blk_finish(struct virtio_blk *b, uint16_t head, int res, struct vb_error *err)
{
	struct blk_request *r = &b->requests[head];
	if (!r->busy)
		return true; /* drained by a reset: the guest no longer waits for it */
	bool flush = r->data_len == 0, in = r->in, ok = res >= 0 && (uint32_t)res == r->data_len;
	if (ok && in && r->bounce)
		blk_iov_copy(r->iov, r->niov, r->bounce, 0, r->data_len, true);
	uint8_t *status = r->status;
	uint32_t len = r->data_len;
	blk_release(r);
	b->in_flight--;
	if (flush)
		return blk_complete(&b->mmio, head, status,
				    res < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK, 0, err);
	return blk_complete_rw(b, head, status, in, len, ok, err);
}

static bool blk_submit(struct virtio_blk *b, uint16_t head, bool flush, uint64_t offset)
{
	struct blk_request *r = &b->requests[head];
	struct io_uring_sqe *sqe = io_uring_get_sqe(&b->ring);
	if (!sqe) {
		io_uring_submit(&b->ring);
		sqe = io_uring_get_sqe(&b->ring);
	}
	if (!sqe)
		return false;
	if (flush)
		io_uring_prep_fsync(sqe, b->fd, IORING_FSYNC_DATASYNC);
	else if (r->bounce && r->in)
		io_uring_prep_read(sqe, b->fd, r->bounce, r->data_len, offset);
	else if (r->bounce)
		io_uring_prep_write(sqe, b->fd, r->bounce, r->data_len, offset);
	else if (r->in)
		io_uring_prep_readv(sqe, b->fd, r->iov, r->niov, offset);
	else
		io_uring_prep_writev(sqe, b->fd, r->iov, r->niov, offset);
	io_uring_sqe_set_data64(sqe, head);
	r->busy = true;
	b->in_flight++;
	if (b->in_flight > b->max_in_flight)
		b->max_in_flight = b->in_flight;
	return true;
}

/*
 * Start one request. Requests that can finish now (errors, get-id, and everything when there is no
 * io_uring) are put in the used ring at once; reads, writes and flushes otherwise go to io_uring and
 * finish in blk_reap, in whatever order the host completes them.
 */
static bool blk_start(struct virtio_blk *b, const struct virtq_chain *c, struct vb_error *err)
{
	struct virtio_mmio *m = &b->mmio;
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr;
	/* At least the header to read and one status byte to write, or it is not a request at all. */
	if (c->out_len < sizeof(hdr) || c->in_len < 1)
		return virtq_push(&m->queues[0], c->head, 0, err) == 0;
	uint8_t *status = NULL;
	for (unsigned i = 0; i < c->nsegs; i++)
		if (c->segs[i].writable)
			status = c->segs[i].base + c->segs[i].len - 1;
	struct blk_request *r = &b->requests[c->head];
	if (r->busy) {
		error_set(err,
			  "virtio-blk: descriptor %u offered again while its request is in flight",
			  c->head);
		return false;
	}
	virtq_chain_read(c, 0, &hdr, sizeof(hdr));
	size_t status_off = c->in_len - 1;
	uint64_t disk_bytes = b->capacity_sectors * BLK_SECTOR;
	b->requests_served++;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool in = hdr.type == VIRTIO_BLK_T_IN;
		size_t len = in ? c->in_len - 1 : c->out_len - sizeof(hdr);
		/* Overflow-safe range check: the sector and the length both come from the guest. */
		if (hdr.sector > b->capacity_sectors ||
		    len > disk_bytes - hdr.sector * BLK_SECTOR || len % BLK_SECTOR ||
		    len > UINT32_MAX - 1)
			return blk_complete(m, c->head, status, VIRTIO_BLK_S_IOERR, 0, err);
		uint64_t offset = hdr.sector * BLK_SECTOR;
		r->in = in;
		r->data_len = len;
		r->niov =
			virtq_chain_iov(c, in, in ? 0 : sizeof(hdr), len, r->iov, VIRTQ_MAX_CHAIN);
		r->status = status;
		r->bounce = NULL;
		if (len == 0)
			return blk_complete(m, c->head, status, VIRTIO_BLK_S_OK, 0, err);
		/* Offsets O_DIRECT cannot take (a guest ignoring blk_size): the page cache serves them. */
		if (!blk_aligned(offset | len, b->offset_align)) {
			b->unaligned++;
			bool ok = b->buffered_fd >= 0 &&
				  blk_rw_sync(b, b->buffered_fd, in, r->iov, r->niov, offset, len);
			return blk_complete_rw(b, c->head, status, in, len, ok, err);
		}
		bool staged = b->direct && !blk_iov_aligned(b, r->iov, r->niov);
		if (!b->has_ring || (staged && len > BLK_BOUNCE_MAX)) {
			bool ok = blk_rw_sync(b, b->fd, in, r->iov, r->niov, offset, len);
			return blk_complete_rw(b, c->head, status, in, len, ok, err);
		}
		if (staged) {
			r->bounce = aligned_alloc(b->mem_align > 4096 ? b->mem_align : 4096,
						  (len + 4095) & ~(size_t)4095);
			if (!r->bounce)
				return blk_complete_rw(b, c->head, status, in, len, false, err);
			if (!in)
				blk_iov_copy(r->iov, r->niov, r->bounce, 0, len, false);
			b->bounced++;
		}
		if (!blk_submit(b, c->head, false, offset)) {
			free(r->bounce);
			r->bounce = NULL;
			return blk_complete_rw(b, c->head, status, in, len, false, err);
		}
		return true;
	}
	case VIRTIO_BLK_T_FLUSH:
		if (b->has_ring) {
			r->data_len = 0;
			r->status = status;
			r->bounce = NULL;
			if (blk_submit(b, c->head, true, 0))
				return true;
		}
		return blk_complete(m, c->head, status,
				    fdatasync(b->fd) < 0 ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_OK, 0,
				    err);
	case VIRTIO_BLK_T_GET_ID: {
		char id[20] = "vbench-scratch";
		size_t n = status_off < sizeof(id) ? status_off : sizeof(id);
		uint32_t written = virtq_chain_write(c, 0, id, n);
		return blk_complete(m, c->head, status, VIRTIO_BLK_S_OK, written, err);
	}
	default: return blk_complete(m, c->head, status, VIRTIO_BLK_S_UNSUPP, 0, err);
	}
}

/* Collect every completion io_uring has; true if any went into the used ring. */
static bool blk_reap(struct virtio_blk *b, bool *broken, struct vb_error *err)
{
	struct io_uring_cqe *cqe;
	bool any = false;
	while (!*broken && io_uring_peek_cqe(&b->ring, &cqe) == 0) {
		uint64_t head = io_uring_cqe_get_data64(cqe);
		int res = cqe->res;
		io_uring_cqe_seen(&b->ring, cqe);
		if (head < BLK_QUEUE_SIZE) {
			*broken = !blk_finish(b, (uint16_t)head, res, err);
			any = true;
		}
	}
	return any;
}

static void blk_queue_notify(struct virtio_mmio *m, unsigned queue)
{
	struct virtio_blk *b = m->device;
	struct virtq *q = &m->queues[queue];
	struct virtq_chain chain;
	struct vb_error err;
	bool any = false, broken = false;
	int rc;
	while (!broken && (rc = virtq_pop(q, &chain, &err)) == 1) {
		uint16_t before = q->used_idx;
		broken = !blk_start(b, &chain, &err);
		any |= q->used_idx != before;
	}
	if (b->has_ring && b->in_flight)
		io_uring_submit(&b->ring);
	if (any)
		virtio_mmio_interrupt(m, VIRTIO_MMIO_INT_VRING);
	if (rc < 0 || broken)
		virtio_mmio_fail(m, &err);
}

static void blk_poll_fds(struct virtio_mmio *m, struct pollfd *fds)
{
	struct virtio_blk *b = m->device;
	if (b->has_ring)
		fds[0] = (struct pollfd){ .fd = b->ring_event_fd, .events = POLLIN };
}

static void blk_fd_ready(struct virtio_mmio *m, unsigned index, short revents)
{
	struct virtio_blk *b = m->device;
	(void)revents;
	if (index != 0 || !b->has_ring)
		return;
	uint64_t count;
	ssize_t n = read(b->ring_event_fd, &count, sizeof(count));
	(void)n;
	struct vb_error err;
	bool broken = false;
	if (blk_reap(b, &broken, &err))
		virtio_mmio_interrupt(m, VIRTIO_MMIO_INT_VRING);
	if (broken)
		virtio_mmio_fail(m, &err);
}

/* Wait for everything in flight and forget it: the guest reset the device, or it goes away. */
static void blk_drain(struct virtio_blk *b)
{
	if (!b->has_ring)
		return;
	io_uring_submit(&b->ring);
	while (b->in_flight) {
		struct io_uring_cqe *cqe;
		int rc = io_uring_wait_cqe(&b->ring, &cqe);
		if (rc == -EINTR)
			continue;
		if (rc < 0)
			return; /* the kernel may still write the staging buffers: leave them be */
		uint64_t head = io_uring_cqe_get_data64(cqe);
		io_uring_cqe_seen(&b->ring, cqe);
		if (head < BLK_QUEUE_SIZE && b->requests[head].busy) {
			blk_release(&b->requests[head]);
			b->in_flight--;
		}
	}
}

static void blk_reset(struct virtio_mmio *m)
{
	blk_drain(m->device);
}

static const struct virtio_device_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.features = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH,
	.nqueues = 1,
	.queue_max = BLK_QUEUE_SIZE,
	.config_read = blk_config_read,
	.queue_notify = blk_queue_notify,
	.poll_fds = blk_poll_fds,
	.fd_ready = blk_fd_ready,
	.reset = blk_reset,
};

/* What O_DIRECT asks of buffers and offsets on this file. */
static void blk_find_alignment(struct virtio_blk *b)
{
	b->mem_align = b->offset_align = 1;
	if (!b->direct)
		return;
	b->mem_align = b->offset_align = 4096; /* safe everywhere when the kernel does not say */
#ifdef STATX_DIOALIGN
	struct statx sx;
	if (statx(b->fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &sx) == 0 &&
	    (sx.stx_mask & STATX_DIOALIGN) && sx.stx_dio_offset_align && sx.stx_dio_mem_align) {
		b->mem_align = sx.stx_dio_mem_align;
		b->offset_align = sx.stx_dio_offset_align;
		return;
	}
#endif
	/* Older kernels: does a 512-byte direct read work? */
	if (b->bounce && pread(b->fd, b->bounce, BLK_SECTOR, 0) == BLK_SECTOR)
		b->offset_align = BLK_SECTOR;
}

static int blk_start_ring(struct virtio_blk *b, struct vb_error *err)
{
	int rc = io_uring_queue_init(BLK_QUEUE_SIZE, &b->ring, 0);
	if (rc < 0) {
		errno = -rc;
		return error_set_errno(err, "io_uring");
	}
	b->ring_event_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->ring_event_fd < 0 || io_uring_register_eventfd(&b->ring, b->ring_event_fd) < 0) {
		error_set_errno(err, "io_uring eventfd");
		io_uring_queue_exit(&b->ring);
		if (b->ring_event_fd >= 0)
			close(b->ring_event_fd);
		b->ring_event_fd = -1;
		return -1;
	}
	b->has_ring = true;
	return 0;
}

static int blk_setup(struct virtio_blk *b, int fd, uint64_t bytes, const char *buffered_why,
		     struct vb_error *err)
{
	b->fd = fd;
	b->capacity_sectors = bytes / BLK_SECTOR;
	int flags = fcntl(fd, F_GETFL);
	b->direct = flags >= 0 && (flags & O_DIRECT);
	b->requests = calloc(BLK_QUEUE_SIZE, sizeof(*b->requests));
	if (b->direct) /* only O_DIRECT needs staging */
		b->bounce = aligned_alloc(4096, BLK_BOUNCE_MAX);
	if (!b->requests || (b->direct && !b->bounce))
		return error_set(err, "virtio-blk: out of memory");
	blk_find_alignment(b);
	b->buffered_fd = fd;
	if (b->direct) {
		/* The same file without O_DIRECT, for the rare request the host cannot align. */
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
		b->buffered_fd = open(self, O_RDWR | O_CLOEXEC);
	}
	struct vb_error ring_err;
	bool ring = blk_start_ring(b, &ring_err) == 0;
	char depth[112];
	if (ring)
		snprintf(depth, sizeof(depth), "io_uring, up to %u requests in flight",
			 BLK_QUEUE_SIZE);
	else
		snprintf(depth, sizeof(depth), "one request at a time (%.80s)", ring_err.message);
	if (b->direct)
		snprintf(b->note, sizeof(b->note), "O_DIRECT, %.112s", depth);
	else
		snprintf(b->note, sizeof(b->note),
			 "buffered, the host page cache serves it (%.96s); %.112s",
			 buffered_why ? buffered_why : "opened without O_DIRECT", depth);
	return 0;
}

int virtio_blk_init_fd(struct virtio_blk *b, struct vm *vm, const struct memory *mem, uint64_t base,
		       uint32_t gsi, int fd, uint64_t bytes, struct vb_error *err)
{
	memset(b, 0, sizeof(*b));
	b->fd = b->buffered_fd = b->ring_event_fd = -1;
	if (blk_setup(b, fd, bytes, NULL, err) < 0 ||
	    virtio_mmio_init(&b->mmio, vm, mem, base, gsi, &blk_ops, b, err) < 0) {
		virtio_blk_destroy(b);
		return -1;
	}
	return 0;
}

int virtio_blk_init(struct virtio_blk *b, struct vm *vm, const struct memory *mem, uint64_t base,
		    uint32_t gsi, const char *path, struct vb_error *err)
{
	memset(b, 0, sizeof(*b));
	b->fd = b->buffered_fd = b->ring_event_fd = -1;
	int fd = open(path, O_RDWR | O_CLOEXEC | O_DIRECT);
	char why[96] = "";
	if (fd < 0 && errno == EINVAL) {
		/* tmpfs and some others refuse O_DIRECT: the disk figures are then the page cache's. */
		snprintf(why, sizeof(why), "the filesystem refused O_DIRECT: %s", strerror(errno));
		fd = open(path, O_RDWR | O_CLOEXEC);
	}
	if (fd < 0)
		return error_set_errno(err, "virtio-blk: open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size < BLK_SECTOR) {
		close(fd);
		return error_set(err, "virtio-blk: %s is empty or unreadable", path);
	}
	int rc = virtio_blk_init_fd(b, vm, mem, base, gsi, fd, st.st_size, err);
	if (rc == 0 && why[0])
		snprintf(b->note, sizeof(b->note),
			 "buffered, the host page cache serves it (%.96s); %s", why,
			 b->has_ring ? "io_uring" : "one request at a time");
	return rc;
}

void virtio_blk_destroy(struct virtio_blk *b)
{
	virtio_mmio_destroy(&b->mmio);
	blk_drain(b);
	if (b->has_ring) {
		io_uring_queue_exit(&b->ring);
		b->has_ring = false;
	}
	if (b->ring_event_fd >= 0)
		close(b->ring_event_fd);
	if (b->buffered_fd >= 0 && b->buffered_fd != b->fd)
		close(b->buffered_fd);
	if (b->fd >= 0)
		close(b->fd);
	b->fd = b->buffered_fd = b->ring_event_fd = -1;
	free(b->requests);
	free(b->bounce);
	b->requests = NULL;
	b->bounce = NULL;
}
