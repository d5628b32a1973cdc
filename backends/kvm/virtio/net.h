/* virtio-net backed by a TAP device (which lives in a network namespace vbench created). */
#ifndef VB_KVM_VIRTIO_NET_H
#define VB_KVM_VIRTIO_NET_H

#include "backends/kvm/virtio/mmio.h"

struct virtio_net {
	struct virtio_mmio mmio;
	int tap_fd; /* non-blocking, IFF_VNET_HDR with a 12-byte header */
	uint8_t mac[6];
	uint64_t rx_packets, tx_packets;
};

/* The device takes ownership of tap_fd. vm may be NULL (tests). */
int virtio_net_init(struct virtio_net *n, struct vm *vm, const struct memory *mem, uint64_t base,
		    uint32_t gsi, int tap_fd, struct vb_error *err);
void virtio_net_destroy(struct virtio_net *n);

#endif
