/* qemu backend: the same kernel and initramfs as kvm, booted by QEMU's microvm on KVM, as a reference VMM. */
#include "backends/backend.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/child.h"
#include "backends/cpus.h"
#include "common/clock.h"
#include "backends/kvm/footprint.h"
#include "backends/kvm/kvm.h"
#include "backends/kvm/machine.h"
#include "backends/kvm/tap.h"
#include "backends/kvm/probe.h"

/* The fds QEMU finds its agent socket and TAP on (named in its command line). */
#define QEMU_CHANNEL_FD 3
#define QEMU_TAP_FD	4

struct backend_instance {
	pid_t pid;
	bool exited;
	int status;
	int channel_fd;
	struct tap_netns netns;
	char dir[PATH_MAX];
	char initrd[PATH_MAX + 16], console[PATH_MAX + 16], log[PATH_MAX + 16];
	unsigned ncpus;
	unsigned cpu_list[BACKEND_MAX_CPUS];
	uint64_t memory_bytes, qemu_memory_bytes; /* asked for; given to QEMU */
	bool disk, network, pinned;
	bool ready; /* the agent said hello (stats is asked for after it) */
};

/* QEMU comes from $VBENCH_QEMU or PATH; $VBENCH_QEMU_ACCEL=tcg lets the backend be tried without KVM. */
static const char *qemu_binary(void)
{
	const char *env = getenv("VBENCH_QEMU");
	return env && *env ? env : "qemu-system-x86_64";
}

static bool qemu_accel_is_kvm(void)
{
	const char *accel = getenv("VBENCH_QEMU_ACCEL");
	return !accel || !*accel || strcmp(accel, "kvm") == 0;
}

/* The host's TSC rate, timed against CLOCK_MONOTONIC over 50 ms. */
static unsigned long long qemu_host_tsc_khz(void)
{
	struct timespec pause = { 0, 50 * 1000 * 1000 };
	uint64_t t0 = clock_now_ns();
	unsigned long long c0 = __builtin_ia32_rdtsc();
	nanosleep(&pause, NULL);
	unsigned long long c1 = __builtin_ia32_rdtsc();
	double ns = (double)(clock_now_ns() - t0);
	return (unsigned long long)((c1 - c0) / ns * 1e6);
}

static bool qemu_on_path(const char *name)
{
	if (strchr(name, '/'))
		return access(name, X_OK) == 0;
	const char *path = getenv("PATH");
	char buf[PATH_MAX];
	while (path && *path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
		if (access(buf, X_OK) == 0)
			return true;
		path += n + (path[n] == ':');
	}
	return false;
}

static int qemu_probe(const struct backend_config *cfg, struct vb_error *err)
{
	if (!qemu_on_path(qemu_binary()))
		return error_set(err, "%s is not installed (apt-get install qemu-system-x86)",
				 qemu_binary());
	/* The same verdict as kvm: where KVM cannot boot Linux, neither can QEMU on it. */
	if (qemu_accel_is_kvm())
		return probe_kvm(cfg ? cfg->force : false, err);
	return 0;
}

static void qemu_cleanup_files(struct backend_instance *inst)
{
	if (!inst->dir[0])
		return;
	unlink(inst->initrd);
	unlink(inst->console);
	unlink(inst->log);
	rmdir(inst->dir);
	inst->dir[0] = 0;
}

/* A child: pinned, QEMU's fds in place, then exec. Never returns. */
static void qemu_exec(struct backend_instance *inst, char **argv, int channel, int tap,
		      pid_t parent)
{
	/* QEMU must not outlive vbench */
	backend_child_prepare(parent, inst->cpu_list, inst->ncpus, "qemu");
	/* Every fd opened here is close-on-exec; dup2 clears that flag on the copies QEMU is to keep. */
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int log = open(inst->log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (null < 0 || log < 0 || dup2(null, 0) < 0 || dup2(log, 1) < 0 || dup2(log, 2) < 0)
		_exit(127);
	/* Move the two fds clear of 3 and 4 first, then into place. */
	int c = fcntl(channel, F_DUPFD_CLOEXEC, 10);
	int t = tap >= 0 ? fcntl(tap, F_DUPFD_CLOEXEC, 10) : -1;
	if (c < 0 || dup2(c, QEMU_CHANNEL_FD) < 0 || (tap >= 0 && dup2(t, QEMU_TAP_FD) < 0))
		_exit(127);
	execvp(argv[0], argv);
	fprintf(stderr, "vbench qemu: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int qemu_start(const struct backend_config *cfg, struct backend_instance **out,
		      struct vb_error *err)
{
	*out = NULL;
	if (qemu_probe(cfg, err) < 0)
		return -1;
	struct backend_instance *inst = calloc(1, sizeof(*inst));
	if (!inst)
		return error_set(err, "qemu: out of memory");
	inst->channel_fd = -1;
	inst->netns.ns_fd = inst->netns.tap_fd = -1;
	inst->ncpus = cfg->ncpus;
	memcpy(inst->cpu_list, cfg->cpu_list, sizeof(inst->cpu_list));
	inst->memory_bytes = cfg->memory_bytes ? cfg->memory_bytes : BACKEND_DEFAULT_MEMORY_BYTES;
	inst->disk = cfg->disk_path != NULL;
	inst->network = cfg->network;
	int agent_end = -1;

	char kernel[PATH_MAX], modules[PATH_MAX];
	if (kvm_guest_paths(cfg, kernel, modules, err) < 0)
		goto fail;
	snprintf(inst->dir, sizeof(inst->dir), "%s/qemu-XXXXXX",
		 cfg->run_dir ? cfg->run_dir : "/tmp");
	if (!mkdtemp(inst->dir)) {
		error_set_errno(err, "qemu: create a directory in %s",
				cfg->run_dir ? cfg->run_dir : "/tmp");
		inst->dir[0] = 0;
		goto fail;
	}
	snprintf(inst->initrd, sizeof(inst->initrd), "%s/initramfs", inst->dir);
	snprintf(inst->console, sizeof(inst->console), "%s/console", inst->dir);
	snprintf(inst->log, sizeof(inst->log), "%s/qemu.log", inst->dir);
	/* The very initramfs the kvm backend boots: the same agent as /init, the same modules. */
	struct machine_config mc = { .agent_path = cfg->agent_path, .modules_dir = modules };
	if (machine_write_initramfs(&mc, inst->initrd, err) < 0) {
		error_prefix(err, "qemu: ");
		goto fail;
	}
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		error_set_errno(err, "qemu: socketpair");
		goto fail;
	}
	inst->channel_fd = sv[0];
	agent_end = sv[1];
	if (cfg->network && tap_create(&inst->netns, err) < 0) {
		error_prefix(err, "qemu: ");
		goto fail;
	}

	char cmdline[1024], smp[16], mem[32], serial[PATH_MAX + 32], drive[PATH_MAX + 96];
	machine_default_cmdline(!cfg->verbose, cfg->network, cmdline, sizeof(cmdline));
	if (!qemu_accel_is_kvm()) {
		/* Emulated, the guest's TSC runs at the host's rate, but a busy host makes the kernel's
		 * calibration against the PIT fail, and microvm has no HPET or PM timer to fall back to:
		 * the boot then stops for good. Tell the kernel the rate instead. */
		size_t used = strlen(cmdline);
		snprintf(cmdline + used, sizeof(cmdline) - used, " tsc_early_khz=%llu",
			 qemu_host_tsc_khz());
	}
	snprintf(smp, sizeof(smp), "%u", cfg->ncpus ? cfg->ncpus : 1);
	/* At exactly 2 GiB QEMU (10.0) loads the initramfs at the kernel's initrd limit, 2 GiB, over
	 * the ACPI tables qboot put at the top of RAM: the tail of the initramfs (the last module)
	 * and the device tables are corrupt. One more MiB moves the tables above that limit. */
	inst->qemu_memory_bytes = inst->memory_bytes == (2ull << 30)
					  ? inst->memory_bytes + (1ull << 20)
					  : inst->memory_bytes;
	snprintf(mem, sizeof(mem), "%lluM", (unsigned long long)(inst->qemu_memory_bytes >> 20));
	snprintf(serial, sizeof(serial), "file:%s", inst->console);
	char *argv[64];
	int n = 0;
	argv[n++] = (char *)qemu_binary();
	argv[n++] = "-nodefaults";
	argv[n++] = "-no-user-config";
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-no-reboot";
	argv[n++] = "-M";
	argv[n++] = "microvm,acpi=on";
	argv[n++] = "-accel";
	argv[n++] = qemu_accel_is_kvm() ? "kvm" : getenv("VBENCH_QEMU_ACCEL");
	/* As vbench's VMM: the host's CPU as KVM offers it, without nested virtualization. */
	argv[n++] = "-cpu";
	argv[n++] = qemu_accel_is_kvm() ? "host,-vmx,-svm" : "max,-vmx,-svm";
	argv[n++] = "-smp";
	argv[n++] = smp;
	argv[n++] = "-m";
	argv[n++] = mem;
	argv[n++] = "-kernel";
	argv[n++] = kernel;
	argv[n++] = "-initrd";
	argv[n++] = inst->initrd;
	argv[n++] = "-append";
	argv[n++] = cmdline;
	argv[n++] = "-serial";
	argv[n++] = serial;
	argv[n++] = "-chardev";
	argv[n++] = "socket,id=agent,fd=" /* QEMU_CHANNEL_FD */ "3";
	argv[n++] = "-device";
	argv[n++] = "virtio-serial-device,max_ports=2";
	argv[n++] = "-device";
	argv[n++] = "virtserialport,chardev=agent,name=vbench.agent";
	if (cfg->disk_path) {
		/* O_DIRECT on the host and the guest's queue depth kept: what users run in production. */
		snprintf(drive, sizeof(drive),
			 "file=%s,format=raw,if=none,id=disk0,cache=none,aio=io_uring",
			 cfg->disk_path);
		argv[n++] = "-drive";
		argv[n++] = drive;
		argv[n++] = "-device";
		argv[n++] = "virtio-blk-device,drive=disk0";
	}
	if (cfg->network) {
		argv[n++] = "-netdev";
		argv[n++] = "tap,id=net0,fd=" /* QEMU_TAP_FD */ "4";
		argv[n++] = "-device";
		argv[n++] = "virtio-net-device,netdev=net0";
	}
	argv[n] = NULL;

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		error_set_errno(err, "qemu: fork");
		goto fail;
	}
	if (pid == 0)
		qemu_exec(inst, argv, agent_end, inst->netns.tap_fd, parent);
	inst->pid = pid;
	close(agent_end);
	/* QEMU holds the TAP now; the namespace stays ours for the peer. */
	if (inst->netns.tap_fd >= 0) {
		close(inst->netns.tap_fd);
		inst->netns.tap_fd = -1;
	}
	*out = inst;
	return 0;
fail:
	if (agent_end >= 0)
		close(agent_end);
	if (inst->channel_fd >= 0)
		close(inst->channel_fd);
	tap_destroy(&inst->netns);
	qemu_cleanup_files(inst);
	free(inst);
	return -1;
}

static void qemu_channel(struct backend_instance *inst, int *rfd, int *wfd)
{
	*rfd = *wfd = inst->channel_fd;
}

/* Each vCPU thread ("CPU N/KVM") on its own CPU of the run, as the kvm backend pins its vCPUs. */
static void qemu_pin_vcpus(struct backend_instance *inst)
{
	if (inst->pinned || !inst->ncpus)
		return;
	inst->pinned = true;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)inst->pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		char comm_path[PATH_MAX], comm[64] = "";
		snprintf(comm_path, sizeof(comm_path), "%s/%s/comm", path, e->d_name);
		FILE *f = fopen(comm_path, "r");
		if (!f)
			continue;
		unsigned index;
		if (fgets(comm, sizeof(comm), f) && sscanf(comm, "CPU %u/", &index) == 1) {
			cpu_set_t set;
			CPU_ZERO(&set);
			CPU_SET(inst->cpu_list[index % inst->ncpus], &set);
			sched_setaffinity(atoi(e->d_name), sizeof(set), &set);
		}
		fclose(f);
	}
	closedir(d);
}

/* QEMU's memory beyond the guest RAM it backs: all resident memory but the RAM mapping's, and its
 * page tables (as for kvm's VMM process). */
static double qemu_overhead_bytes(struct backend_instance *inst)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/smaps", (int)inst->pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	unsigned long long size = 0, rss, total = 0, guest = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Size: %llu kB", &size) == 1)
			continue;
		if (sscanf(line, "Rss: %llu kB", &rss) == 1) {
			total += rss;
			/* The guest RAM is one mapping of at least the VM's memory size. */
			if ((size << 10) >= inst->qemu_memory_bytes && rss > guest)
				guest = rss;
		}
	}
	fclose(f);
	uint64_t page_tables = 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)inst->pid);
	f = fopen(path, "r");
	if (f) {
		struct vb_error err;
		if (footprint_page_table_bytes(f, &page_tables, &err) < 0)
			page_tables = 0;
		fclose(f);
	}
	return total >= guest ? (double)((total - guest) << 10) + (double)page_tables : -1;
}

static void qemu_stats(struct backend_instance *inst, struct backend_stats *out)
{
	memset(out, 0, sizeof(*out));
	inst->ready = true;
	qemu_pin_vcpus(inst);
	out->startup_ms = -1; /* the harness measures start to hello */
	double overhead = qemu_overhead_bytes(inst);
	out->host_overhead_bytes = overhead >= 0 ? overhead : 0.0 / 0.0;
	char cpus[256] = "";
	cpus_format_list(inst->cpu_list, inst->ncpus, cpus, sizeof(cpus));
	snprintf(out->details, sizeof(out->details),
		 "QEMU microvm (%s), pid %d, %u vCPUs pinned to %.100s, %llu MiB%s",
		 qemu_accel_is_kvm() ? "KVM" : getenv("VBENCH_QEMU_ACCEL"), (int)inst->pid,
		 inst->ncpus, cpus, (unsigned long long)(inst->qemu_memory_bytes >> 20),
		 inst->qemu_memory_bytes != inst->memory_bytes
			 ? " (1 MiB more: a QEMU bug at 2 GiB)"
			 : "");
	if (inst->network && inst->netns.ns_fd >= 0) {
		snprintf(out->peer_netns, sizeof(out->peer_netns), "/proc/%d/fd/%d", (int)getpid(),
			 inst->netns.ns_fd);
		snprintf(out->peer_addr, sizeof(out->peer_addr), "%s", TAP_HOST_ADDR);
	}
	if (inst->disk)
		snprintf(out->agent_disk_path, sizeof(out->agent_disk_path), "/dev/vda");
}

static bool qemu_alive(struct backend_instance *inst)
{
	if (inst->exited)
		return false;
	if (waitpid(inst->pid, &inst->status, WNOHANG) == inst->pid)
		inst->exited = true;
	return !inst->exited;
}

/* The console's last lines, for a VM that ended on its own. */
static void qemu_explain_end(struct backend_instance *inst)
{
	char tail[2048] = "";
	int fd = open(inst->console, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		off_t size = lseek(fd, 0, SEEK_END);
		off_t from = size > (off_t)sizeof(tail) - 1 ? size - (off_t)sizeof(tail) + 1 : 0;
		ssize_t got = pread(fd, tail, sizeof(tail) - 1, from);
		tail[got > 0 ? got : 0] = 0;
		close(fd);
	}
	if (inst->ready && strstr(tail, "reboot: Power down"))
		return; /* the agent powered the VM off: the normal end */
	const char *what = strstr(tail, "reboot: Power down")
				   ? "the guest powered off before its agent said hello"
			   : strstr(tail, "Kernel panic")      ? "the guest kernel panicked"
			   : strstr(tail, "Restarting system") ? "the guest rebooted"
			   : WIFSIGNALED(inst->status) && WTERMSIG(inst->status) == SIGKILL
				   ? "the guest never got ready (QEMU stopped by vbench)"
			   : WIFEXITED(inst->status) && WEXITSTATUS(inst->status) == 0
				   ? "the VM reset without a word from its kernel (a triple fault)"
				   : "QEMU failed";
	fprintf(stderr, "vbench qemu: %s (QEMU %s %d); last console lines:\n%s\n", what,
		WIFEXITED(inst->status) ? "exited with" : "killed by signal",
		WIFEXITED(inst->status) ? WEXITSTATUS(inst->status) : WTERMSIG(inst->status),
		tail[0] ? tail : "(none)");
	char log[512] = "";
	fd = open(inst->log, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t got = read(fd, log, sizeof(log) - 1);
		log[got > 0 ? got : 0] = 0;
		close(fd);
		if (log[0])
			fprintf(stderr, "vbench qemu: QEMU said: %s\n", log);
	}
}

static void qemu_stop(struct backend_instance *inst)
{
	if (!inst)
		return;
	/* Hanging up the channel makes the agent power off; give it a moment, then insist. */
	if (inst->channel_fd >= 0) {
		close(inst->channel_fd);
		inst->channel_fd = -1;
	}
	bool killed = !inst->exited && backend_child_end(inst->pid, &inst->status, 2000);
	inst->exited = true;
	/* A VM that never got ready, or that ended by itself other than by powering off, is explained
	 * (the check looks at the console, so it does not race with QEMU's exit). */
	if (!inst->ready || !killed)
		qemu_explain_end(inst);
	tap_destroy(&inst->netns);
	qemu_cleanup_files(inst);
	free(inst);
}

const struct backend_ops qemu_backend = {
	.name = "qemu",
	.description = "the kvm guest (same kernel, initramfs, agent) on QEMU's microvm with KVM: "
		       "the reference VMM",
	.ready_timeout_ms = 600000,
	.provides = BACKEND_PROVIDES_DISK | BACKEND_PROVIDES_NETWORK | BACKEND_PROVIDES_KERNEL,
	.probe = qemu_probe,
	.start = qemu_start,
	.channel = qemu_channel,
	.stats = qemu_stats,
	.alive = qemu_alive,
	.stop = qemu_stop,
};
