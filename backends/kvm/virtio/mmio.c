/* The virtio-mmio transport: register file, queue set-up, ioeventfd/irqfd wiring and the device thread. */
#include "backends/kvm/virtio/mmio.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backends/kvm/thread.h"

#define REG_MAGIC		0x000
#define REG_VERSION		0x004
#define REG_DEVICE_ID		0x008
#define REG_VENDOR_ID		0x00c
#define REG_DEVICE_FEATURES	0x010
#define REG_DEVICE_FEATURES_SEL 0x014
#define REG_DRIVER_FEATURES	0x020
#define REG_DRIVER_FEATURES_SEL 0x024
#define REG_QUEUE_SEL		0x030
#define REG_QUEUE_NUM_MAX	0x034
#define REG_QUEUE_NUM		0x038
#define REG_QUEUE_READY		0x044
#define REG_QUEUE_NOTIFY	0x050
#define REG_INTERRUPT_STATUS	0x060
#define REG_INTERRUPT_ACK	0x064
#define REG_STATUS		0x070
#define REG_QUEUE_DESC_LOW	0x080
#define REG_QUEUE_DESC_HIGH	0x084
#define REG_QUEUE_DRIVER_LOW	0x090
#define REG_QUEUE_DRIVER_HIGH	0x094
#define REG_QUEUE_DEVICE_LOW	0x0a0
#define REG_QUEUE_DEVICE_HIGH	0x0a4
#define REG_CONFIG_GENERATION	0x0fc
#define REG_CONFIG		0x100

#define VIRTIO_VENDOR_ID	0x56424e43 /* "VBNC" */

bool virtio_mmio_driver_ok(const struct virtio_mmio *m)
{
	return (m->status & VIRTIO_STATUS_DRIVER_OK) && !(m->status & VIRTIO_STATUS_NEEDS_RESET);
}

void virtio_mmio_interrupt(struct virtio_mmio *m, uint32_t why)
{
	__atomic_fetch_or(&m->interrupt_status, why, __ATOMIC_SEQ_CST);
	m->interrupts++;
	if (m->irq_fd >= 0) {
		uint64_t one = 1;
		ssize_t n = write(m->irq_fd, &one, sizeof(one));
		(void)n;
	} else if (m->vm) {
		vm_irq_line(m->vm, m->gsi, 1);
		vm_irq_line(m->vm, m->gsi, 0);
	}
}

void virtio_mmio_fail(struct virtio_mmio *m, const struct vb_error *err)
{
	snprintf(m->last_error, sizeof(m->last_error), "%s: %s", m->ops->name, err->message);
	m->status |= VIRTIO_STATUS_NEEDS_RESET;
	m->config_generation++;
	virtio_mmio_interrupt(m, VIRTIO_MMIO_INT_CONFIG);
}

static void virtio_mmio_reset(struct virtio_mmio *m)
{
	m->status = 0;
	m->driver_features = 0;
	m->device_features_sel = m->driver_features_sel = m->queue_sel = 0;
	__atomic_store_n(&m->interrupt_status, 0, __ATOMIC_SEQ_CST);
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		virtq_reset(&m->queues[i]);
	if (m->ops->reset)
		m->ops->reset(m);
}

static uint64_t virtio_mmio_device_features(const struct virtio_mmio *m)
{
	return m->ops->features | VIRTIO_F_VERSION_1;
}

static void set_low(uint64_t *v, uint32_t x)
{
	*v = (*v & ~0xffffffffull) | x;
}
static void set_high(uint64_t *v, uint32_t x)
{
	*v = (*v & 0xffffffffull) | (uint64_t)x << 32;
}

static void virtio_mmio_write_status(struct virtio_mmio *m, uint32_t v)
{
	if (v == 0) {
		virtio_mmio_reset(m);
		return;
	}
	if ((v & VIRTIO_STATUS_FEATURES_OK) && !(m->status & VIRTIO_STATUS_FEATURES_OK)) {
		/* Only features we offered, and the modern interface: otherwise FEATURES_OK stays clear. */
		uint64_t offered = virtio_mmio_device_features(m);
		if ((m->driver_features & ~offered) || !(m->driver_features & VIRTIO_F_VERSION_1))
			v &= ~VIRTIO_STATUS_FEATURES_OK;
	}
	bool now_ok = (v & VIRTIO_STATUS_DRIVER_OK) && !(m->status & VIRTIO_STATUS_DRIVER_OK);
	m->status = v | (m->status & VIRTIO_STATUS_NEEDS_RESET);
	if (now_ok && m->ops->driver_ok)
		m->ops->driver_ok(m);
}

static void virtio_mmio_queue_write(struct virtio_mmio *m, uint64_t reg, uint32_t v)
{
	if (m->queue_sel >= m->ops->nqueues)
		return;
	struct virtq *q = &m->queues[m->queue_sel];
	if (q->ready && reg != REG_QUEUE_READY)
		return; /* a live queue's layout is fixed until reset */
	switch (reg) {
	case REG_QUEUE_NUM: q->size = v > 0xffff ? 0 : (uint16_t)v; break;
	case REG_QUEUE_DESC_LOW: set_low(&q->desc_gpa, v); break;
	case REG_QUEUE_DESC_HIGH: set_high(&q->desc_gpa, v); break;
	case REG_QUEUE_DRIVER_LOW: set_low(&q->avail_gpa, v); break;
	case REG_QUEUE_DRIVER_HIGH: set_high(&q->avail_gpa, v); break;
	case REG_QUEUE_DEVICE_LOW: set_low(&q->used_gpa, v); break;
	case REG_QUEUE_DEVICE_HIGH: set_high(&q->used_gpa, v); break;
	case REG_QUEUE_READY:
		if (v == 1 && !q->ready) {
			struct vb_error err;
			if (virtq_check_layout(q, m->ops->queue_max, &err) < 0) {
				error_prefix(&err, "queue %u: ", m->queue_sel);
				virtio_mmio_fail(m, &err);
				return;
			}
			q->ready = true;
			q->broken = false;
		} else if (v == 0) {
			q->ready = false;
		}
		break;
	}
}

static uint32_t virtio_mmio_read_reg(struct virtio_mmio *m, uint64_t reg)
{
	struct virtq *q = m->queue_sel < m->ops->nqueues ? &m->queues[m->queue_sel] : NULL;
	switch (reg) {
	case REG_MAGIC: return 0x74726976; /* "virt" */
	case REG_VERSION: return 2;
	case REG_DEVICE_ID: return m->ops->device_id;
	case REG_VENDOR_ID: return VIRTIO_VENDOR_ID;
	case REG_DEVICE_FEATURES:
		return m->device_features_sel > 1 ? 0
						  : (uint32_t)(virtio_mmio_device_features(m) >>
							       (32 * m->device_features_sel));
	case REG_QUEUE_NUM_MAX: return q ? m->ops->queue_max : 0;
	case REG_QUEUE_READY: return q ? q->ready : 0;
	case REG_INTERRUPT_STATUS: return __atomic_load_n(&m->interrupt_status, __ATOMIC_SEQ_CST);
	case REG_STATUS: return m->status;
	case REG_CONFIG_GENERATION: return m->config_generation;
	default: return 0;
	}
}

static void virtio_mmio_write_reg(struct virtio_mmio *m, uint64_t reg, uint32_t v)
{
	switch (reg) {
	case REG_DEVICE_FEATURES_SEL: m->device_features_sel = v; break;
	case REG_DRIVER_FEATURES_SEL: m->driver_features_sel = v; break;
	case REG_DRIVER_FEATURES:
		if (m->driver_features_sel == 0)
			set_low(&m->driver_features, v);
		else if (m->driver_features_sel == 1)
			set_high(&m->driver_features, v);
		break;
	case REG_QUEUE_SEL: m->queue_sel = v; break;
	case REG_STATUS: virtio_mmio_write_status(m, v); break;
	default: virtio_mmio_queue_write(m, reg, v); break;
	}
}

void virtio_mmio_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct virtio_mmio *m = opaque;
	if (offset >= REG_CONFIG) {
		if (is_write)
			return; /* no device here has writable config */
		memset(data, 0, len);
		pthread_mutex_lock(&m->lock);
		if (m->ops->config_read)
			m->ops->config_read(m, offset - REG_CONFIG, data, len);
		pthread_mutex_unlock(&m->lock);
		return;
	}
	if (len != 4 || (offset & 3)) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	uint32_t v;
	memcpy(&v, data, 4);
	/* Hot registers without the lock: the device thread may hold it while doing I/O. */
	if (is_write && offset == REG_QUEUE_NOTIFY) {
		if (v < m->ops->nqueues) {
			uint64_t one = 1;
			ssize_t n = write(m->notify_fd[v], &one, sizeof(one));
			(void)n;
		}
		return;
	}
	if (is_write && offset == REG_INTERRUPT_ACK) {
		__atomic_fetch_and(&m->interrupt_status, ~v, __ATOMIC_SEQ_CST);
		return;
	}
	if (!is_write && offset == REG_INTERRUPT_STATUS) {
		v = __atomic_load_n(&m->interrupt_status, __ATOMIC_SEQ_CST);
		memcpy(data, &v, 4);
		return;
	}
	pthread_mutex_lock(&m->lock);
	if (is_write) {
		virtio_mmio_write_reg(m, offset, v);
	} else {
		v = virtio_mmio_read_reg(m, offset);
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&m->lock);
}

static void virtio_mmio_service(struct virtio_mmio *m, struct pollfd *fds, unsigned nq)
{
	pthread_mutex_lock(&m->lock);
	for (unsigned i = 0; i < nq; i++) {
		if (!(fds[i].revents & POLLIN))
			continue;
		uint64_t count;
		ssize_t n = read(m->notify_fd[i], &count, sizeof(count));
		(void)n;
		if (virtio_mmio_driver_ok(m) && m->queues[i].ready && m->ops->queue_notify)
			m->ops->queue_notify(m, i);
	}
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_DEVICE_FDS; i++)
		if (fds[nq + i].fd >= 0 && fds[nq + i].revents && m->ops->fd_ready &&
		    virtio_mmio_driver_ok(m))
			m->ops->fd_ready(m, i, fds[nq + i].revents);
	pthread_mutex_unlock(&m->lock);
}

static unsigned virtio_mmio_fill_fds(struct virtio_mmio *m, struct pollfd *fds)
{
	unsigned nq = m->ops->nqueues;
	for (unsigned i = 0; i < nq; i++)
		fds[i] = (struct pollfd){ .fd = m->notify_fd[i], .events = POLLIN };
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_DEVICE_FDS; i++)
		fds[nq + i] = (struct pollfd){ .fd = -1 };
	pthread_mutex_lock(&m->lock);
	if (m->ops->poll_fds && virtio_mmio_driver_ok(m))
		m->ops->poll_fds(m, fds + nq);
	pthread_mutex_unlock(&m->lock);
	return nq;
}

void virtio_mmio_poll_once(struct virtio_mmio *m)
{
	struct pollfd fds[VIRTIO_MMIO_MAX_QUEUES + VIRTIO_MMIO_MAX_DEVICE_FDS];
	unsigned nq = virtio_mmio_fill_fds(m, fds);
	if (poll(fds, nq + VIRTIO_MMIO_MAX_DEVICE_FDS, 0) > 0)
		virtio_mmio_service(m, fds, nq);
}

static void *virtio_mmio_thread(void *arg)
{
	struct virtio_mmio *m = arg;
	struct pollfd fds[VIRTIO_MMIO_MAX_QUEUES + VIRTIO_MMIO_MAX_DEVICE_FDS + 1];
	for (;;) {
		unsigned nq = virtio_mmio_fill_fds(m, fds);
		unsigned n = nq + VIRTIO_MMIO_MAX_DEVICE_FDS;
		fds[n] = (struct pollfd){ .fd = m->stop_fd, .events = POLLIN };
		if (poll(fds, n + 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[n].revents)
			break;
		virtio_mmio_service(m, fds, nq);
	}
	return NULL;
}

int virtio_mmio_init(struct virtio_mmio *m, struct vm *vm, const struct memory *mem, uint64_t base,
		     uint32_t gsi, const struct virtio_device_ops *ops, void *device,
		     struct vb_error *err)
{
	memset(m, 0, sizeof(*m));
	m->vm = vm;
	m->mem = mem;
	m->base = base;
	m->gsi = gsi;
	m->ops = ops;
	m->device = device;
	m->irq_fd = m->stop_fd = -1;
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		m->notify_fd[i] = -1;
		m->queues[i].mem = mem;
	}
	pthread_mutex_init(&m->lock, NULL);
	if (ops->nqueues > VIRTIO_MMIO_MAX_QUEUES)
		return error_set(err, "%s: too many queues", ops->name);
	m->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (m->stop_fd < 0)
		return error_set_errno(err, "%s: eventfd", ops->name);
	for (unsigned i = 0; i < ops->nqueues; i++) {
		m->notify_fd[i] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (m->notify_fd[i] < 0)
			return error_set_errno(err, "%s: eventfd", ops->name);
	}
	if (!vm)
		return 0;
	if (vm_register_mmio(vm, base, VIRTIO_MMIO_SIZE, virtio_mmio_io, m, err) < 0)
		return error_prefix(err, "%s: ", ops->name);
	/* Notifications skip the VMM's vCPU exit path when KVM can route them; else the MMIO handler does. */
	for (unsigned i = 0; i < ops->nqueues; i++) {
		struct kvm_ioeventfd io = { .datamatch = i,
					    .addr = base + REG_QUEUE_NOTIFY,
					    .len = 4,
					    .fd = m->notify_fd[i],
					    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH };
		m->ioeventfd[i] = ioctl(vm->vm_fd, KVM_IOEVENTFD, &io) == 0;
	}
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd >= 0) {
		struct kvm_irqfd irqfd = { .fd = fd, .gsi = gsi };
		if (ioctl(vm->vm_fd, KVM_IRQFD, &irqfd) == 0)
			m->irq_fd = fd;
		else
			close(fd);
	}
	return 0;
}

int virtio_mmio_start(struct virtio_mmio *m, struct vb_error *err)
{
	int rc = vmm_thread_start(&m->thread, virtio_mmio_thread, m);
	if (rc != 0) {
		errno = rc;
		return error_set_errno(err, "%s: start device thread", m->ops->name);
	}
	m->thread_started = true;
	return 0;
}

void virtio_mmio_destroy(struct virtio_mmio *m)
{
	if (!m->ops)
		return;
	if (m->thread_started) {
		uint64_t one = 1;
		ssize_t n = write(m->stop_fd, &one, sizeof(one));
		(void)n;
		pthread_join(m->thread, NULL);
		m->thread_started = false;
	}
	for (unsigned i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++) {
		if (m->notify_fd[i] < 0)
			continue;
		if (m->vm && m->ioeventfd[i]) {
			struct kvm_ioeventfd io = { .datamatch = i,
						    .addr = m->base + REG_QUEUE_NOTIFY,
						    .len = 4,
						    .fd = m->notify_fd[i],
						    .flags = KVM_IOEVENTFD_FLAG_DATAMATCH |
							     KVM_IOEVENTFD_FLAG_DEASSIGN };
			ioctl(m->vm->vm_fd, KVM_IOEVENTFD, &io);
		}
		close(m->notify_fd[i]);
		m->notify_fd[i] = -1;
	}
	if (m->irq_fd >= 0) {
		struct kvm_irqfd irqfd = { .fd = m->irq_fd,
					   .gsi = m->gsi,
					   .flags = KVM_IRQFD_FLAG_DEASSIGN };
		ioctl(m->vm->vm_fd, KVM_IRQFD, &irqfd);
		close(m->irq_fd);
		m->irq_fd = -1;
	}
	if (m->stop_fd >= 0)
		close(m->stop_fd);
	m->stop_fd = -1;
	pthread_mutex_destroy(&m->lock);
	m->ops = NULL;
}
