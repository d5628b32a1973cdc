/*
 * kvm backend: the agent as /init of a Linux VM on vbench's own VMM (backends/kvm/machine.c), or,
 * where KVM emulates guest ring 0 (PVM) and Linux cannot boot, the agent's cpu and mem workloads in
 * a bare guest with no kernel, in ring 3 (backends/kvm/bare.c). Each VM runs in a process of its own
 * under a seccomp filter (backends/kvm/vmm-process.c); this file is what runs in that process.
 */
#include "backends/kvm/vmm-process.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backends/kvm/bare.h"
#include "backends/kvm/exits.h"
#include "common/clock.h"
#include "common/path.h"
#include "backends/kvm/footprint.h"
#include "backends/kvm/kvm.h"
#include "backends/kvm/machine.h"
#include "backends/kvm/probe.h"
#include "backends/kvm/seccomp.h"

struct kvm_vmm {
	struct machine *machine; /* a Linux guest, or */
	struct bare_vm *bare;	 /* a bare guest */
	struct vm *vm;		 /* either's */
	int stats_fds[VM_MAX_VCPUS];
	uint64_t page_bytes;
	uint64_t memory_bytes;
	unsigned ncpus;
	uint64_t
		start_ns; /* when start was asked for: start-up time counts initramfs and VM set-up too */
	bool disk, network;
	/* The VMM process's resident memory and page tables just after it was forked: what it shares
	 * with the harness, copy-on-write, is the harness's. */
	struct footprint before;
	uint64_t before_page_tables;
	struct vb_error before_err; /* why there is no baseline ("" = there is one) */
	FILE *smaps, *status;	    /* this process's, opened before the seccomp filter */
	int report_fd;		    /* where the filter reports a denied system call */
	bool caller_says_end;	    /* `vbench vm`: its caller says how the VM ended */
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

/* The bare guest's image: $VBENCH_BARE, or vbench-bare beside vbench. */
static void kvm_bare_image(char *out, size_t len)
{
	const char *env = getenv("VBENCH_BARE");
	if (env && *env)
		snprintf(out, len, "%s", env);
	else
		path_beside_self("vbench-bare", "build/vbench", out, len);
}

/* "kvm:linux", "kvm:bare", "kvm:auto": the guest mode a backend's name asks for. */
static int kvm_mode_of_argument(const char *argument, enum backend_vm_mode *mode,
				struct vb_error *err)
{
	static const struct {
		const char *name;
		enum backend_vm_mode mode;
	} modes[] = { { "linux", BACKEND_VM_LINUX },
		      { "bare", BACKEND_VM_BARE },
		      { "auto", BACKEND_VM_AUTO } };
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argument, modes[i].name) == 0) {
			*mode = modes[i].mode;
			return 0;
		}
	return error_set(err, "kvm's guest is linux, bare or auto, not \"%s\"", argument);
}

static int kvm_check_argument(const char *argument, struct vb_error *err)
{
	enum backend_vm_mode mode;
	return kvm_mode_of_argument(argument, &mode, err);
}

/*
 * Which guest this run gets: the one asked for (kvm:MODE, else --vm-mode), or with auto, a Linux guest where the probe finds
 * ring 0 running at hardware speed and a bare guest where KVM emulates it (ring 3 runs natively
 * there). -1 with the reason when KVM cannot run at all, or cannot run the mode asked for.
 */
static int kvm_resolve_mode(const struct backend_config *cfg, enum backend_vm_mode *mode,
			    struct vb_error *err)
{
	enum backend_vm_mode want = cfg ? cfg->vm_mode : BACKEND_VM_AUTO;
	if (cfg && cfg->argument && kvm_mode_of_argument(cfg->argument, &want, err) < 0)
		return -1;
	bool force = cfg ? cfg->force : false;
	struct vb_error reason;
	enum probe_verdict v = probe_kvm_verdict(&reason);
	if (v == PROBE_BROKEN) {
		if (err)
			*err = reason;
		return -1;
	}
	if (want == BACKEND_VM_LINUX) {
		*mode = BACKEND_VM_LINUX;
		return probe_kvm(force, err);
	}
	*mode = want == BACKEND_VM_BARE || v == PROBE_EMULATED ? BACKEND_VM_BARE : BACKEND_VM_LINUX;
	if (*mode == BACKEND_VM_BARE) {
		char image[PATH_MAX];
		kvm_bare_image(image, sizeof(image));
		if (access(image, R_OK) < 0)
			return error_set(err, "the bare guest %s is missing (run `make`)", image);
		if (err && want == BACKEND_VM_BARE)
			error_set(err,
				  "bare guest (asked for): cpu and mem workloads in ring 3, no "
				  "kernel");
		else if (err) {
			char *hint = strstr(reason.message, "; use --force");
			if (hint)
				*hint = '\0'; /* a Linux guest is asked for with --vm-mode linux */
			error_set(err,
				  "bare guest: cpu and mem workloads in ring 3, no kernel, "
				  "since %s (--vm-mode linux --force boots Linux anyway)",
				  reason.message);
		}
	}
	return 0;
}

static int kvm_probe(const struct backend_config *cfg, struct vb_error *err)
{
	enum backend_vm_mode mode;
	return kvm_resolve_mode(cfg, &mode, err);
}

/* Just before the vCPUs run: from here on the guest can reach only what the filter allows. */
static int kvm_seccomp(void *opaque, struct vb_error *err)
{
	return vmm_seccomp_install(*(int *)opaque, err);
}

static int kvm_start_bare(const struct backend_config *cfg, struct kvm_vmm *inst,
			  struct vb_error *err)
{
	char image[PATH_MAX];
	kvm_bare_image(image, sizeof(image));
	inst->page_bytes = cfg->guest_page_bytes ? cfg->guest_page_bytes : BARE_PAGE_2M;
	struct bare_config bc = {
		.ncpus = cfg->ncpus ? cfg->ncpus : 1,
		.cpu_list = cfg->ncpus && !cfg->vm_console ? cfg->cpu_list : NULL,
		.ncpu_list = cfg->vm_console ? 0 : cfg->ncpus,
		.memory_bytes =
			cfg->memory_bytes ? cfg->memory_bytes : BACKEND_DEFAULT_MEMORY_BYTES,
		.page_bytes = inst->page_bytes,
		.image_path = image,
		.stats_fds = inst->stats_fds,
		.before_run = kvm_seccomp,
		.before_run_opaque = &inst->report_fd,
	};
	inst->ncpus = bc.ncpus;
	inst->memory_bytes = bc.memory_bytes;
	snprintf(inst->kernel, sizeof(inst->kernel), "none (bare guest)");
	if (bare_start(&bc, &inst->bare, err) < 0) {
		vm_exits_close(inst->stats_fds, VM_MAX_VCPUS);
		return error_prefix(err, "kvm (bare guest): ");
	}
	inst->vm = inst->bare->vm;
	return 0;
}

static void kvm_vmm_free(struct kvm_vmm *inst)
{
	if (inst->smaps)
		fclose(inst->smaps);
	if (inst->status)
		fclose(inst->status);
	free(inst);
}

void kvm_prepare_kernel(const struct backend_config *cfg)
{
	enum backend_vm_mode mode;
	char kernel[PATH_MAX], modules[PATH_MAX];
	if (kvm_resolve_mode(cfg, &mode, NULL) == 0 && mode == BACKEND_VM_LINUX &&
	    kvm_guest_paths(cfg, kernel, modules, NULL) == 0)
		machine_prepare_kernel(kernel);
}

int kvm_vmm_start(const struct backend_config *cfg, int report_fd, struct kvm_vmm **out,
		  struct vb_error *err)
{
	*out = NULL;
	enum backend_vm_mode mode;
	if (kvm_resolve_mode(cfg, &mode, err) < 0)
		return -1;
	struct kvm_vmm *inst = calloc(1, sizeof(*inst));
	if (!inst)
		return error_set(err, "kvm: out of memory");
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		inst->stats_fds[i] = -1;
	inst->report_fd = report_fd;
	inst->caller_says_end = cfg->vm_console;
	/* Opened now: once the filter is on, this process opens nothing. Reading smaps takes about
	 * 0.2 ms, inside the harness's start-up clock: small beside a boot. */
	inst->smaps = fopen("/proc/self/smaps", "re");
	inst->status = fopen("/proc/self/status", "re");
	if (!inst->smaps || !inst->status) {
		error_set_errno(&inst->before_err, "open /proc/self/smaps and status");
		inst->before.rss_bytes = UINT64_MAX;
	} else if (footprint_measure_file(inst->smaps, 0, 0, &inst->before, &inst->before_err) <
			   0 ||
		   footprint_page_table_bytes(inst->status, &inst->before_page_tables,
					      &inst->before_err) < 0)
		inst->before.rss_bytes = UINT64_MAX;
	inst->start_ns = clock_now_ns();
	if (mode == BACKEND_VM_BARE) {
		if (kvm_start_bare(cfg, inst, err) < 0) {
			kvm_vmm_free(inst);
			return -1;
		}
		*out = inst;
		return 0;
	}
	inst->disk = cfg->disk_path != NULL;
	inst->network = cfg->network;
	char modules[PATH_MAX];
	if (kvm_guest_paths(cfg, inst->kernel, modules, err) < 0) {
		kvm_vmm_free(inst);
		return -1;
	}
	struct machine_config mc = {
		.ncpus = cfg->ncpus ? cfg->ncpus : 1,
		.cpu_list = cfg->ncpus && !cfg->vm_console ? cfg->cpu_list : NULL,
		.ncpu_list = cfg->vm_console ? 0 : cfg->ncpus,
		.memory_bytes =
			cfg->memory_bytes ? cfg->memory_bytes : BACKEND_DEFAULT_MEMORY_BYTES,
		.kernel_path = inst->kernel,
		.initrd_path = cfg->initrd_path,
		.agent_path = cfg->agent_path,
		.modules_dir = modules,
		.cmdline = cfg->cmdline,
		.disk_path = cfg->disk_path,
		.network = cfg->network,
		.console_fd = cfg->vm_console ? STDOUT_FILENO
			      : cfg->verbose  ? STDERR_FILENO
					      : -1,
		.quiet = !cfg->verbose && !cfg->vm_console,
		.before_run = kvm_seccomp,
		.before_run_opaque = &inst->report_fd,
	};
	inst->ncpus = mc.ncpus;
	inst->memory_bytes = mc.memory_bytes;
	if (machine_start(&mc, &inst->machine, err) < 0) {
		kvm_vmm_free(inst);
		return error_prefix(err, "kvm: ");
	}
	inst->vm = inst->machine->vm;
	*out = inst;
	return 0;
}

int *kvm_vmm_channel(struct kvm_vmm *inst)
{
	return inst->bare ? &inst->bare->channel_fd : &inst->machine->channel_fd;
}

/* The VMM's own resident memory: growth since before the VM, without the guest RAM mapping's. */
static double kvm_overhead_bytes(struct kvm_vmm *inst, char *why, size_t len)
{
	const struct memory *mem = &inst->vm->mem;
	struct footprint now;
	struct vb_error err;
	if (inst->before.rss_bytes == UINT64_MAX) {
		snprintf(why, len, "no baseline: %.100s", inst->before_err.message);
		return NAN;
	}
	uint64_t page_tables;
	if (footprint_measure_file(inst->smaps, (uintptr_t)mem->map, mem->map_len, &now, &err) <
		    0 ||
	    footprint_page_table_bytes(inst->status, &page_tables, &err) < 0) {
		snprintf(why, len, "%.100s", err.message);
		return NAN;
	}
	double bytes = footprint_vmm_bytes(&inst->before, &now);
	if (bytes < 0) {
		snprintf(why, len, "the process shrank by more than the VMM added");
		return NAN;
	}
	/* The page tables the VMM process added, guest RAM's included: the host pays for them. */
	if (page_tables > inst->before_page_tables)
		bytes += (double)(page_tables - inst->before_page_tables);
	return bytes;
}

/* A bare guest: no kernel, so no disk, no network and none of the workloads that need a kernel. */
static void kvm_stats_bare(struct kvm_vmm *inst, struct backend_stats *out, double ready_ms)
{
	struct vm *vm = inst->vm;
	char why[160] = "";
	out->host_overhead_bytes = kvm_overhead_bytes(inst, why, sizeof(why));
	snprintf(out->mode, sizeof(out->mode), "bare guest");
	out->lacks = BACKEND_PROVIDES_KERNEL | BACKEND_PROVIDES_DISK | BACKEND_PROVIDES_NETWORK;
	snprintf(out->lacks_note, sizeof(out->lacks_note), "bare guest: no guest kernel");
	snprintf(out->details, sizeof(out->details),
		 "bare guest (ring 3, no kernel), %s pages; start-to-hello %.1f ms; %u vCPUs, %llu "
		 "MiB, TSC %llu kHz; %llu exits to the VMM",
		 bare_page_size_name(inst->page_bytes), ready_ms, inst->ncpus,
		 (unsigned long long)(inst->memory_bytes >> 20),
		 (unsigned long long)inst->bare->tsc_khz,
		 (unsigned long long)(vm_exit_count(vm, KVM_EXIT_IO) +
				      vm_exit_count(vm, KVM_EXIT_MMIO)));
	if (why[0]) {
		size_t n = strlen(out->details);
		snprintf(out->details + n, sizeof(out->details) - n,
			 "; host overhead unmeasured: %s", why);
	}
}

void kvm_vmm_stats(struct kvm_vmm *inst, struct backend_stats *out)
{
	struct vm *vm = inst->vm;
	/* The agent marks the boot timer just after its hello: give that write a moment to land. */
	vm_wait(vm, true, 2000);
	pthread_mutex_lock(&vm->lock);
	uint64_t ready = vm->ready_ns, started = vm->started_ns;
	pthread_mutex_unlock(&vm->lock);
	if (inst->bare) {
		kvm_stats_bare(inst, out, ready ? (double)(ready - started) / 1e6 : NAN);
		return;
	}
	char why[160] = "";
	out->host_overhead_bytes = kvm_overhead_bytes(inst, why, sizeof(why));
	const char *kernel =
		strrchr(inst->kernel, '/') ? strrchr(inst->kernel, '/') + 1 : inst->kernel;
	snprintf(out->details, sizeof(out->details),
		 "boot-to-ready %.0f ms; %u vCPUs, %llu MiB, kernel %.40s (%.48s), %llu exits (io "
		 "%llu, mmio %llu)",
		 ready ? (double)(ready - started) / 1e6 : NAN, inst->ncpus,
		 (unsigned long long)(inst->memory_bytes >> 20), kernel, inst->machine->kernel_note,
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

void kvm_vmm_counters(struct kvm_vmm *inst, struct vm_exit_counts *out)
{
	vm_exits_read(inst->vm, inst->bare ? inst->stats_fds : inst->machine->stats_fds,
		      VM_MAX_VCPUS, out);
}

bool kvm_vmm_running(struct kvm_vmm *inst)
{
	return __atomic_load_n(&inst->vm->status, __ATOMIC_ACQUIRE) == VM_STATUS_RUNNING;
}

size_t kvm_vmm_describe_end(struct kvm_vmm *inst, char *out, size_t len)
{
	struct vm *vm = inst->vm;
	pthread_mutex_lock(&vm->lock);
	int n = vm->status == VM_STATUS_RUNNING ? 0
						: snprintf(out, len, "%s (%s)", vm->status_detail,
							   vm_status_name(vm->status));
	pthread_mutex_unlock(&vm->lock);
	return n > 0 ? (size_t)n : 0;
}

bool kvm_vmm_end(struct kvm_vmm *inst, int *status, char *out, size_t len)
{
	struct vm *vm = inst->vm;
	enum vm_status s = __atomic_load_n(&vm->status, __ATOMIC_ACQUIRE);
	bool panicked = false;
	if (inst->machine)
		panicked = machine_describe_end(inst->machine, out, len);
	else {
		pthread_mutex_lock(&vm->lock);
		snprintf(out, len, "bare guest: %s (%s)", vm->status_detail, vm_status_name(s));
		pthread_mutex_unlock(&vm->lock);
	}
	*status = (int)s;
	return panicked || s == VM_STATUS_PANIC || s == VM_STATUS_TRIPLE_FAULT ||
	       s == VM_STATUS_INTERNAL_ERROR || s == VM_STATUS_FAULT;
}

void kvm_vmm_stop(struct kvm_vmm *inst)
{
	if (!inst)
		return;
	struct vm *vm = inst->vm;
	/* A VM stopped while serving, or powered off, needs no comment; any other end gets its reason. */
	vm_stop(vm);
	if (inst->bare) {
		enum vm_status s = vm->status;
		if (s != VM_STATUS_POWER_OFF && s != VM_STATUS_STOPPED && !inst->caller_says_end)
			fprintf(stderr, "vbench kvm (bare guest): %s: %s\n", vm_status_name(s),
				vm->status_detail);
		vm_exits_close(inst->stats_fds, VM_MAX_VCPUS);
		bare_destroy(inst->bare);
		kvm_vmm_free(inst);
		return;
	}
	enum vm_status s = vm->status;
	if (!inst->caller_says_end &&
	    (!vm->ready_ns || (s != VM_STATUS_POWER_OFF && s != VM_STATUS_STOPPED))) {
		char why[2600];
		machine_describe_end(inst->machine, why, sizeof(why));
		fprintf(stderr, "vbench kvm: %s\n", why);
	}
	machine_destroy(inst->machine);
	kvm_vmm_free(inst);
}

const struct backend_ops kvm_backend = {
	.name = "kvm",
	.description = "VM on vbench's own KVM VMM: a Linux guest (virtio-mmio, ACPI), or a bare "
		       "guest in ring 3 where KVM emulates ring 0",
	.ready_timeout_ms = 600000,
	/* Both guest kinds serve the vm.exit port and MMIO page (machine.c, bare.c). */
	.provides = BACKEND_PROVIDES_DISK | BACKEND_PROVIDES_NETWORK | BACKEND_PROVIDES_KERNEL |
		    BACKEND_PROVIDES_VMM,
	/* kvm:linux and kvm:bare side by side: what the guest kernel costs, interleaved */
	.takes_argument = true,
	.argument_optional = true,
	.check_argument = kvm_check_argument,
	.probe = kvm_probe,
	.start = vmm_process_start,
	.channel = vmm_process_channel,
	.stats = vmm_process_stats,
	.alive = vmm_process_alive,
	.stop = vmm_process_stop,
	.describe_end = vmm_process_describe_end,
	.host_counters = vmm_process_host_counters,
};
