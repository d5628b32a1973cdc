/* kvm backend: the agent as /init of a Linux VM on vbench's own VMM (backends/kvm/machine.c). */
#include "backends/backend.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/kvm/exits.h"
#include "common/clock.h"
#include "common/path.h"
#include "backends/kvm/footprint.h"
#include "backends/kvm/kvm.h"
#include "backends/kvm/machine.h"
#include "backends/kvm/probe.h"

struct backend_instance {
	struct machine *machine;
	uint64_t memory_bytes;
	unsigned ncpus;
	uint64_t
		start_ns; /* when start was asked for: start-up time counts initramfs and VM set-up too */
	bool disk, network;
	/* The process's resident memory just before the VM existed: the harness's, not the VMM's. */
	struct footprint before;
	struct vb_error before_err; /* why there is no baseline ("" = there is one) */
	char kernel[PATH_MAX];
};

void kvm_default_guest_path(const char *file, char *out, size_t len)
{
	char name[PATH_MAX];
	snprintf(name, sizeof(name), "guest%s%s", file ? "/" : "", file ? file : "");
	path_beside_self(name, "build/vbench", out, len);
}

int kvm_guest_paths(const struct backend_config *cfg, char kernel[PATH_MAX], char modules[PATH_MAX],
		    struct vb_error *err)
{
	if (cfg->kernel_path)
		snprintf(kernel, PATH_MAX, "%s", cfg->kernel_path);
	else
		kvm_default_guest_path("vmlinuz", kernel, PATH_MAX);
	if (cfg->modules_dir)
		snprintf(modules, PATH_MAX, "%s", cfg->modules_dir);
	else
		kvm_default_guest_path(NULL, modules, PATH_MAX);
	if (access(kernel, R_OK) < 0)
		return error_set(err,
				 "guest kernel %s is missing (run `make guest` or pass --kernel)",
				 kernel);
	return 0;
}

static int kvm_probe(const struct backend_config *cfg, struct vb_error *err)
{
	return probe_kvm(cfg ? cfg->force : false, err);
}

static int kvm_start(const struct backend_config *cfg, struct backend_instance **out,
		     struct vb_error *err)
{
	*out = NULL;
	if (probe_kvm(cfg->force, err) < 0)
		return -1;
	struct backend_instance *inst = calloc(1, sizeof(*inst));
	if (!inst)
		return error_set(err, "kvm: out of memory");
	/* Until the VMM has a process of its own, the harness's memory is subtracted. Reading smaps
	 * takes about 0.2 ms, inside the harness's start-up clock: small beside a boot. */
	if (footprint_measure(0, 0, &inst->before, &inst->before_err) < 0)
		inst->before.rss_bytes = UINT64_MAX;
	inst->start_ns = clock_now_ns();
	inst->disk = cfg->disk_path != NULL;
	inst->network = cfg->network;
	char modules[PATH_MAX];
	if (kvm_guest_paths(cfg, inst->kernel, modules, err) < 0) {
		free(inst);
		return -1;
	}
	struct machine_config mc = {
		.ncpus = cfg->ncpus ? cfg->ncpus : 1,
		.cpu_list = cfg->ncpus ? cfg->cpu_list : NULL,
		.ncpu_list = cfg->ncpus,
		.memory_bytes =
			cfg->memory_bytes ? cfg->memory_bytes : BACKEND_DEFAULT_MEMORY_BYTES,
		.kernel_path = inst->kernel,
		.agent_path = cfg->agent_path,
		.modules_dir = modules,
		.disk_path = cfg->disk_path,
		.network = cfg->network,
		.console_fd = cfg->verbose ? STDERR_FILENO : -1,
		.quiet = !cfg->verbose,
	};
	inst->ncpus = mc.ncpus;
	inst->memory_bytes = mc.memory_bytes;
	if (machine_start(&mc, &inst->machine, err) < 0) {
		free(inst);
		return error_prefix(err, "kvm: ");
	}
	*out = inst;
	return 0;
}

static void kvm_channel(struct backend_instance *inst, int *rfd, int *wfd)
{
	*rfd = *wfd = inst->machine->channel_fd;
}

/* The VMM's own resident memory: growth since before the VM, without the guest RAM mapping's. */
static double kvm_overhead_bytes(struct backend_instance *inst, char *why, size_t len)
{
	const struct memory *mem = &inst->machine->vm->mem;
	struct footprint now;
	struct vb_error err;
	if (inst->before.rss_bytes == UINT64_MAX) {
		snprintf(why, len, "no baseline: %.100s", inst->before_err.message);
		return NAN;
	}
	if (footprint_measure((uintptr_t)mem->map, mem->map_len, &now, &err) < 0) {
		snprintf(why, len, "%.100s", err.message);
		return NAN;
	}
	double bytes = footprint_vmm_bytes(&inst->before, &now);
	if (bytes < 0) {
		snprintf(why, len, "the process shrank by more than the VMM added");
		return NAN;
	}
	return bytes;
}

static void kvm_stats(struct backend_instance *inst, struct backend_stats *out)
{
	struct vm *vm = inst->machine->vm;
	/* The agent marks the boot timer just after its hello: give that write a moment to land. */
	vm_wait(vm, true, 2000);
	pthread_mutex_lock(&vm->lock);
	uint64_t ready = vm->ready_ns, started = vm->started_ns;
	pthread_mutex_unlock(&vm->lock);
	char why[160] = "";
	out->host_overhead_bytes = kvm_overhead_bytes(inst, why, sizeof(why));
	const char *kernel =
		strrchr(inst->kernel, '/') ? strrchr(inst->kernel, '/') + 1 : inst->kernel;
	snprintf(out->details, sizeof(out->details),
		 "boot-to-ready %.0f ms; %u vCPUs, %llu MiB, kernel %.100s, %llu exits (io %llu, "
		 "mmio %llu)",
		 ready ? (double)(ready - started) / 1e6 : NAN, inst->ncpus,
		 (unsigned long long)(inst->memory_bytes >> 20), kernel,
		 (unsigned long long)(vm_exit_count(vm, KVM_EXIT_IO) +
				      vm_exit_count(vm, KVM_EXIT_MMIO) +
				      vm_exit_count(vm, KVM_EXIT_HLT) +
				      vm_exit_count(vm, KVM_EXIT_INTR)),
		 (unsigned long long)vm_exit_count(vm, KVM_EXIT_IO),
		 (unsigned long long)vm_exit_count(vm, KVM_EXIT_MMIO));
	if (why[0]) {
		size_t n = strlen(out->details);
		snprintf(out->details + n, sizeof(out->details) - n,
			 "; host overhead unmeasured: %s", why);
	}
	if (inst->machine->has_blk) {
		/* How the scratch disk is served: O_DIRECT and io_uring, or why not. */
		size_t n = strlen(out->details);
		snprintf(out->details + n, sizeof(out->details) - n, "; disk %s",
			 inst->machine->blk.note);
	}
	if (inst->network && inst->machine->netns.ns_fd >= 0) {
		/* The namespace lives only as this fd; the harness's peer opens it through /proc. */
		snprintf(out->peer_netns, sizeof(out->peer_netns), "/proc/%d/fd/%d", (int)getpid(),
			 inst->machine->netns.ns_fd);
		snprintf(out->peer_addr, sizeof(out->peer_addr), "%s", TAP_HOST_ADDR);
	}
	if (inst->disk)
		snprintf(out->agent_disk_path, sizeof(out->agent_disk_path), "/dev/vda");
}

static unsigned kvm_host_counters(struct backend_instance *inst, char (*names)[48],
				  uint64_t *values, unsigned max)
{
	struct vm_exit_counts c;
	vm_exits_read(inst->machine->vm, inst->machine->stats_fds, VM_MAX_VCPUS, &c);
	unsigned n = c.n < max ? c.n : max;
	for (unsigned i = 0; i < n; i++) {
		snprintf(names[i], 48, "%s", c.name[i]);
		values[i] = c.value[i];
	}
	return n;
}

static bool kvm_alive(struct backend_instance *inst)
{
	return __atomic_load_n(&inst->machine->vm->status, __ATOMIC_ACQUIRE) == VM_STATUS_RUNNING;
}

static void kvm_stop(struct backend_instance *inst)
{
	if (!inst)
		return;
	struct vm *vm = inst->machine->vm;
	/* A VM stopped while serving, or powered off, needs no comment; any other end gets its reason. */
	vm_stop(vm);
	enum vm_status s = vm->status;
	if (!vm->ready_ns || (s != VM_STATUS_POWER_OFF && s != VM_STATUS_STOPPED)) {
		char why[2600];
		machine_describe_end(inst->machine, why, sizeof(why));
		fprintf(stderr, "vbench kvm: %s\n", why);
	}
	machine_destroy(inst->machine);
	free(inst);
}

const struct backend_ops kvm_backend = {
	.name = "kvm",
	.description = "Linux VM on vbench's own KVM VMM (virtio-mmio, ACPI)",
	.ready_timeout_ms = 600000,
	.provides = BACKEND_PROVIDES_DISK | BACKEND_PROVIDES_NETWORK | BACKEND_PROVIDES_KERNEL,
	.probe = kvm_probe,
	.start = kvm_start,
	.channel = kvm_channel,
	.stats = kvm_stats,
	.alive = kvm_alive,
	.stop = kvm_stop,
	.host_counters = kvm_host_counters,
};
