/* virtio-blk: read, write, flush and get-id requests on a host file, every request validated. */
#include "backends/kvm/virtio/blk.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define VIRTIO_ID_BLOCK	     2
#define VIRTIO_BLK_F_SEG_MAX (1ull << 2)
#define VIRTIO_BLK_F_FLUSH   (1ull << 9)
#define VIRTIO_BLK_T_IN	     0
#define VIRTIO_BLK_T_OUT     1
#define VIRTIO_BLK_T_FLUSH   4
#define VIRTIO_BLK_T_GET_ID  8
#define VIRTIO_BLK_S_OK	     0
#define VIRTIO_BLK_S_IOERR   1
#define VIRTIO_BLK_S_UNSUPP  2
#define BLK_QUEUE_SIZE	     128
#define BLK_SECTOR	     512

static void blk_config_read(struct virtio_mmio *m, uint64_t offset, uint8_t *data, unsigned len)
{
	struct virtio_blk *b = m->device;
	uint8_t cfg[24] = { 0 };
	memcpy(cfg, &b->capacity_sectors, 8);
	uint32_t seg_max = VIRTQ_MAX_CHAIN - 2; /* header and status take two descriptors */
	memcpy(cfg + 12, &seg_max, 4);
	if (offset < sizeof(cfg))
		memcpy(data, cfg + offset, len < sizeof(cfg) - offset ? len : sizeof(cfg) - offset);
}

/* Serve one request; returns the bytes written into the chain (data read plus the status byte). */
static uint32_t blk_request(struct virtio_blk *b, const struct virtq_chain *c)
{
	struct {
		uint32_t type, reserved;
		uint64_t sector;
	} hdr;
	/* At least the header to read and one status byte to write, or it is not a request at all. */
	if (c->out_len < sizeof(hdr) || c->in_len < 1)
		return 0;
	virtq_chain_read(c, 0, &hdr, sizeof(hdr));
	size_t status_off = c->in_len - 1;
	uint8_t status = VIRTIO_BLK_S_OK;
	uint32_t written = 0;
	struct iovec iov[VIRTQ_MAX_CHAIN];
	uint64_t disk_bytes = b->capacity_sectors * BLK_SECTOR;
	b->requests++;
	switch (hdr.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT: {
		bool in = hdr.type == VIRTIO_BLK_T_IN;
		size_t len = in ? c->in_len - 1 : c->out_len - sizeof(hdr);
		/* Overflow-safe range check: the sector and the length both come from the guest. */
		if (hdr.sector > b->capacity_sectors ||
		    len > disk_bytes - hdr.sector * BLK_SECTOR || len % BLK_SECTOR) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		unsigned n =
			virtq_chain_iov(c, in, in ? 0 : sizeof(hdr), len, iov, VIRTQ_MAX_CHAIN);
		ssize_t done = len ? (in ? preadv(b->fd, iov, n, hdr.sector * BLK_SECTOR)
					 : pwritev(b->fd, iov, n, hdr.sector * BLK_SECTOR))
				   : 0;
		if (done < 0 || (size_t)done != len) {
			status = VIRTIO_BLK_S_IOERR;
			break;
		}
		if (in) {
			written = len;
			b->bytes_read += len;
		} else {
			b->bytes_written += len;
		}
		break;
	}
	case VIRTIO_BLK_T_FLUSH:
		if (fdatasync(b->fd) < 0)
			status = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID: {
		char id[20] = "vbench-scratch";
		size_t n = status_off < sizeof(id) ? status_off : sizeof(id);
		written = virtq_chain_write(c, 0, id, n);
		break;
	}
	default: status = VIRTIO_BLK_S_UNSUPP; break;
	}
	virtq_chain_write(c, status_off, &status, 1);
	return written + 1;
}

static void blk_queue_notify(struct virtio_mmio *m, unsigned queue)
{
	struct virtio_blk *b = m->device;
	struct virtq *q = &m->queues[queue];
	struct virtq_chain chain;
	struct vb_error err;
	bool any = false;
	int rc;
	while ((rc = virtq_pop(q, &chain, &err)) == 1) {
		uint32_t written = blk_request(b, &chain);
		if (virtq_push(q, chain.head, written, &err) < 0) {
			rc = -1;
			break;
		}
		any = true;
	}
	if (any)
		virtio_mmio_interrupt(m, VIRTIO_MMIO_INT_VRING);
	if (rc < 0)
		virtio_mmio_fail(m, &err);
}

static const struct virtio_device_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.features = VIRTIO_BLK_F_SEG_MAX | VIRTIO_BLK_F_FLUSH,
	.nqueues = 1,
	.queue_max = BLK_QUEUE_SIZE,
	.config_read = blk_config_read,
	.queue_notify = blk_queue_notify,
};

int virtio_blk_init_fd(struct virtio_blk *b, struct vm *vm, const struct memory *mem, uint64_t base,
		       uint32_t gsi, int fd, uint64_t bytes, struct vb_error *err)
{
	memset(b, 0, sizeof(*b));
	b->fd = fd;
	b->capacity_sectors = bytes / BLK_SECTOR;
	return virtio_mmio_init(&b->mmio, vm, mem, base, gsi, &blk_ops, b, err);
}

int virtio_blk_init(struct virtio_blk *b, struct vm *vm, const struct memory *mem, uint64_t base,
		    uint32_t gsi, const char *path, struct vb_error *err)
{
	memset(b, 0, sizeof(*b));
	b->fd = -1;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "virtio-blk: open %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0 || st.st_size < BLK_SECTOR) {
		close(fd);
		return error_set(err, "virtio-blk: %s is empty or unreadable", path);
	}
	return virtio_blk_init_fd(b, vm, mem, base, gsi, fd, st.st_size, err);
}

void virtio_blk_destroy(struct virtio_blk *b)
{
	virtio_mmio_destroy(&b->mmio);
	if (b->fd >= 0)
		close(b->fd);
	b->fd = -1;
}
