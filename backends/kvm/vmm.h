/* What `vbench vm` sees of vbench's VMM: boot a kernel in a VMM process of its own, watch it, say how it ended. */
#ifndef VB_KVM_VMM_H
#define VB_KVM_VMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct vmm_config {
	unsigned ncpus;		 /* 1..vmm_max_vcpus(), not pinned */
	uint64_t memory_bytes;	 /* guest RAM */
	const char *kernel_path; /* NULL: the bzImage `make guest` fetched */
	const char *
		initrd_path; /* NULL: an initramfs with the agent as /init and the virtio modules */
	const char *modules_dir; /* NULL: the modules `make guest` fetched */
	const char *cmdline;	 /* NULL: vbench's default */
	const char *disk_path;	 /* NULL: no virtio-blk */
	bool network;		 /* virtio-net on a TAP in a private network namespace */
	bool force;		 /* boot even where the probe says this KVM is too slow */
	bool bare; /* the agent in a bare guest (no kernel, no console, no devices) instead */
};

/* How a VM ended, or stands. */
enum vmm_end {
	VMM_END_RUNNING,
	VMM_END_POWER_OFF,
	VMM_END_REBOOT,
	VMM_END_CRASHED, /* a kernel panic, a triple fault, KVM could not run it, a bare guest's fault */
	VMM_END_OTHER,	      /* stopped or halted otherwise */
	VMM_END_PROCESS_DIED, /* the VMM process died or stopped answering */
};

struct vmm; /* a VM in its VMM process, private to the kvm backend */

unsigned vmm_max_vcpus(void);
/*
 * Probe KVM, then fork the VMM process (the kvm backend's, under its seccomp filter), which builds
 * and boots the VM with COM1 on its stdout, this process's. The agent is $VBENCH_AGENT or
 * vbench-agent beside vbench.
 */
int vmm_boot(const struct vmm_config *cfg, struct vmm **out, struct vb_error *err);
/* The host's end of the agent's channel. */
int vmm_channel_fd(const struct vmm *v);
/* Is the VM running (and its VMM process alive)? */
bool vmm_running(struct vmm *v);
/*
 * How the VM ended (or how it stands, if it still runs): why gets a description, a Linux
 * guest's with its panic line or its last console lines, or how the VMM process died.
 */
enum vmm_end vmm_end(struct vmm *v, char *why, size_t len);
/* Stop the VM and its VMM process and free everything; NULL is fine. */
void vmm_destroy(struct vmm *v);

#endif
