/* One vCPU: CPUID, entry-mode registers, and the thread that runs it and dispatches its exits. */
#include "backends/kvm/vcpu.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "backends/kvm/thread.h"

#define VCPU_KICK_SIGNAL (SIGRTMIN + 3)

static void vcpu_kick_handler(int sig)
{
	(void)sig; /* only there to interrupt KVM_RUN with EINTR */
}

static pthread_once_t vcpu_signal_once = PTHREAD_ONCE_INIT;

static void vcpu_install_kick_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vcpu_kick_handler; /* no SA_RESTART: KVM_RUN must return */
	sigemptyset(&sa.sa_mask);
	sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
}

static int vcpu_setup_cpuid(struct vcpu *vcpu, struct vb_error *err)
{
	const struct kvm_cpuid2 *src = vcpu->vm->cpuid;
	size_t size = sizeof(*src) + src->nent * sizeof(src->entries[0]);
	struct kvm_cpuid2 *c = malloc(size);
	if (!c)
		return error_set(err, "kvm: out of memory for CPUID");
	memcpy(c, src, size);
	for (unsigned i = 0; i < c->nent; i++) {
		struct kvm_cpuid_entry2 *e = &c->entries[i];
		switch (e->function) {
		case 1:
			/* Initial APIC ID, and say "hypervisor" so the guest looks for the KVM leaves. */
			e->ebx = (e->ebx & 0x00ffffff) | vcpu->index << 24;
			e->ecx |= 1u << 31;
			e->ecx &=
				~(1u
				  << 5); /* no VMX: benchmark guests get no nested virtualization */
			break;
		case 0x80000001:
			e->ecx &= ~(
				1u
				<< 2); /* no SVM, likewise (and no SVM shutdown dance on reboot) */
			break;
		case 0xb:
		case 0x1f: e->edx = vcpu->index; break;
		}
	}
	int rc = ioctl(vcpu->fd, KVM_SET_CPUID2, c);
	free(c);
	if (rc < 0)
		return error_set_errno(err, "kvm: KVM_SET_CPUID2 on vCPU %u", vcpu->index);
	return 0;
}

int vcpu_create(struct vm *vm, unsigned index, struct vcpu **out, struct vb_error *err)
{
	pthread_once(&vcpu_signal_once, vcpu_install_kick_handler);
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));
	if (!vcpu)
		return error_set(err, "kvm: out of memory");
	vcpu->vm = vm;
	vcpu->index = index;
	vcpu->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, (unsigned long)index);
	if (vcpu->fd < 0) {
		free(vcpu);
		return error_set_errno(err, "kvm: KVM_CREATE_VCPU %u", index);
	}
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		close(vcpu->fd);
		free(vcpu);
		return error_set_errno(err, "kvm: map vCPU %u's run area", index);
	}
	*out = vcpu;
	return vcpu_setup_cpuid(vcpu, err);
}

static void vcpu_flat_segment(struct kvm_segment *s, uint16_t selector, uint8_t type, bool code64)
{
	*s = (struct kvm_segment){ .base = 0,
				   .limit = 0xffffffff,
				   .selector = selector,
				   .type = type,
				   .present = 1,
				   .dpl = 0,
				   .s = 1,
				   .g = 1,
				   .db = !code64,
				   .l = code64 };
}

int vcpu_set_long_mode(struct vcpu *vcpu, const struct boot_entry *entry, struct vb_error *err)
{
	struct kvm_sregs sregs;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return error_set_errno(err, "kvm: KVM_GET_SREGS");
	vcpu_flat_segment(&sregs.cs, BOOT_CODE_SELECTOR, 0xb, true);
	vcpu_flat_segment(&sregs.ds, BOOT_DATA_SELECTOR, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = entry->gdt_base;
	sregs.gdt.limit = entry->gdt_limit;
	sregs.cr3 = entry->cr3;
	sregs.cr4 = 0x20;	/* PAE */
	sregs.cr0 = 0x80000011; /* PG | ET | PE */
	sregs.efer = 0x500;	/* LMA | LME */
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return error_set_errno(err, "kvm: KVM_SET_SREGS");
	struct kvm_regs regs = { .rip = entry->rip,
				 .rsi = entry->rsi,
				 .rsp = entry->rsp,
				 .rbp = entry->rsp,
				 .rflags = 0x2 };
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return error_set_errno(err, "kvm: KVM_SET_REGS");
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	if (ioctl(vcpu->fd, KVM_SET_FPU, &fpu) < 0)
		return error_set_errno(err, "kvm: KVM_SET_FPU");
	return 0;
}

int vcpu_set_real_mode(struct vcpu *vcpu, uint16_t cs, uint16_t ip, struct vb_error *err)
{
	struct kvm_sregs sregs;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return error_set_errno(err, "kvm: KVM_GET_SREGS");
	sregs.cs.selector = cs;
	sregs.cs.base = (uint64_t)cs << 4;
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return error_set_errno(err, "kvm: KVM_SET_SREGS");
	struct kvm_regs regs = { .rip = ip, .rflags = 0x2, .rsp = 0x7000 };
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return error_set_errno(err, "kvm: KVM_SET_REGS");
	return 0;
}

int vcpu_set_protected_mode(struct vcpu *vcpu, uint32_t eip, struct vb_error *err)
{
	struct kvm_sregs sregs;
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return error_set_errno(err, "kvm: KVM_GET_SREGS");
	vcpu_flat_segment(&sregs.cs, 0x08, 0xb, false);
	vcpu_flat_segment(&sregs.ds, 0x10, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.cr0 = 0x11; /* ET | PE */
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return error_set_errno(err, "kvm: KVM_SET_SREGS");
	struct kvm_regs regs = { .rip = eip, .rflags = 0x2, .rsp = 0x7000 };
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return error_set_errno(err, "kvm: KVM_SET_REGS");
	return 0;
}

static bool vcpu_should_stop(struct vcpu *vcpu)
{
	return __atomic_load_n(&vcpu->vm->status, __ATOMIC_ACQUIRE) != VM_STATUS_RUNNING;
}

static void vcpu_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;
	/* String I/O (rep outsb) hands over count items back to back. */
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		vm_dispatch(vcpu->vm, false, run->io.port, data, run->io.size, is_write);
}

/* Where a vCPU stood when it stopped (a triple fault): enough to find the guest code and the
 * event being delivered, since a triple fault leaves nothing on the guest's console. */
static void vcpu_describe_state(struct vcpu *vcpu, char *out, size_t len)
{
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_vcpu_events events;
	if (ioctl(vcpu->fd, KVM_GET_REGS, &regs) < 0 ||
	    ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0) {
		snprintf(out, len, "(registers unreadable)");
		return;
	}
	memset(&events, 0, sizeof(events));
	bool have_events = ioctl(vcpu->fd, KVM_GET_VCPU_EVENTS, &events) == 0;
	snprintf(out, len,
		 "at RIP %#llx (CS %#x, CPL %u) RSP %#llx CR2 %#llx CR3 %#llx IDT %#llx+%#x "
		 "RFLAGS %#llx; exception %s vector %u error %#x; interrupt %s vector %u; NMI %s",
		 (unsigned long long)regs.rip, sregs.cs.selector, sregs.cs.selector & 3,
		 (unsigned long long)regs.rsp, (unsigned long long)sregs.cr2,
		 (unsigned long long)sregs.cr3, (unsigned long long)sregs.idt.base, sregs.idt.limit,
		 (unsigned long long)regs.rflags,
		 !have_events		     ? "?"
		 : events.exception.injected ? "injected"
		 : events.exception.pending  ? "pending"
					     : "none",
		 events.exception.nr, events.exception.error_code,
		 events.interrupt.injected ? "injected" : "none", events.interrupt.nr,
		 events.nmi.injected  ? "injected"
		 : events.nmi.pending ? "pending"
				      : "none");
}

static void vcpu_handle_exit(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	struct vm *vm = vcpu->vm;
	if (run->exit_reason < VM_EXIT_REASONS)
		__atomic_fetch_add(&vcpu->exits[run->exit_reason], 1, __ATOMIC_RELAXED);
	switch (run->exit_reason) {
	case KVM_EXIT_IO: vcpu_handle_io(vcpu); break;
	case KVM_EXIT_MMIO:
		vm_dispatch(vm, true, run->mmio.phys_addr, run->mmio.data,
			    run->mmio.len > 8 ? 8 : run->mmio.len, run->mmio.is_write);
		break;
	case KVM_EXIT_HLT: vm_end(vm, VM_STATUS_HALTED, "vCPU %u halted", vcpu->index); break;
	case KVM_EXIT_SHUTDOWN: {
		char where[300];
		vcpu_describe_state(vcpu, where, sizeof(where));
		vm_end(vm, VM_STATUS_TRIPLE_FAULT, "vCPU %u triple-faulted (the guest reset) %s",
		       vcpu->index, where);
		break;
	}
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			vm_end(vm, VM_STATUS_POWER_OFF, "the guest powered off");
		else if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
			vm_end(vm, VM_STATUS_REBOOT, "the guest rebooted");
		else
			vm_end(vm, VM_STATUS_INTERNAL_ERROR, "system event %u",
			       run->system_event.type);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		vm_end(vm, VM_STATUS_INTERNAL_ERROR,
		       "vCPU %u: KVM could not enter the guest (reason %#llx)", vcpu->index,
		       (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		vm_end(vm, VM_STATUS_INTERNAL_ERROR, "vCPU %u: KVM internal error (suberror %u)",
		       vcpu->index, run->internal.suberror);
		break;
	case KVM_EXIT_INTR: break;
	default:
		vm_end(vm, VM_STATUS_INTERNAL_ERROR, "vCPU %u: unexpected exit reason %u",
		       vcpu->index, run->exit_reason);
		break;
	}
}

static __thread struct vcpu *vcpu_self;

struct vcpu *vcpu_current(void)
{
	return vcpu_self;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	vcpu_self = vcpu;
	struct vm *vm = vcpu->vm;
	if (vm->cfg.cpu_list && vm->cfg.ncpu_list) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(vm->cfg.cpu_list[vcpu->index % vm->cfg.ncpu_list], &set);
		pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	}
	sigset_t kick;
	sigemptyset(&kick);
	sigaddset(&kick, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);
	while (!vcpu_should_stop(vcpu)) {
		if (ioctl(vcpu->fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			vm_end(vm, VM_STATUS_INTERNAL_ERROR, "vCPU %u: KVM_RUN: %s", vcpu->index,
			       strerror(errno));
			break;
		}
		vcpu_handle_exit(vcpu);
	}
	return NULL;
}

int vcpu_start(struct vcpu *vcpu, struct vb_error *err)
{
	/* Every signal blocked in the vCPU thread except the kick (unblocked there) and SIGSYS, by
	 * which the seccomp filter reports a denied call: the host's signals go elsewhere. */
	int rc = vmm_thread_start(&vcpu->thread, vcpu_thread, vcpu);
	if (rc != 0) {
		errno = rc;
		return error_set_errno(err, "kvm: start vCPU %u thread", vcpu->index);
	}
	vcpu->thread_started = true;
	return 0;
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	__atomic_store_n(&vcpu->run->immediate_exit, 1, __ATOMIC_RELEASE);
	if (vcpu->thread_started)
		pthread_kill(vcpu->thread, VCPU_KICK_SIGNAL);
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	if (vcpu->thread_started) {
		vcpu_kick(vcpu);
		pthread_join(vcpu->thread, NULL);
	}
	munmap(vcpu->run, vcpu->vm->run_size);
	close(vcpu->fd);
	free(vcpu);
}
