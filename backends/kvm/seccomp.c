/* The VMM process's seccomp filter, written as classic BPF: what a VM needs once it is built, nothing else. */
#include "backends/kvm/seccomp.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The VMM after set-up: vCPU and device threads (KVM ioctls, eventfds, the agent channel, the TAP
 * and io_uring), the control loop that answers the harness (its smaps and status files are open
 * already) and teardown. Found by running the VM under strace -f.
 */
static const int vmm_allowed[] = {
	SYS_read,
	SYS_write,
	SYS_readv,
	SYS_writev,
	SYS_pread64,
	SYS_pwrite64,
	SYS_preadv,
	SYS_pwritev,
	SYS_lseek,
	SYS_close,
	SYS_fstat,
	SYS_newfstatat,
	SYS_poll,
	SYS_ppoll,
	SYS_select,
	SYS_pselect6,
	SYS_epoll_wait,
	SYS_epoll_pwait,
	SYS_ioctl,
	SYS_munmap,
	SYS_mremap,
	SYS_madvise,
	SYS_brk,
	SYS_futex,
	SYS_clock_gettime,
	SYS_clock_nanosleep,
	SYS_nanosleep,
	SYS_gettimeofday,
	SYS_exit,
	SYS_exit_group,
	SYS_rt_sigreturn,
	SYS_rt_sigprocmask,
	SYS_rt_sigaction,
	SYS_getpid,
	SYS_gettid,
	SYS_sched_yield,
	SYS_sched_getaffinity,
	SYS_sched_setaffinity,
	SYS_set_robust_list,
	SYS_rseq,
	SYS_io_uring_enter,
	SYS_recvfrom,
	SYS_recvmsg,
	SYS_sendto,
	SYS_sendmsg,
	SYS_getrandom,
	SYS_restart_syscall,
	SYS_shutdown,
	SYS_fdatasync,
	SYS_fsync,
	SYS_sigaltstack, /* sanitizers give each thread one */
};

/* The report fd, for the signal handler. */
static int vmm_seccomp_report_fd = -1;

static void vmm_seccomp_denied(int sig, siginfo_t *info, void *context)
{
	(void)context;
	struct vmm_seccomp_report r = { VMM_SECCOMP_REPORT_TAG, info->si_syscall };
	if (vmm_seccomp_report_fd >= 0)
		(void)!write(vmm_seccomp_report_fd, &r, sizeof(r));
	/* SA_RESETHAND made SIGSYS fatal again and SA_NODEFER lets it through: die of it. */
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

#define ALLOW_IF_NR(nr)                                                                            \
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(nr), 0, 1),                                 \
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

/*
 * One call allowed only with a given argument: when the call is nr, allow it if its argument arg
 * (low 32 bits) tests true against k under test (BPF_JSET: any bit of k set; BPF_JEQ: equals k)
 * and want_true, or false and !want_true; trap it otherwise. Six instructions.
 */
static unsigned vmm_seccomp_arg_rule(struct sock_filter *p, int nr, unsigned arg, uint16_t test,
				     uint32_t k, bool want_true)
{
	const uint32_t allow = SECCOMP_RET_ALLOW, trap = SECCOMP_RET_TRAP;
	struct sock_filter rule[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)nr, 0, 4),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[arg])),
		BPF_JUMP(BPF_JMP | test | BPF_K, k, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, want_true ? allow : trap),
		BPF_STMT(BPF_RET | BPF_K, want_true ? trap : allow),
	};
	memcpy(p, rule, sizeof(rule));
	return sizeof(rule) / sizeof(rule[0]);
}

int vmm_seccomp_install(int report_fd, struct vb_error *err)
{
	enum { N = sizeof(vmm_allowed) / sizeof(vmm_allowed[0]) };
	struct sock_filter prog[6 + 2 * N + 3 + 4 * 6 + 1];
	unsigned n = 0;
	/* Another architecture's system call numbers mean other calls: kill outright. */
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, arch));
	prog[n++] =
		(struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						 offsetof(struct seccomp_data, nr));
	/* x32 numbers alias the 64-bit ones with a high bit set. */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	for (unsigned i = 0; i < N; i++) {
		struct sock_filter pair[] = { ALLOW_IF_NR(vmm_allowed[i]) };
		prog[n++] = pair[0];
		prog[n++] = pair[1];
	}
	/* clone3's flags are in memory BPF cannot read: ENOSYS makes the C library use clone. */
	prog[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone3, 0, 1);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
	/* clone only for threads (new vCPU threads), never a new process */
	n += vmm_seccomp_arg_rule(prog + n, SYS_clone, 0, BPF_JSET, CLONE_THREAD, true);
	/* no new executable memory: a subverted VMM cannot map code of its own */
	n += vmm_seccomp_arg_rule(prog + n, SYS_mmap, 2, BPF_JSET, PROT_EXEC, false);
	n += vmm_seccomp_arg_rule(prog + n, SYS_mprotect, 2, BPF_JSET, PROT_EXEC, false);
	/* vCPU kicks go to this process's threads only: never a signal to the harness */
	n += vmm_seccomp_arg_rule(prog + n, SYS_tgkill, 0, BPF_JEQ, (uint32_t)getpid(), true);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRAP);

	vmm_seccomp_report_fd = report_fd;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = vmm_seccomp_denied;
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) < 0)
		return error_set_errno(err, "seccomp: SIGSYS handler");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_set_errno(err, "seccomp: no_new_privs");
	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog) != 0)
		return error_set_errno(err, "seccomp: install the filter on every thread");
	return 0;
}
