/*
 * The kvm backend's VM in a process of its own: the harness forks a VMM process that builds the VM,
 * hands back the agent channel's host end and answers a control socket (stats, exit counts, the VM's
 * end), so that a guest that corrupts the VMM reaches neither the harness nor anything the seccomp
 * filter denies, and the VMM's host memory is its own process's.
 */
#include "backends/kvm/vmm-process.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/child.h"
#include "backends/kvm/seccomp.h"

/* What the harness asks, one uint32_t per message. */
enum vmm_ask {
	VMM_ASK_STATS = 1,
	VMM_ASK_COUNTERS,
	VMM_ASK_STATUS,
	VMM_ASK_END,
	VMM_ASK_QUIT, /* stop the VM and exit; no answer */
};

/* What the VMM process answers, tagged (a seccomp report may come in between). */
enum vmm_reply_tag {
	VMM_REPLY_STARTED = 0x564d0001,
	VMM_REPLY_STATS,
	VMM_REPLY_COUNTERS,
	VMM_REPLY_STATUS,
	VMM_REPLY_END,
};

struct vmm_reply {
	uint32_t tag;
	union {
		struct {
			int32_t rc; /* 0: the channel's fd rides along (SCM_RIGHTS) */
			char message[ERROR_MESSAGE_MAX];
		} started;
		struct backend_stats stats;
		struct vm_exit_counts counters;
		struct {
			int32_t running;
			char end[1024]; /* describe_end's text once it is not running */
		} status;
		struct {
			int32_t status; /* enum vm_status */
			int32_t crashed;
			char text[2600];
		} end;
	};
};

/* How long an answer may take: stats waits up to 2 s for the boot timer in the VMM process. */
#define VMM_ANSWER_TIMEOUT_MS 30000
/* How long a VMM process asked to quit may take before it is killed. */
#define VMM_QUIT_GRACE_MS 10000

struct backend_instance {
	pid_t pid;
	int ctl;     /* the control socket (-1 once the VMM process is gone) */
	int channel; /* the harness's end of the agent channel */
	bool reaped;
	int wait_status;
	int32_t denied_syscall; /* what the seccomp filter reported (-1: nothing) */
	bool death_said;	/* vmm_process_end gave the caller how the process died */
};

static void vmm_send(int ctl, const struct vmm_reply *r, int fd)
{
	struct iovec iov = { .iov_base = (void *)r, .iov_len = sizeof(*r) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	if (fd >= 0) {
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	while (sendmsg(ctl, &msg, MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* The VMM process: start the VM, hand over the channel, answer until asked to quit. */
static _Noreturn void vmm_process_main(const struct backend_config *cfg, int ctl)
{
	struct vmm_reply r = { .tag = VMM_REPLY_STARTED };
	struct kvm_vmm *vmm;
	struct vb_error err;
	error_clear(&err);
	if (kvm_vmm_start(cfg, ctl, &vmm, &err) < 0) {
		r.started.rc = -1;
		snprintf(r.started.message, sizeof(r.started.message), "%s", err.message);
		vmm_send(ctl, &r, -1);
		_exit(1);
	}
	int *channel = kvm_vmm_channel(vmm);
	vmm_send(ctl, &r, *channel);
	/* Only the harness holds its end now: when this process dies, the agent's channel ends. */
	close(*channel);
	*channel = -1;
	for (;;) {
		uint32_t ask;
		ssize_t n = recv(ctl, &ask, sizeof(ask), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n != sizeof(ask) || ask == VMM_ASK_QUIT)
			break; /* the harness is gone, or done */
		memset(&r, 0, sizeof(r));
		if (ask == VMM_ASK_STATS) {
			r.tag = VMM_REPLY_STATS;
			kvm_vmm_stats(vmm, &r.stats);
		} else if (ask == VMM_ASK_COUNTERS) {
			r.tag = VMM_REPLY_COUNTERS;
			kvm_vmm_counters(vmm, &r.counters);
		} else if (ask == VMM_ASK_STATUS) {
			r.tag = VMM_REPLY_STATUS;
			r.status.running = kvm_vmm_running(vmm);
			kvm_vmm_describe_end(vmm, r.status.end, sizeof(r.status.end));
		} else if (ask == VMM_ASK_END) {
			r.tag = VMM_REPLY_END;
			int status;
			r.end.crashed = kvm_vmm_end(vmm, &status, r.end.text, sizeof(r.end.text));
			r.end.status = status;
		} else
			continue;
		vmm_send(ctl, &r, -1);
	}
	kvm_vmm_stop(vmm);
	_exit(0);
}

void vmm_process_describe_exit(pid_t pid, int wait_status, int denied_syscall, char *out,
			       size_t len)
{
	int st = wait_status;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS && denied_syscall >= 0)
		snprintf(out, len, "the VMM was killed by its seccomp filter (system call %d)",
			 denied_syscall);
	else if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS)
		snprintf(out, len, "the VMM was killed by its seccomp filter");
	else if (WIFSIGNALED(st))
		snprintf(out, len, "the VMM process (pid %d) was killed by signal %d (%s)",
			 (int)pid, WTERMSIG(st), strsignal(WTERMSIG(st)));
	else
		snprintf(out, len, "the VMM process (pid %d) exited with status %d", (int)pid,
			 WEXITSTATUS(st));
}

static void vmm_process_describe_death(const struct backend_instance *inst, char *out, size_t len)
{
	vmm_process_describe_exit(inst->pid, inst->wait_status, inst->denied_syscall, out, len);
}

/* The control socket hung up: the VMM process has died or is dying; reap it. */
static void vmm_process_gone(struct backend_instance *inst)
{
	if (inst->ctl >= 0)
		close(inst->ctl);
	inst->ctl = -1;
	if (!inst->reaped) {
		while (waitpid(inst->pid, &inst->wait_status, 0) < 0 && errno == EINTR)
			;
		inst->reaped = true;
	}
}

/* One message from the VMM process (fd: where a passed descriptor goes, or NULL); -1 when gone. */
static int vmm_receive(struct backend_instance *inst, struct vmm_reply *r, int timeout_ms, int *fd)
{
	for (;;) {
		struct pollfd p = { .fd = inst->ctl, .events = POLLIN };
		int rc = poll(&p, 1, timeout_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0)
			return -1; /* no answer in time: the VMM process is left running */
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} control;
		struct iovec iov = { .iov_base = r, .iov_len = sizeof(*r) };
		struct msghdr msg = { .msg_iov = &iov,
				      .msg_iovlen = 1,
				      .msg_control = control.buf,
				      .msg_controllen = sizeof(control.buf) };
		ssize_t n = recvmsg(inst->ctl, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			vmm_process_gone(inst);
			return -1;
		}
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int passed;
				memcpy(&passed, CMSG_DATA(c), sizeof(int));
				if (fd && *fd < 0)
					*fd = passed;
				else
					close(passed);
			}
		if (r->tag == VMM_SECCOMP_REPORT_TAG &&
		    (size_t)n >= sizeof(struct vmm_seccomp_report)) {
			struct vmm_seccomp_report report;
			memcpy(&report, r, sizeof(report));
			inst->denied_syscall = report.syscall_nr;
			continue; /* the process dies next: the next read says so */
		}
		return 0;
	}
}

/* Ask one thing and wait for its answer; -1 when the VMM process is gone or does not answer. */
static int vmm_ask(struct backend_instance *inst, uint32_t ask, uint32_t want, struct vmm_reply *r)
{
	if (inst->ctl < 0)
		return -1;
	if (send(inst->ctl, &ask, sizeof(ask), MSG_NOSIGNAL) != sizeof(ask)) {
		vmm_process_gone(inst);
		return -1;
	}
	do
		if (vmm_receive(inst, r, VMM_ANSWER_TIMEOUT_MS, NULL) < 0)
			return -1;
	while (r->tag != want);
	return 0;
}

int vmm_process_start(const struct backend_config *cfg, struct backend_instance **out,
		      struct vb_error *err)
{
	*out = NULL;
	struct backend_instance *inst = calloc(1, sizeof(*inst));
	struct vmm_reply reply, *r = &reply;
	if (!inst)
		return error_set(err, "kvm: out of memory");
	inst->channel = -1;
	inst->denied_syscall = -1;
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		free(inst);
		return error_set_errno(err, "kvm: control socket");
	}
	kvm_prepare_kernel(cfg);
	pid_t parent = getpid();
	fflush(stdout);
	fflush(stderr);
	inst->pid = fork();
	if (inst->pid < 0) {
		error_set_errno(err, "kvm: fork the VMM process");
		close(sv[0]);
		close(sv[1]);
		free(inst);
		return -1;
	}
	if (inst->pid == 0) {
		backend_child_prepare(parent, NULL, 0, "kvm");
		/* Nothing of the harness's but stdio: its sockets and pipes must end when it says. */
		if (sv[1] > 3)
			close_range(3, (unsigned)sv[1] - 1, 0);
		close_range((unsigned)sv[1] + 1, ~0u, 0);
		/* A VMM killed by its filter leaves no core file of guest RAM behind. */
		struct rlimit no_core = { 0, 0 };
		setrlimit(RLIMIT_CORE, &no_core);
		vmm_process_main(cfg, sv[1]);
	}
	close(sv[1]);
	inst->ctl = sv[0];
	if (vmm_receive(inst, r, -1, &inst->channel) < 0 || r->tag != VMM_REPLY_STARTED) {
		char why[256];
		if (!inst->reaped) {
			kill(inst->pid, SIGKILL);
			vmm_process_gone(inst);
		}
		vmm_process_describe_death(inst, why, sizeof(why));
		error_set(err, "kvm: %s while starting the VM", why);
	} else if (r->started.rc < 0 || inst->channel < 0)
		error_set(err, "%s", r->started.rc < 0 ? r->started.message : "kvm: no channel");
	else {
		*out = inst;
		return 0;
	}
	if (inst->ctl >= 0)
		close(inst->ctl);
	if (!inst->reaped)
		backend_child_end(inst->pid, &inst->wait_status, VMM_QUIT_GRACE_MS);
	if (inst->channel >= 0)
		close(inst->channel);
	free(inst);
	return -1;
}

void vmm_process_channel(struct backend_instance *inst, int *rfd, int *wfd)
{
	*rfd = *wfd = inst->channel;
}

void vmm_process_stats(struct backend_instance *inst, struct backend_stats *out)
{
	struct vmm_reply reply, *r = &reply;
	if (vmm_ask(inst, VMM_ASK_STATS, VMM_REPLY_STATS, r) == 0) {
		double startup_ms = out->startup_ms; /* the harness's */
		*out = r->stats;
		out->startup_ms = startup_ms;
	} else {
		char why[200] = "no answer from the VMM process";
		if (inst->reaped)
			vmm_process_describe_death(inst, why, sizeof(why));
		out->host_overhead_bytes = 0.0 / 0.0;
		snprintf(out->host_overhead_note, sizeof(out->host_overhead_note), "%s", why);
		snprintf(out->details, sizeof(out->details), "%s", why);
	}
}

unsigned vmm_process_host_counters(struct backend_instance *inst, char (*names)[48],
				   uint64_t *values, unsigned max)
{
	struct vmm_reply reply, *r = &reply;
	unsigned n = 0;
	if (vmm_ask(inst, VMM_ASK_COUNTERS, VMM_REPLY_COUNTERS, r) == 0) {
		const struct vm_exit_counts *c = &r->counters;
		n = c->n < max ? c->n : max;
		for (unsigned i = 0; i < n; i++) {
			snprintf(names[i], 48, "%s", c->name[i]);
			values[i] = c->value[i];
		}
	}
	return n;
}

bool vmm_process_alive(struct backend_instance *inst)
{
	struct vmm_reply r;
	return vmm_ask(inst, VMM_ASK_STATUS, VMM_REPLY_STATUS, &r) == 0 && r.status.running;
}

size_t vmm_process_describe_end(struct backend_instance *inst, char *out, size_t len)
{
	if (!len)
		return 0;
	out[0] = '\0';
	struct vmm_reply reply, *r = &reply;
	if (vmm_ask(inst, VMM_ASK_STATUS, VMM_REPLY_STATUS, r) == 0) {
		if (!r->status.running)
			snprintf(out, len, "%s", r->status.end);
	} else if (inst->reaped)
		vmm_process_describe_death(inst, out, len);
	return strlen(out);
}

int vmm_process_end(struct backend_instance *inst, int *status, bool *crashed, char *out,
		    size_t len)
{
	struct vmm_reply reply, *r = &reply;
	if (vmm_ask(inst, VMM_ASK_END, VMM_REPLY_END, r) == 0) {
		*status = r->end.status;
		*crashed = r->end.crashed != 0;
		snprintf(out, len, "%s", r->end.text);
		return 0;
	}
	if (inst->reaped) {
		vmm_process_describe_death(inst, out, len);
		inst->death_said = true;
	} else
		snprintf(out, len, "the VMM process (pid %d) does not answer", (int)inst->pid);
	return -1;
}

void vmm_process_stop(struct backend_instance *inst)
{
	if (!inst)
		return;
	if (inst->ctl >= 0) {
		uint32_t quit = VMM_ASK_QUIT;
		(void)!send(inst->ctl, &quit, sizeof(quit), MSG_NOSIGNAL);
	}
	bool killed = false;
	if (!inst->reaped) {
		killed = backend_child_end(inst->pid, &inst->wait_status, VMM_QUIT_GRACE_MS);
		inst->reaped = true;
	}
	/* The VMM process says itself how a VM it stopped had ended; its own death is said here. */
	int st = inst->wait_status;
	if (killed)
		fprintf(stderr,
			"vbench kvm: the VMM process (pid %d) did not stop in %u ms: killed\n",
			(int)inst->pid, VMM_QUIT_GRACE_MS);
	else if (!inst->death_said && (WIFSIGNALED(st) || WEXITSTATUS(st) != 0)) {
		char why[200];
		vmm_process_describe_death(inst, why, sizeof(why));
		fprintf(stderr, "vbench kvm: %s\n", why);
	}
	if (inst->ctl >= 0)
		close(inst->ctl);
	if (inst->channel >= 0)
		close(inst->channel);
	free(inst);
}

pid_t vmm_process_pid(const struct backend_instance *inst)
{
	return inst->reaped ? 0 : inst->pid;
}
