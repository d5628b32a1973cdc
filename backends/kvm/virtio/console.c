/* virtio-console: one port named "vbench.agent", its data over a socket pair to the host. */
#include "backends/kvm/virtio/console.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VIRTIO_ID_CONSOLE	   3
#define VIRTIO_CONSOLE_F_MULTIPORT (1ull << 1)
#define Q_RX			   0
#define Q_TX			   1
#define Q_CTRL_RX		   2
#define Q_CTRL_TX		   3

#define EV_DEVICE_READY		   0
#define EV_DEVICE_ADD		   1
#define EV_PORT_READY		   3
#define EV_PORT_OPEN		   6
#define EV_PORT_NAME		   7

static void console_config_read(struct virtio_mmio *m, uint64_t offset, uint8_t *data, unsigned len)
{
	(void)m;
	uint8_t cfg[12] = { 0 };
	uint32_t max_ports = 1;
	memcpy(cfg + 4, &max_ports, 4);
	if (offset < sizeof(cfg))
		memcpy(data, cfg + offset, len < sizeof(cfg) - offset ? len : sizeof(cfg) - offset);
}

static void console_queue_control(struct virtio_console *c, uint16_t event, uint16_t value,
				  const char *extra)
{
	if (c->ncontrol >= VIRTIO_CONSOLE_MAX_CONTROL)
		return;
	uint8_t *p = c->control[c->ncontrol].data;
	uint32_t id = 0;
	memcpy(p, &id, 4);
	memcpy(p + 4, &event, 2);
	memcpy(p + 6, &value, 2);
	size_t len = 8;
	if (extra) {
		size_t n = strlen(extra);
		memcpy(p + 8, extra, n);
		len += n;
	}
	c->control[c->ncontrol++].len = len;
}

static int console_flush_control(struct virtio_console *c, struct vb_error *err)
{
	struct virtio_mmio *m = &c->mmio;
	struct virtq *q = &m->queues[Q_CTRL_RX];
	bool any = false;
	while (c->ncontrol) {
		struct virtq_chain chain;
		int rc = virtq_pop(q, &chain, err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		size_t n = virtq_chain_write(&chain, 0, c->control[0].data, c->control[0].len);
		if (virtq_push(q, chain.head, n, err) < 0)
			return -1;
		any = true;
		c->ncontrol--;
		memmove(&c->control[0], &c->control[1], c->ncontrol * sizeof(c->control[0]));
	}
	if (any)
		virtio_mmio_interrupt(m, VIRTIO_MMIO_INT_VRING);
	return 0;
}

static int console_control_in(struct virtio_console *c, struct vb_error *err)
{
	struct virtio_mmio *m = &c->mmio;
	struct virtq *q = &m->queues[Q_CTRL_TX];
	struct virtq_chain chain;
	bool any = false;
	int rc;
	while ((rc = virtq_pop(q, &chain, err)) == 1) {
		uint8_t msg[8];
		if (virtq_chain_read(&chain, 0, msg, 8) == 8) {
			uint32_t id;
			uint16_t event, value;
			memcpy(&id, msg, 4);
			memcpy(&event, msg + 4, 2);
			memcpy(&value, msg + 6, 2);
			if (event == EV_DEVICE_READY && value == 1) {
				console_queue_control(c, EV_DEVICE_ADD, 0, NULL);
			} else if (event == EV_PORT_READY && id == 0 && value == 1) {
				console_queue_control(c, EV_PORT_NAME, 1, VIRTIO_CONSOLE_PORT_NAME);
				console_queue_control(c, EV_PORT_OPEN, 1,
						      NULL); /* the host end is always open */
			} else if (event == EV_PORT_OPEN && id == 0) {
				c->guest_open = value;
			}
		}
		if (virtq_push(q, chain.head, 0, err) < 0)
			return -1;
		any = true;
	}
	if (rc < 0)
		return -1;
	if (any)
		virtio_mmio_interrupt(m, VIRTIO_MMIO_INT_VRING);
	return console_flush_control(c, err);
}

static int console_transmit(struct virtio_console *c, struct vb_error *err)
{
	struct virtio_mmio *m = &c->mmio;
	struct virtq *q = &m->queues[Q_TX];
	struct virtq_chain chain;
	bool any = false;
	int rc;
	while ((rc = virtq_pop(q, &chain, err)) == 1) {
		for (unsigned i = 0; i < chain.nsegs && !c->host_eof; i++) {
			if (chain.segs[i].writable)
				continue;
			size_t off = 0;
			while (off < chain.segs[i].len) {
				ssize_t n = send(c->host_fd, chain.segs[i].base + off,
						 chain.segs[i].len - off, MSG_NOSIGNAL);
				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					c->host_eof =
						true; /* the host went away: drop further output */
					break;
				}
				off += n;
				c->bytes_out += n;
			}
		}
		if (virtq_push(q, chain.head, 0, err) < 0)
			return -1;
		any = true;
	}
	if (any)
		virtio_mmio_interrupt(m, VIRTIO_MMIO_INT_VRING);
	return rc < 0 ? -1 : 0;
}

static void console_queue_notify(struct virtio_mmio *m, unsigned queue)
{
	struct virtio_console *c = m->device;
	struct vb_error err;
	int rc = 0;
	if (queue == Q_CTRL_TX)
		rc = console_control_in(c, &err);
	else if (queue == Q_CTRL_RX)
		rc = console_flush_control(c, &err);
	else if (queue == Q_TX)
		rc = console_transmit(c, &err);
	/* Q_RX: new receive buffers; the poll set picks the host socket up again. */
	if (rc < 0)
		virtio_mmio_fail(m, &err);
}

static void console_poll_fds(struct virtio_mmio *m, struct pollfd *fds)
{
	struct virtio_console *c = m->device;
	if (!c->host_eof && virtq_has_avail(&m->queues[Q_RX]))
		fds[0] = (struct pollfd){ .fd = c->host_fd, .events = POLLIN };
}

static void console_fd_ready(struct virtio_mmio *m, unsigned index, short revents)
{
	struct virtio_console *c = m->device;
	struct virtq *q = &m->queues[Q_RX];
	struct virtq_chain chain;
	struct vb_error err;
	(void)index;
	(void)revents;
	int rc = virtq_pop(q, &chain, &err);
	if (rc < 0) {
		virtio_mmio_fail(m, &err);
		return;
	}
	if (rc == 0)
		return;
	struct iovec iov[VIRTQ_MAX_CHAIN];
	unsigned n = virtq_chain_iov(&chain, true, 0, chain.in_len, iov, VIRTQ_MAX_CHAIN);
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = n };
	ssize_t got = n ? recvmsg(c->host_fd, &msg, MSG_DONTWAIT) : -1;
	if (got <= 0) {
		virtq_unpop(q);
		if (got == 0 || (errno != EAGAIN && errno != EINTR))
			c->host_eof = true;
		return;
	}
	c->bytes_in += got;
	if (virtq_push(q, chain.head, got, &err) < 0) {
		virtio_mmio_fail(m, &err);
		return;
	}
	virtio_mmio_interrupt(m, VIRTIO_MMIO_INT_VRING);
}

static void console_reset(struct virtio_mmio *m)
{
	struct virtio_console *c = m->device;
	c->ncontrol = 0;
	c->guest_open = false;
}

static const struct virtio_device_ops console_ops = {
	.name = "virtio-console",
	.device_id = VIRTIO_ID_CONSOLE,
	.features = VIRTIO_CONSOLE_F_MULTIPORT,
	.nqueues = 4,
	.queue_max = 64,
	.config_read = console_config_read,
	.queue_notify = console_queue_notify,
	.poll_fds = console_poll_fds,
	.fd_ready = console_fd_ready,
	.reset = console_reset,
};

int virtio_console_init(struct virtio_console *c, struct vm *vm, const struct memory *mem,
			uint64_t base, uint32_t gsi, int *peer_fd, struct vb_error *err)
{
	memset(c, 0, sizeof(*c));
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		c->host_fd = -1;
		return error_set_errno(err, "virtio-console: socketpair");
	}
	c->host_fd = sv[0];
	*peer_fd = sv[1];
	return virtio_mmio_init(&c->mmio, vm, mem, base, gsi, &console_ops, c, err);
}

void virtio_console_destroy(struct virtio_console *c)
{
	/* Wake a device thread blocked sending to a host that stopped reading. */
	if (c->host_fd >= 0)
		shutdown(c->host_fd, SHUT_RDWR);
	virtio_mmio_destroy(&c->mmio);
	if (c->host_fd >= 0)
		close(c->host_fd);
	c->host_fd = -1;
}
