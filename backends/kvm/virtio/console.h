/* virtio-console with one named port (multiport): the agent's byte channel to the host. */
#ifndef VB_KVM_VIRTIO_CONSOLE_H
#define VB_KVM_VIRTIO_CONSOLE_H

#include "backends/kvm/virtio/mmio.h"

#define VIRTIO_CONSOLE_PORT_NAME   "vbench.agent"
#define VIRTIO_CONSOLE_MAX_CONTROL 8

struct virtio_console {
	struct virtio_mmio mmio;
	int host_fd; /* the device's end of the channel socket */
	bool host_eof, guest_open;
	struct {
		uint8_t data[64];
		size_t len;
	} control
		[VIRTIO_CONSOLE_MAX_CONTROL]; /* messages waiting for the guest's control buffers */
	unsigned ncontrol;
	uint64_t bytes_in, bytes_out;
};

/* *peer_fd is the host's end of the channel (read and write). vm may be NULL (tests). */
int virtio_console_init(struct virtio_console *c, struct vm *vm, const struct memory *mem,
			uint64_t base, uint32_t gsi, int *peer_fd, struct vb_error *err);
void virtio_console_destroy(struct virtio_console *c);

#endif
