/* virtio-blk backed by a host file (the scratch disk): O_DIRECT, with the guest's requests in flight together on io_uring. */
#ifndef VB_KVM_VIRTIO_BLK_H
#define VB_KVM_VIRTIO_BLK_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

#include "backends/kvm/virtio/mmio.h"

struct blk_request; /* one request in flight (blk.c) */

struct virtio_blk {
	struct virtio_mmio mmio;
	int fd;		 /* the image, O_DIRECT where the filesystem allows it */
	int buffered_fd; /* the image without O_DIRECT, for requests the host cannot align; or fd */
	bool direct;	 /* fd bypasses the host page cache */
	uint32_t mem_align,
		offset_align; /* what O_DIRECT asks of buffers and offsets (1 when buffered) */
	uint64_t capacity_sectors;

	struct io_uring ring;
	bool has_ring;	   /* false: requests are served one at a time on the device thread */
	int ring_event_fd; /* signalled on every completion; the device thread watches it */
	struct blk_request *requests; /* indexed by the chain's head descriptor */
	unsigned in_flight;
	uint8_t *bounce; /* aligned staging for unaligned guest buffers served synchronously */

	char note[256]; /* how the disk is served, and why when not O_DIRECT with io_uring */
	uint64_t requests_served, bytes_read, bytes_written;
	uint64_t bounced;   /* requests staged through an aligned buffer */
	uint64_t unaligned; /* requests the host could not align, served through buffered_fd */
	unsigned
		max_in_flight; /* the deepest the host queue got: the guest's depth reaching the host */
};

/* Open path read-write (O_DIRECT where the filesystem allows) and attach it at base/gsi. vm may be
 * NULL (tests). */
int virtio_blk_init(struct virtio_blk *b, struct vm *vm, const struct memory *mem, uint64_t base,
		    uint32_t gsi, const char *path, struct vb_error *err);
/* Or use an open fd of the given size (tests, fuzzing); the device then owns the fd. */
int virtio_blk_init_fd(struct virtio_blk *b, struct vm *vm, const struct memory *mem, uint64_t base,
		       uint32_t gsi, int fd, uint64_t bytes, struct vb_error *err);
void virtio_blk_destroy(struct virtio_blk *b);

#endif
