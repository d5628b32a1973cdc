/* The kvm backend's VMM on its own: what `vbench vm` uses to boot a kernel, watch it and say how it ended. */
#ifndef VB_KVM_VMM_H
#define VB_KVM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct vmm_config {
	unsigned ncpus;		 /* 1..vmm_max_vcpus() */
	uint64_t memory_bytes;	 /* guest RAM */
	const char *kernel_path; /* NULL: the bzImage `make guest` fetched */
	const char *
		initrd_path; /* NULL: an initramfs with the agent as /init and the virtio modules */
	const char *modules_dir; /* NULL: the modules `make guest` fetched */
	const char *cmdline;	 /* NULL: vbench's default */
	const char *disk_path;	 /* NULL: no virtio-blk */
	bool network;		 /* virtio-net on a TAP in a private network namespace */
	int console_fd;		 /* where COM1 goes */
	bool force;		 /* boot even where the probe says this KVM is too slow */
};

struct vmm; /* a booted VM, private to the kvm backend */

unsigned vmm_max_vcpus(void);
/* Probe KVM, then build and boot the VM. The agent is $VBENCH_AGENT or vbench-agent beside vbench. */
int vmm_boot(const struct vmm_config *cfg, struct vmm **out, struct vb_error *err);
/* The host's end of the agent's channel. */
int vmm_channel_fd(const struct vmm *v);
bool vmm_running(struct vmm *v);
/*
 * How the VM ended (or how it stands, if it still runs): why gets its status and the kernel's
 * panic line when the console has one, *status the status's name ("powered off"). Returns true
 * when the guest crashed: a kernel panic, a triple fault, or KVM could not run it.
 */
bool vmm_crashed(struct vmm *v, char *why, size_t len, const char **status);
/* Stop the VM and free everything; NULL is fine. */
void vmm_destroy(struct vmm *v);

#endif
