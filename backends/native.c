/* native backend: the agent as a plain child process, pinned with hwloc to the run's CPUs. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/child.h"
#include "backends/cpus.h"
#include "common/netif.h"

struct backend_instance {
	pid_t pid;
	int to_agent, from_agent;
	bool exited;
	int status;
	bool network;
	char disk[128];
	char cpus[256];
};

/*
 * Natively the io.net peer is reached over loopback, but inside a private network namespace
 * that only the agent and the peer share: benchmark traffic never touches the host's own.
 */
static int private_loopback(struct vb_error *err)
{
	if (unshare(CLONE_NEWNET) < 0)
		return error_set_errno(err, "unshare(CLONE_NEWNET)");
	return netif_up("lo", NULL, 0, err);
}

static int native_probe(const struct backend_config *cfg, struct vb_error *err)
{
	if (cfg && cfg->agent_path && access(cfg->agent_path, X_OK) < 0)
		return error_set_errno(err, "agent %s is not executable", cfg->agent_path);
	return 0;
}

static int native_start(const struct backend_config *cfg, struct backend_instance **out,
			struct vb_error *err)
{
	int in[2], outp[2];
	if (pipe2(in, O_CLOEXEC) < 0)
		return error_set_errno(err, "native: pipe");
	if (pipe2(outp, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return error_set_errno(err, "native: pipe");
	}
	struct backend_instance *inst = calloc(1, sizeof(*inst));
	if (!inst) {
		close(in[0]);
		close(in[1]);
		close(outp[0]);
		close(outp[1]);
		return error_set(err, "native: out of memory");
	}
	cpus_format_list(cfg->cpu_list, cfg->ncpus, inst->cpus, sizeof(inst->cpus));
	inst->network = cfg->network;
	if (cfg->disk_path)
		snprintf(inst->disk, sizeof(inst->disk), "%s", cfg->disk_path);
	/* pin before fork so the child inherits the binding from its first instruction */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int saved = errno;
		close(in[0]);
		close(in[1]);
		close(outp[0]);
		close(outp[1]);
		free(inst);
		errno = saved;
		return error_set_errno(err, "native: fork");
	}
	if (pid == 0) {
		/* the agent must not outlive vbench */
		backend_child_prepare(parent, cfg->cpu_list, cfg->ncpus, "native");
		struct vb_error cerr;
		if (cfg->network && private_loopback(&cerr) < 0) {
			fprintf(stderr, "vbench native: private network namespace: %s\n",
				cerr.message);
			_exit(127);
		}
		if (dup2(in[0], 0) < 0 || dup2(outp[1], 1) < 0)
			_exit(127);
		char *argv[] = { (char *)cfg->agent_path, NULL };
		execv(cfg->agent_path, argv);
		fprintf(stderr, "vbench native: exec %s: %s\n", cfg->agent_path, strerror(errno));
		_exit(127);
	}
	close(in[0]);
	close(outp[1]);
	inst->pid = pid;
	inst->to_agent = in[1];
	inst->from_agent = outp[0];
	*out = inst;
	return 0;
}

static void native_channel(struct backend_instance *inst, int *rfd, int *wfd)
{
	*rfd = inst->from_agent;
	*wfd = inst->to_agent;
}

static void native_stats(struct backend_instance *inst, struct backend_stats *out)
{
	memset(out, 0, sizeof(*out));
	out->startup_ms = -1;	      /* the harness measures start to hello */
	out->host_overhead_bytes = 0; /* nothing runs beside the agent */
	snprintf(out->details, sizeof(out->details), "agent pid %d pinned to CPUs %.200s",
		 (int)inst->pid, inst->cpus);
	if (inst->network) {
		snprintf(out->peer_netns, sizeof(out->peer_netns), "/proc/%d/ns/net",
			 (int)inst->pid);
		snprintf(out->peer_addr, sizeof(out->peer_addr), "127.0.0.1");
	}
	snprintf(out->agent_disk_path, sizeof(out->agent_disk_path), "%s", inst->disk);
}

static bool native_alive(struct backend_instance *inst)
{
	if (inst->exited)
		return false;
	pid_t r = waitpid(inst->pid, &inst->status, WNOHANG);
	if (r == inst->pid) {
		inst->exited = true;
		return false;
	}
	return true;
}

static void native_stop(struct backend_instance *inst)
{
	if (!inst)
		return;
	if (inst->to_agent >= 0)
		close(inst->to_agent);
	if (inst->from_agent >= 0)
		close(inst->from_agent);
	/* closing stdin makes the agent exit; give it a moment, then insist */
	if (!inst->exited && inst->pid > 0)
		backend_child_end(inst->pid, &inst->status, 100);
	free(inst);
}

const struct backend_ops native_backend = {
	.name = "native",
	.description = "bare metal: the agent as a process on the host, pinned with hwloc",
	.provides = BACKEND_PROVIDES_DISK | BACKEND_PROVIDES_NETWORK | BACKEND_PROVIDES_KERNEL,
	.bare_metal = true,
	.probe = native_probe,
	.start = native_start,
	.channel = native_channel,
	.stats = native_stats,
	.alive = native_alive,
	.stop = native_stop,
};
