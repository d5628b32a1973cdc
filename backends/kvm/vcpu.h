/* One vCPU: its KVM fd, register set-up for each guest entry mode, and the thread that runs it. */
#ifndef VB_KVM_VCPU_H
#define VB_KVM_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "backends/kvm/boot.h"
#include "backends/kvm/vm.h"

struct vcpu {
	struct vm *vm;
	unsigned index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool thread_started;
	uint64_t exits[VM_EXIT_REASONS]; /* written by the vCPU thread only */
};

int vcpu_create(struct vm *vm, unsigned index, struct vcpu **out, struct vb_error *err);
void vcpu_destroy(struct vcpu *vcpu);
/* Linux's 64-bit entry: long mode, flat segments, paging on, rsi = zero page. */
int vcpu_set_long_mode(struct vcpu *vcpu, const struct boot_entry *entry, struct vb_error *err);
/* Real mode at cs:ip (tiny test guests). */
int vcpu_set_real_mode(struct vcpu *vcpu, uint16_t cs, uint16_t ip, struct vb_error *err);
/* 32-bit protected mode, flat, paging off, ring 0, at eip (calibration guests). */
int vcpu_set_protected_mode(struct vcpu *vcpu, uint32_t eip, struct vb_error *err);
int vcpu_start(struct vcpu *vcpu, struct vb_error *err);
/* The vCPU whose thread this is (device handlers run there); NULL on any other thread. */
struct vcpu *vcpu_current(void);
/* Make the vCPU leave KVM_RUN soon (it then checks the VM's status). */
void vcpu_kick(struct vcpu *vcpu);

#endif
