/* virtio-net: frames between the guest's rings and a TAP fd, the virtio header passed through as is. */
#include "backends/kvm/virtio/net.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define VIRTIO_ID_NET	   1
#define VIRTIO_NET_F_MAC   (1ull << 5)
#define VIRTIO_NET_HDR_LEN 12 /* virtio_net_hdr_v1, the size VERSION_1 implies */
#define Q_RX		   0
#define Q_TX		   1

static void net_config_read(struct virtio_mmio *m, uint64_t offset, uint8_t *data, unsigned len)
{
	struct virtio_net *n = m->device;
	uint8_t cfg[8] = { 0 };
	memcpy(cfg, n->mac, 6);
	if (offset < sizeof(cfg))
		memcpy(data, cfg + offset, len < sizeof(cfg) - offset ? len : sizeof(cfg) - offset);
}

static void net_transmit(struct virtio_mmio *m)
{
	struct virtio_net *n = m->device;
	struct virtq *q = &m->queues[Q_TX];
	struct virtq_chain chain;
	struct vb_error err;
	bool any = false;
	int rc;
	while ((rc = virtq_pop(q, &chain, &err)) == 1) {
		struct iovec iov[VIRTQ_MAX_CHAIN];
		unsigned cnt =
			virtq_chain_iov(&chain, false, 0, chain.out_len, iov, VIRTQ_MAX_CHAIN);
		/* A frame the TAP refuses (too short, no room) is dropped, as a NIC would. */
		if (chain.out_len > VIRTIO_NET_HDR_LEN && writev(n->tap_fd, iov, cnt) > 0)
			n->tx_packets++;
		if (virtq_push(q, chain.head, 0, &err) < 0) {
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

static void net_queue_notify(struct virtio_mmio *m, unsigned queue)
{
	if (queue == Q_TX)
		net_transmit(m);
	/* Q_RX: more receive buffers; the poll set picks the TAP up again. */
}

static void net_poll_fds(struct virtio_mmio *m, struct pollfd *fds)
{
	struct virtio_net *n = m->device;
	if (virtq_has_avail(&m->queues[Q_RX]))
		fds[0] = (struct pollfd){ .fd = n->tap_fd, .events = POLLIN };
}

static void net_fd_ready(struct virtio_mmio *m, unsigned index, short revents)
{
	struct virtio_net *n = m->device;
	struct virtq *q = &m->queues[Q_RX];
	struct vb_error err;
	bool any = false;
	(void)index;
	(void)revents;
	for (;;) {
		struct virtq_chain chain;
		int rc = virtq_pop(q, &chain, &err);
		if (rc < 0) {
			virtio_mmio_fail(m, &err);
			break;
		}
		if (rc == 0)
			break;
		if (chain.in_len <= VIRTIO_NET_HDR_LEN) {
			/* Not even room for the header: return it empty rather than loop on it. */
			if (virtq_push(q, chain.head, 0, &err) < 0)
				virtio_mmio_fail(m, &err);
			any = true;
			continue;
		}
		struct iovec iov[VIRTQ_MAX_CHAIN];
		unsigned cnt = virtq_chain_iov(&chain, true, 0, chain.in_len, iov, VIRTQ_MAX_CHAIN);
		ssize_t got = readv(n->tap_fd, iov, cnt);
		if (got <= 0) {
			virtq_unpop(q);
			break;
		}
		uint16_t num_buffers = 1; /* the TAP leaves this last header field alone */
		virtq_chain_write(&chain, 10, &num_buffers, 2);
		if (virtq_push(q, chain.head, got, &err) < 0) {
			virtio_mmio_fail(m, &err);
			break;
		}
		n->rx_packets++;
		any = true;
	}
	if (any)
		virtio_mmio_interrupt(m, VIRTIO_MMIO_INT_VRING);
}

static const struct virtio_device_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.features = VIRTIO_NET_F_MAC,
	.nqueues = 2,
	.queue_max = 256,
	.config_read = net_config_read,
	.queue_notify = net_queue_notify,
	.poll_fds = net_poll_fds,
	.fd_ready = net_fd_ready,
};

int virtio_net_init(struct virtio_net *n, struct vm *vm, const struct memory *mem, uint64_t base,
		    uint32_t gsi, int tap_fd, struct vb_error *err)
{
	memset(n, 0, sizeof(*n));
	n->tap_fd = tap_fd;
	/* A locally administered unicast address. */
	const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0x76, 0x62, 0x01 };
	memcpy(n->mac, mac, 6);
	return virtio_mmio_init(&n->mmio, vm, mem, base, gsi, &net_ops, n, err);
}

void virtio_net_destroy(struct virtio_net *n)
{
	virtio_mmio_destroy(&n->mmio);
	if (n->tap_fd >= 0)
		close(n->tap_fd);
	n->tap_fd = -1;
}
