/* The virtio-mmio transport (version 2): registers, queues, notifications (ioeventfd) and interrupts (irqfd). */
#ifndef VB_KVM_VIRTIO_MMIO_H
#define VB_KVM_VIRTIO_MMIO_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "backends/kvm/virtio/queue.h"
#include "backends/kvm/vm.h"

#define VIRTIO_MMIO_SIZE	   0x200
#define VIRTIO_MMIO_MAX_QUEUES	   8
#define VIRTIO_MMIO_MAX_DEVICE_FDS 2

#define VIRTIO_F_VERSION_1	   (1ull << 32)
#define VIRTIO_STATUS_DRIVER_OK	   4
#define VIRTIO_STATUS_FEATURES_OK  8
#define VIRTIO_STATUS_NEEDS_RESET  0x40

#define VIRTIO_MMIO_INT_VRING	   1
#define VIRTIO_MMIO_INT_CONFIG	   2

struct virtio_mmio;

/* What one device type provides; its handlers run on the device's own thread, under the device lock. */
struct virtio_device_ops {
	const char *name;
	uint32_t device_id;
	uint64_t features; /* VIRTIO_F_VERSION_1 is added by the transport */
	unsigned nqueues;
	uint16_t queue_max;
	void (*config_read)(struct virtio_mmio *m, uint64_t offset, uint8_t *data, unsigned len);
	void (*queue_notify)(struct virtio_mmio *m, unsigned queue);
	/* Host fds the device wants watched now (-1 = none), and what to do when one is ready. */
	void (*poll_fds)(struct virtio_mmio *m, struct pollfd *fds);
	void (*fd_ready)(struct virtio_mmio *m, unsigned index, short revents);
	void (*reset)(struct virtio_mmio *m);
	void (*driver_ok)(struct virtio_mmio *m);
};

struct virtio_mmio {
	struct vm *vm; /* NULL in tests: interrupts then only count */
	const struct memory *mem;
	uint64_t base;
	uint32_t gsi;
	const struct virtio_device_ops *ops;
	void *device;

	pthread_mutex_t lock;
	uint32_t status, device_features_sel, driver_features_sel, queue_sel;
	uint64_t driver_features;
	uint32_t interrupt_status; /* atomic: read and acknowledged without the lock */
	uint32_t config_generation;
	struct virtq queues[VIRTIO_MMIO_MAX_QUEUES];
	int notify_fd[VIRTIO_MMIO_MAX_QUEUES]; /* eventfds, wired to QueueNotify by ioeventfd */
	bool ioeventfd[VIRTIO_MMIO_MAX_QUEUES];
	int irq_fd;	     /* eventfd wired to the GSI by irqfd, or -1 */
	uint64_t interrupts; /* how many were raised */
	char last_error[ERROR_MESSAGE_MAX + 64];

	int stop_fd;
	pthread_t thread;
	bool thread_started;
};

int virtio_mmio_init(struct virtio_mmio *m, struct vm *vm, const struct memory *mem, uint64_t base,
		     uint32_t gsi, const struct virtio_device_ops *ops, void *device,
		     struct vb_error *err);
/* Start the device thread (after the VM's memory and irqchip exist). */
int virtio_mmio_start(struct virtio_mmio *m, struct vb_error *err);
void virtio_mmio_destroy(struct virtio_mmio *m);
/* Register access, as a vm_io_fn (exposed for tests and fuzzing). */
void virtio_mmio_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write);
/* Deliver pending notifications now, on the caller's thread (tests and fuzzing). */
void virtio_mmio_poll_once(struct virtio_mmio *m);
/* Tell the guest that used buffers are waiting. */
void virtio_mmio_interrupt(struct virtio_mmio *m, uint32_t why);
/* A guest broke the rules: flag DEVICE_NEEDS_RESET and stop using the device until it resets. */
void virtio_mmio_fail(struct virtio_mmio *m, const struct vb_error *err);
bool virtio_mmio_driver_ok(const struct virtio_mmio *m);

#endif
