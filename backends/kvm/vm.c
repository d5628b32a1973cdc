/* The VM core: creates the KVM VM, its memory and vCPUs, dispatches exits and records how it ended. */
#include "backends/kvm/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "backends/kvm/vcpu.h"
#include "common/clock.h"

const char *vm_status_name(enum vm_status s)
{
	switch (s) {
	case VM_STATUS_RUNNING: return "running";
	case VM_STATUS_POWER_OFF: return "powered off";
	case VM_STATUS_REBOOT: return "rebooted";
	case VM_STATUS_TRIPLE_FAULT: return "triple fault";
	case VM_STATUS_PANIC: return "kernel panic";
	case VM_STATUS_HALTED: return "halted";
	case VM_STATUS_INTERNAL_ERROR: return "internal error";
	case VM_STATUS_STOPPED: return "stopped";
	case VM_STATUS_FAULT: return "guest fault";
	}
	return "unknown";
}

/* The ports below are write-only and read as zeros: whether the access is a write to act on. */
static bool vm_port_written(uint8_t *data, unsigned len, bool is_write)
{
	if (!is_write)
		memset(data, 0, len);
	return is_write;
}

static void vm_boot_timer_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
			     bool is_write)
{
	struct vm *vm = opaque;
	(void)offset;
	if (!vm_port_written(data, len, is_write))
		return;
	if (data[0] != VM_BOOT_TIMER_MAGIC)
		return;
	pthread_mutex_lock(&vm->lock);
	if (!vm->ready_ns)
		vm->ready_ns = clock_now_ns();
	pthread_cond_broadcast(&vm->changed);
	pthread_mutex_unlock(&vm->lock);
}

static void vm_acpi_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct vm *vm = opaque;
	if (!vm_port_written(data, len, is_write))
		return;
	if (offset == 0) {
		/* ACPI sleep control register: SLP_TYPx in bits 2-4, SLP_EN in bit 5. */
		if ((data[0] & 0x20) && ((data[0] >> 2) & 7) == VM_ACPI_S5_TYPE)
			vm_end(vm, VM_STATUS_POWER_OFF, "the guest powered off (ACPI S5)");
	} else if (data[0] == VM_ACPI_RESET_VALUE) {
		vm_end(vm, VM_STATUS_REBOOT, "the guest rebooted (ACPI reset register)");
	}
}

/* The legacy ways a PC kernel resets: the keyboard controller and the PCI reset control port. */
static void vm_legacy_reset_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len,
			       bool is_write)
{
	struct vm *vm = opaque;
	(void)offset;
	if (!vm_port_written(data, len, is_write))
		return;
	if (data[0] == 0xfe)
		vm_end(vm, VM_STATUS_REBOOT, "the guest rebooted (keyboard controller reset)");
}

static void vm_cf9_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct vm *vm = opaque;
	(void)offset;
	if (!vm_port_written(data, len, is_write))
		return;
	if (data[0] & 0x04)
		vm_end(vm, VM_STATUS_REBOOT, "the guest rebooted (port 0xcf9 reset)");
}

static int vm_setup_cpuid(struct vm *vm, struct vb_error *err)
{
	for (unsigned n = 128; n <= 4096; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
		if (!c)
			return error_set(err, "kvm: out of memory for CPUID");
		c->nent = n;
		if (ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0) {
			vm->cpuid = c;
			return 0;
		}
		free(c);
		if (errno != E2BIG)
			return error_set_errno(err, "kvm: KVM_GET_SUPPORTED_CPUID");
	}
	return error_set(err, "kvm: KVM_GET_SUPPORTED_CPUID needs too many entries");
}

int vm_create(const struct vm_config *cfg, struct vm **out, struct vb_error *err)
{
	*out = NULL;
	if (cfg->ncpus == 0 || cfg->ncpus > VM_MAX_VCPUS)
		return error_set(err, "kvm: %u vCPUs requested; 1 to %d are supported", cfg->ncpus,
				 VM_MAX_VCPUS);
	struct vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return error_set(err, "kvm: out of memory");
	vm->cfg = *cfg;
	vm->kvm_fd = vm->vm_fd = -1;
	pthread_mutex_init(&vm->lock, NULL);
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&vm->changed, &ca);
	pthread_condattr_destroy(&ca);
	*out = vm;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return error_set_errno(err, "kvm: open /dev/kvm");
	int version = ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION)
		return error_set(err, "kvm: /dev/kvm speaks API version %d, not %d", version,
				 KVM_API_VERSION);
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return error_set_errno(err, "kvm: KVM_CREATE_VM");
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0)
		return error_set_errno(err, "kvm: KVM_GET_VCPU_MMAP_SIZE");
	if (vm_setup_cpuid(vm, err) < 0)
		return -1;

	/* Needed by VMX for real mode; other flavours may refuse them, which does no harm. */
	ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &(uint64_t){ 0xfeffc000 });
	ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, 0xfeffd000ul);
	if (!cfg->no_irqchip) {
		if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
			return error_set_errno(err, "kvm: KVM_CREATE_IRQCHIP");
		struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
		ioctl(vm->vm_fd, KVM_CREATE_PIT2,
		      &pit); /* optional: Linux here runs on kvm-clock and the LAPIC timer */
	}

	if (memory_init(&vm->mem, cfg->memory_bytes, err) < 0)
		return error_prefix(err, "kvm: ");
	for (unsigned i = 0; i < vm->mem.nregions; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i,
			.guest_phys_addr = vm->mem.regions[i].gpa,
			.memory_size = vm->mem.regions[i].size,
			.userspace_addr = (uintptr_t)vm->mem.regions[i].host,
		};
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) < 0)
			return error_set_errno(err, "kvm: KVM_SET_USER_MEMORY_REGION %u", i);
	}

	if (vm_register_pio(vm, VM_BOOT_TIMER_PORT, 1, vm_boot_timer_io, vm, err) < 0 ||
	    vm_register_pio(vm, VM_ACPI_SLEEP_PORT, 2, vm_acpi_io, vm, err) < 0 ||
	    vm_register_pio(vm, 0x64, 1, vm_legacy_reset_io, vm, err) < 0 ||
	    vm_register_pio(vm, 0xcf9, 1, vm_cf9_io, vm, err) < 0)
		return -1;

	for (unsigned i = 0; i < cfg->ncpus; i++) {
		if (vcpu_create(vm, i, &vm->vcpus[i], err) < 0)
			return -1;
		vm->ncpus = i + 1;
	}
	return 0;
}

static int vm_register(struct vm_io_range *ranges, unsigned *n, uint64_t base, uint64_t len,
		       vm_io_fn fn, void *opaque, struct vb_error *err)
{
	if (*n >= VM_MAX_IO_RANGES)
		return error_set(err, "kvm: too many device windows");
	for (unsigned i = 0; i < *n; i++)
		if (base < ranges[i].base + ranges[i].len && ranges[i].base < base + len)
			return error_set(err, "kvm: device window %#llx+%#llx overlaps another",
					 (unsigned long long)base, (unsigned long long)len);
	ranges[(*n)++] = (struct vm_io_range){ base, len, fn, opaque };
	return 0;
}

int vm_register_pio(struct vm *vm, uint64_t base, uint64_t len, vm_io_fn fn, void *opaque,
		    struct vb_error *err)
{
	return vm_register(vm->pio, &vm->npio, base, len, fn, opaque, err);
}

int vm_register_mmio(struct vm *vm, uint64_t base, uint64_t len, vm_io_fn fn, void *opaque,
		     struct vb_error *err)
{
	return vm_register(vm->mmio, &vm->nmmio, base, len, fn, opaque, err);
}

void vm_io_null(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	(void)opaque;
	(void)offset;
	if (!is_write)
		memset(data, 0, len);
}

void vm_dispatch(struct vm *vm, bool mmio, uint64_t addr, uint8_t *data, unsigned len,
		 bool is_write)
{
	struct vm_io_range *r = mmio ? vm->mmio : vm->pio;
	unsigned n = mmio ? vm->nmmio : vm->npio;
	for (unsigned i = 0; i < n; i++) {
		if (addr >= r[i].base && addr - r[i].base < r[i].len) {
			r[i].fn(r[i].opaque, addr - r[i].base, data, len, is_write);
			return;
		}
	}
	if (!is_write)
		memset(data, 0xff, len);
}

int vm_irq_line(struct vm *vm, unsigned gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };
	return ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);
}

int vm_run(struct vm *vm, struct vb_error *err)
{
	pthread_mutex_lock(&vm->lock);
	vm->started_ns = clock_now_ns();
	pthread_mutex_unlock(&vm->lock);
	for (unsigned i = 0; i < vm->ncpus; i++)
		if (vcpu_start(vm->vcpus[i], err) < 0) {
			vm_end(vm, VM_STATUS_STOPPED, "could not start vCPU %u", i);
			return -1;
		}
	return 0;
}

void vm_end(struct vm *vm, enum vm_status status, const char *fmt, ...)
{
	pthread_mutex_lock(&vm->lock);
	bool first = vm->status == VM_STATUS_RUNNING;
	if (first) {
		vm->status = status;
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(vm->status_detail, sizeof(vm->status_detail), fmt, ap);
		va_end(ap);
		pthread_cond_broadcast(&vm->changed);
	}
	pthread_mutex_unlock(&vm->lock);
	if (first) {
		for (unsigned i = 0; i < vm->ncpus; i++)
			vcpu_kick(vm->vcpus[i]);
		if (vm->on_end)
			vm->on_end(vm->on_end_opaque);
	}
}

enum vm_status vm_wait(struct vm *vm, bool until_ready, int timeout_ms)
{
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	if (timeout_ms >= 0) {
		deadline.tv_sec += timeout_ms / 1000;
		deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (deadline.tv_nsec >= 1000000000) {
			deadline.tv_sec++;
			deadline.tv_nsec -= 1000000000;
		}
	}
	pthread_mutex_lock(&vm->lock);
	while (vm->status == VM_STATUS_RUNNING && !(until_ready && vm->ready_ns)) {
		if (timeout_ms < 0)
			pthread_cond_wait(&vm->changed, &vm->lock);
		else if (pthread_cond_timedwait(&vm->changed, &vm->lock, &deadline) == ETIMEDOUT)
			break;
	}
	enum vm_status s = vm->status;
	pthread_mutex_unlock(&vm->lock);
	return s;
}

uint64_t vm_exit_count(struct vm *vm, unsigned reason)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < vm->ncpus && reason < VM_EXIT_REASONS; i++)
		sum += __atomic_load_n(&vm->vcpus[i]->exits[reason], __ATOMIC_RELAXED);
	return sum;
}

void vm_stop(struct vm *vm)
{
	if (!vm)
		return;
	vm_end(vm, VM_STATUS_STOPPED, "stopped by the host");
	for (unsigned i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = vm->vcpus[i];
		if (v && v->thread_started) {
			vcpu_kick(v);
			pthread_join(v->thread, NULL);
			v->thread_started = false;
		}
	}
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	vm_stop(vm);
	for (unsigned i = 0; i < vm->ncpus; i++)
		vcpu_destroy(vm->vcpus[i]);
	memory_destroy(&vm->mem);
	free(vm->cpuid);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	pthread_cond_destroy(&vm->changed);
	pthread_mutex_destroy(&vm->lock);
	free(vm);
}
