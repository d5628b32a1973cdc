/* virtio-blk backed by a host file (the scratch disk). */
#ifndef VB_KVM_VIRTIO_BLK_H
#define VB_KVM_VIRTIO_BLK_H

#include <stdint.h>

#include "backends/kvm/virtio/mmio.h"

struct virtio_blk {
	struct virtio_mmio mmio;
	int fd;
	uint64_t capacity_sectors;
	uint64_t requests, bytes_read, bytes_written;
};

/* Open path (read-write) and attach it at base/gsi. vm may be NULL (tests). */
int virtio_blk_init(struct virtio_blk *b, struct vm *vm, const struct memory *mem, uint64_t base,
		    uint32_t gsi, const char *path, struct vb_error *err);
/* Or use an open fd of the given size (tests, fuzzing); the device then owns the fd. */
int virtio_blk_init_fd(struct virtio_blk *b, struct vm *vm, const struct memory *mem, uint64_t base,
		       uint32_t gsi, int fd, uint64_t bytes, struct vb_error *err);
void virtio_blk_destroy(struct virtio_blk *b);

#endif
