/* A split virtqueue read from guest memory, with every guest index, address and chain validated. */
#ifndef VB_KVM_VIRTIO_QUEUE_H
#define VB_KVM_VIRTIO_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "backends/kvm/memory.h"
#include "common/error.h"

#define VIRTQ_MAX_SIZE	      256
#define VIRTQ_MAX_CHAIN	      64 /* descriptors in one request; more is treated as hostile */

#define VIRTQ_DESC_F_NEXT     1
#define VIRTQ_DESC_F_WRITE    2
#define VIRTQ_DESC_F_INDIRECT 4

struct virtq {
	const struct memory *mem;
	uint16_t size;
	bool ready;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	uint16_t last_avail, used_idx;
	/* Set once the guest hands over something malformed: the queue then stops until a reset. */
	bool broken;
};

/* One segment of a chain: host memory the device may read (out) or write (in). */
struct virtq_seg {
	uint8_t *base;
	uint32_t len;
	bool writable;
};

struct virtq_chain {
	uint16_t head;
	unsigned nsegs;
	struct virtq_seg segs[VIRTQ_MAX_CHAIN];
	size_t out_len, in_len; /* bytes the device may read / write */
};

/* Check size and ring placement before the queue is used (the guest sets QueueReady). */
int virtq_check_layout(const struct virtq *q, uint16_t max_size, struct vb_error *err);
bool virtq_has_avail(const struct virtq *q);
/* Next available chain: 1 = got one, 0 = none, -1 = hostile (queue now broken; err says why). */
int virtq_pop(struct virtq *q, struct virtq_chain *chain, struct vb_error *err);
/* Give back the last popped chain unused (nothing to put in it yet). */
void virtq_unpop(struct virtq *q);
/* Return a chain to the guest with the number of bytes written into it. */
int virtq_push(struct virtq *q, uint16_t head, uint32_t written, struct vb_error *err);
/* Copy from the chain's readable bytes at off / into its writable bytes at off; return bytes copied. */
size_t virtq_chain_read(const struct virtq_chain *c, size_t off, void *dst, size_t len);
size_t virtq_chain_write(const struct virtq_chain *c, size_t off, const void *src, size_t len);
/* Host iovecs for [off, off + len) of the readable or writable bytes; returns how many were filled. */
unsigned virtq_chain_iov(const struct virtq_chain *c, bool writable, size_t off, size_t len,
			 struct iovec *iov, unsigned max);
void virtq_reset(struct virtq *q);

#endif
