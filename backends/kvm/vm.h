/* The VM core: KVM VM and vCPUs, guest memory, port/MMIO dispatch, platform ports and the VM's fate. */
#ifndef VB_KVM_VM_H
#define VB_KVM_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>

#include "backends/kvm/memory.h"
#include "common/error.h"

#define VM_MAX_VCPUS	 64
#define VM_MAX_IO_RANGES 32

/*
 * Platform ports. The boot timer is an I/O port (a guest's root can reach it with ioperm, no
 * /dev/mem needed); like Firecracker's, writing the byte 123 marks "ready".
 */
#define VM_BOOT_TIMER_PORT  0x440
#define VM_BOOT_TIMER_MAGIC 123
/* Hardware-reduced ACPI: the FADT's sleep control and reset registers point here. */
#define VM_ACPI_SLEEP_PORT  0x600
#define VM_ACPI_RESET_PORT  0x601
#define VM_ACPI_RESET_VALUE 0x01
#define VM_ACPI_S5_TYPE	    5

enum vm_status {
	VM_STATUS_RUNNING,
	VM_STATUS_POWER_OFF,
	VM_STATUS_REBOOT,
	VM_STATUS_TRIPLE_FAULT,
	VM_STATUS_PANIC,	  /* the guest kernel said "Kernel panic" on its console */
	VM_STATUS_HALTED,	  /* hlt with no in-kernel irqchip to wake it (tiny guests) */
	VM_STATUS_INTERNAL_ERROR, /* KVM could not run the guest */
	VM_STATUS_STOPPED,	  /* the host stopped it */
	VM_STATUS_FAULT,	  /* a bare guest faulted or gave up (its message says how) */
};
const char *vm_status_name(enum vm_status s);

/* A device's register window: offset is relative to its base; data holds len bytes (little endian). */
typedef void (*vm_io_fn)(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write);

struct vm_io_range {
	uint64_t base, len;
	vm_io_fn fn;
	void *opaque;
};

/* Exit reasons counted per vCPU (KVM_EXIT_* indexes below this bound). */
#define VM_EXIT_REASONS 40

struct vm_config {
	unsigned ncpus;
	const unsigned *cpu_list; /* host CPU for each vCPU (wraps around); NULL = not pinned */
	unsigned ncpu_list;
	uint64_t memory_bytes;
	bool no_irqchip; /* tiny guests: hlt exits to the VMM instead of sleeping in the kernel */
};

struct vcpu;

struct vm {
	int kvm_fd, vm_fd;
	int run_size;
	struct memory mem;
	struct vm_config cfg;
	unsigned ncpus;
	struct vcpu *vcpus[VM_MAX_VCPUS];
	struct vm_io_range pio[VM_MAX_IO_RANGES], mmio[VM_MAX_IO_RANGES];
	unsigned npio, nmmio;
	struct kvm_cpuid2 *cpuid;

	pthread_mutex_t lock;
	pthread_cond_t changed;
	enum vm_status status;
	char status_detail[400];
	uint64_t started_ns, ready_ns; /* CLOCK_MONOTONIC; ready_ns 0 until the boot timer fires */
	unsigned running_vcpus;
	/* Called once, on whichever thread ends the VM (e.g. to hang up the agent channel). */
	void (*on_end)(void *opaque);
	void *on_end_opaque;
};

int vm_create(const struct vm_config *cfg, struct vm **out, struct vb_error *err);
/* Register a port or MMIO window; the handler runs on the vCPU thread that exited. */
int vm_register_pio(struct vm *vm, uint64_t base, uint64_t len, vm_io_fn fn, void *opaque,
		    struct vb_error *err);
int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t len, vm_io_fn fn, void *opaque,
		     struct vb_error *err);
/* A window that reads as zeros and drops writes: an exit, a round trip and nothing else. */
void vm_io_null(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write);
/* Dispatch one access (vCPU exits and tests). Unclaimed reads return all ones. */
void vm_dispatch(struct vm *vm, bool mmio, uint64_t addr, uint8_t *data, unsigned len,
		 bool is_write);
int vm_irq_line(struct vm *vm, unsigned gsi, int level);
/* Start every vCPU thread. */
int vm_run(struct vm *vm, struct vb_error *err);
/* Record how the VM ended (the first reason wins) and make every vCPU leave the guest. */
void vm_end(struct vm *vm, enum vm_status status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Wait for the VM to end or the boot timer (when until_ready), at most timeout_ms (<0 = forever). */
enum vm_status vm_wait(struct vm *vm, bool until_ready, int timeout_ms);
/* End the VM and join every vCPU thread: afterwards no device handler runs. */
void vm_stop(struct vm *vm);
/* Stop the vCPUs, join their threads, free everything. */
void vm_destroy(struct vm *vm);

/* Sum of one exit reason's count over all vCPUs. */
uint64_t vm_exit_count(struct vm *vm, unsigned reason);

#endif
