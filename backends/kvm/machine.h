/* A Linux VM assembled from the parts: memory, vCPUs, COM1, virtio devices, ACPI, kernel and initramfs. */
#ifndef VB_KVM_MACHINE_H
#define VB_KVM_MACHINE_H

#include <stdbool.h>
#include <stdint.h>

#include "backends/kvm/tap.h"
#include "backends/kvm/serial.h"
#include "backends/kvm/virtio/blk.h"
#include "backends/kvm/virtio/console.h"
#include "backends/kvm/virtio/net.h"
#include "backends/kvm/vm.h"

#define MACHINE_MMIO_BASE 0xd0000000ull
#define MACHINE_FIRST_GSI 5

struct machine_config {
	unsigned ncpus;
	const unsigned *cpu_list; /* NULL = not pinned */
	unsigned ncpu_list;
	uint64_t memory_bytes;
	const char *kernel_path;
	const char *
		initrd_path; /* NULL: build one with agent_path as /init and modules_dir's modules */
	const char *agent_path;
	const char *modules_dir;
	const char *cmdline; /* NULL: vbench's default; extra_cmdline is appended either way */
	const char *extra_cmdline;
	const char *disk_path; /* NULL = no virtio-blk */
	bool network;
	int console_fd; /* COM1 output; -1 = keep only the last lines */
	bool quiet;	/* add "quiet" to the default command line */
	/* Called just before the vCPUs start (the kvm backend's VMM process installs its seccomp
	 * filter there); -1 fails the start. NULL: nothing. */
	int (*before_run)(void *opaque, struct vb_error *err);
	void *before_run_opaque;
};

struct machine {
	struct vm *vm;
	struct serial com1;
	struct virtio_console console;
	struct virtio_blk blk;
	struct virtio_net net;
	struct tap_netns netns;
	bool has_com1, has_console, has_blk, has_net;
	int channel_fd; /* the host's end of the agent channel */
	/* KVM's binary stats per vCPU (-1 where unsupported), opened before the vCPUs run: the ioctl
	 * waits for the vCPU's mutex, which a vCPU halted with interrupts off never gives back. */
	int stats_fds[VM_MAX_VCPUS];
	char cmdline[1024];
	uint64_t initrd_bytes;
	char kernel_note[96]; /* how the kernel was loaded: its ELF unpacked by vbench, or not */
};

/* Serve vm.exit's port and MMIO page (common/bare-abi.h) as the bare guest's VMM does. */
int machine_serve_vm_exit(struct vm *vm, struct vb_error *err);
/*
 * Read the kernel and unpack its ELF now, for every VM that this process (or a VMM process it
 * forks later) starts with it; a changed file is read again. Errors are the start's to report.
 */
void machine_prepare_kernel(const char *path);
/* Build and boot the VM; on failure everything is torn down and *out is NULL. */
int machine_start(const struct machine_config *cfg, struct machine **out, struct vb_error *err);
/* The initramfs machine_start builds (agent as /init, the virtio modules), written to path. */
int machine_write_initramfs(const struct machine_config *cfg, const char *path,
			    struct vb_error *err);
/* The kernel command line every Linux guest of vbench gets (quiet, network addresses). */
void machine_default_cmdline(bool quiet, bool network, char *out, size_t len);
/* Stop vCPUs and devices, remove the TAP and namespace, close everything. Idempotent on NULL. */
void machine_destroy(struct machine *m);
/*
 * A message for a VM that ended: its status, and a kernel panic line when the console has one.
 * Returns whether the guest kernel panicked.
 */
bool machine_describe_end(struct machine *m, char *buf, size_t len);

#endif
