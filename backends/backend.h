/* The backend interface: every environment (native, lxc, kvm) implements these operations. */
#ifndef VB_BACKEND_H
#define VB_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

#define BACKEND_MAX_CPUS 256
/* The memory an environment gets when the run does not say (`--memory`; the README's default). */
#define BACKEND_DEFAULT_MEMORY_BYTES (2ull << 30)

/* How a VM backend runs its agent: as /init of a Linux guest, or in a bare guest with no kernel
 * (where KVM emulates guest ring 0); auto lets the KVM probe decide. */
enum backend_vm_mode {
	BACKEND_VM_AUTO,
	BACKEND_VM_LINUX,
	BACKEND_VM_BARE,
};

/* What every backend of a run is started with: the same CPUs, memory and devices. */
struct backend_config {
	unsigned ncpus;
	unsigned cpu_list[BACKEND_MAX_CPUS]; /* OS indexes of the PUs to run on, one per core */
	uint64_t memory_bytes;		     /* limit for the environment (container / VM RAM) */
	const char *agent_path;		     /* the static agent binary */
	const char *disk_path;		     /* scratch disk image to attach, or NULL */
	bool network;			     /* give the agent a network link and a peer */
	const char *kernel_path;	     /* kvm: bzImage (NULL = built default) */
	const char *modules_dir;	     /* kvm: directory holding the virtio .ko files */
	const char *oci_runtime;	     /* oci: runtime binary (NULL = runc on PATH) */
	const char *run_dir;		     /* private temp directory for this run's files */
	bool force;			     /* run even when probe says it is not useful */
	enum backend_vm_mode vm_mode;	     /* kvm: Linux guest or bare guest */
	uint64_t guest_page_bytes;	     /* kvm bare guest: 4 KiB, 2 MiB or 1 GiB (0: 2 MiB) */
	/* kvm, for `vbench vm`: COM1 on the VMM process's stdout, vCPUs not pinned, and the caller
	 * says how the VM ended; the user's initramfs and kernel command line (NULL: vbench's). */
	bool vm_console;
	const char *initrd_path;
	const char *cmdline;
	bool verbose;
	/* What follows a backend's name in "NAME:ARGUMENT" for one that takes_argument (ssh: the
	 * destination "USER@HOST[:PORT]"); NULL for the others. */
	const char *argument;
	const char *const *ssh_options; /* ssh: each passed as `-o OPT` (--ssh-option) */
	unsigned nssh_options;
	const char
		*remote_dir; /* ssh: where the remote temporary directory goes (NULL: /var/tmp) */
};

/* Host-side figures for one started environment. */
struct backend_stats {
	double startup_ms;	    /* the harness sets it: start request to hello read */
	double host_overhead_bytes; /* host memory the environment costs beyond the agent; NaN if unknown */
	char host_overhead_note[256]; /* why host_overhead_bytes is NaN ("" = no reason given) */
	char details[256]; /* one line: "pid 1234 pinned to 0,1" / "kernel 6.1, 2 vCPUs" */
	/* The io.net peer's side when cfg->network: a network namespace file the harness can open and
	 * setns() into to run its peer server ("" = the harness's own namespace), and the peer's IP
	 * address as the agent reaches it ("" = no network). */
	char peer_netns[128];
	char peer_addr[64];
	/* The agent serves its own peer (vbench-agent --net-peer) and names it in its hello: the
	 * harness starts none and takes peer_addr from there (ssh, where the agent is remote). */
	bool peer_in_agent;
	/* What the io.net numbers measure when it is not a link the backend gave its agent, carried
	 * as the note of every io.net result ("" = nothing to add). */
	char peer_note[160];
	/* Where the agent sees cfg->disk_path ("/scratch", "/dev/vda"); "" = no disk attached. */
	char agent_disk_path[128];
	/* How this instance runs, when the backend has more than one way ("bare guest"; "" = its
	 * only way): tables and reports name the backend "kvm (bare guest)". */
	char mode[32];
	/* What this instance cannot give despite the backend's provides (enum backend_provides), and
	 * the reason workloads needing it are reported unsupported with ("bare guest: no guest
	 * kernel"). */
	unsigned lacks;
	char lacks_note[96];
};

struct backend_instance; /* private to each backend */

/* What an environment can give its agent, declared so that the harness never tests a name. */
enum backend_provides {
	BACKEND_PROVIDES_DISK = 1u << 0, /* attaches cfg->disk_path (agent_disk_path says where) */
	BACKEND_PROVIDES_NETWORK = 1u << 1, /* links the agent to a peer when cfg->network */
	BACKEND_PROVIDES_KERNEL = 1u << 2,  /* a kernel under the agent (system calls, processes) */
	/* vbench's own VMM under the agent, serving the vm.exit port and MMIO page
	 * (common/bare-abi.h); no other backend may claim it: elsewhere they are real hardware. */
	BACKEND_PROVIDES_VMM = 1u << 3,
};

struct backend_ops {
	const char *name;
	const char *description;
	/* How long its agent may take to say hello after start, in ms (0: 30 s). A VM boots a
	 * kernel first, which in the nested test rig takes minutes. */
	unsigned ready_timeout_ms;
	unsigned provides; /* enum backend_provides */
	/* It answers the agent protocol itself with canned samples (null): no agent binary runs and
	 * nothing is measured. For tests of the harness; `vbench list` says so. */
	bool canned;
	/* It is the machine itself, not a layer over it (native): the natural baseline, and one a
	 * layer on the same machine is not expected to beat. */
	bool bare_metal;
	/* It is named with an argument, "ssh:root@10.0.0.2" (backend_config.argument): its probe
	 * checks what the user named, so a failing probe is the user's error, not a skip. */
	bool takes_argument;
	/* ...or may be, with the plain name meaning the default ("kvm", "kvm:bare"): then the
	 * argument picks a variant, checked by check_argument when the run is named, and a failing
	 * probe is a skip like the plain name's. */
	bool argument_optional;
	/* Is argument one this backend takes? 0, or -1 with a one-line reason (a usage error). */
	int (*check_argument)(const char *argument, struct vb_error *err);
	/* Can it run here? 0 = yes (err may then say how it will run, e.g. in which mode); -1 with a
	 * one-line reason in err. Fast (seconds at most). */
	int (*probe)(const struct backend_config *cfg, struct vb_error *err);
	/* Bring up an environment running the agent. On failure nothing is left behind. */
	int (*start)(const struct backend_config *cfg, struct backend_instance **out,
		     struct vb_error *err);
	/* The agent's byte stream: read from *rfd, write to *wfd (may be the same fd). */
	void (*channel)(struct backend_instance *inst, int *rfd, int *wfd);
	/* Host-side figures. Called after the agent's hello has arrived. */
	void (*stats)(struct backend_instance *inst, struct backend_stats *out);
	/* Is the environment still alive? false once the agent (or VM) has died. */
	bool (*alive)(struct backend_instance *inst);
	/* Optional: why the environment ended, once alive() says false (kvm: "bare guest: vCPU 0:
	 * #UD invalid opcode at RIP ..."); 0 with nothing written when it cannot say. */
	size_t (*describe_end)(struct backend_instance *inst, char *out, size_t len);
	/* Tear down, idempotent, leaves nothing behind; frees inst. */
	void (*stop)(struct backend_instance *inst);
	/* Optional: cumulative host-side event counts (kvm: VM exits by reason, summed over vCPUs);
	 * the harness can record their change across each sample. Returns how many (<= max) were
	 * filled; names are at most 47 characters. */
	unsigned (*host_counters)(struct backend_instance *inst, char (*names)[48],
				  uint64_t *values, unsigned max);
	/* Optional: run an arbitrary command in the same kind of environment (vbench exec). */
	int (*exec)(const struct backend_config *cfg, char *const argv[], int *exit_status,
		    struct vb_error *err);
};

extern const struct backend_ops native_backend;
extern const struct backend_ops lxc_backend;
extern const struct backend_ops oci_backend;
extern const struct backend_ops kvm_backend;
extern const struct backend_ops qemu_backend;
extern const struct backend_ops ssh_backend;
extern const struct backend_ops null_backend;
/* What the null backend answers for every metric of every sample. */
#define BACKEND_NULL_SAMPLE 1.0

const struct backend_ops *backend_find(const char *name);
/*
 * The backend a run names: "native", or "ssh:root@10.0.0.2" for one that takes_argument (the text
 * after the first ':' goes to *argument; NULL for a plain name). NULL when none matches, or when
 * an argument is missing or given to a backend that takes none.
 */
const struct backend_ops *backend_parse(const char *spec, const char **argument);
const struct backend_ops *backend_at(size_t i);

#endif
