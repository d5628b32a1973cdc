/* What the container's init gives up before exec: capabilities, privileges gained on exec, syscalls. */
#include "backends/lxc/confine.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The capabilities runc/containerd give a default container. */
static const int confine_keep_caps[] = {
	CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,	     CAP_FOWNER,
	CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,	     CAP_SETUID,
	CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
	CAP_KILL,    CAP_AUDIT_WRITE,
};

/*
 * Refused with EPERM, as OCI's default profile does: changing mounts and namespaces, kernel
 * modules, kexec, reboot, swap, clocks, keyrings, bpf, handle-based opens. perf_event_open is
 * deliberately allowed: the agent reads hardware counters the same way in every environment.
 */
static const int confine_denied_syscalls[] = {
	SYS_mount,	   SYS_umount2,	      SYS_pivot_root,	 SYS_swapon,
	SYS_swapoff,	   SYS_reboot,	      SYS_kexec_load,	 SYS_kexec_file_load,
	SYS_init_module,   SYS_finit_module,  SYS_delete_module, SYS_open_by_handle_at,
	SYS_bpf,	   SYS_keyctl,	      SYS_add_key,	 SYS_request_key,
	SYS_unshare,	   SYS_setns,	      SYS_acct,		 SYS_settimeofday,
	SYS_clock_settime, SYS_clock_adjtime, SYS_quotactl,	 SYS_syslog,
	SYS_vhangup,	   SYS_userfaultfd,   SYS_fsopen,	 SYS_fsmount,
	SYS_move_mount,	   SYS_open_tree,
#ifdef SYS_iopl
	SYS_iopl,	   SYS_ioperm,
#endif
};

#if defined(__x86_64__)
#define CONFINE_AUDIT_ARCH AUDIT_ARCH_X86_64
#define CONFINE_X32_BIT	   0x40000000u
#elif defined(__aarch64__)
#define CONFINE_AUDIT_ARCH AUDIT_ARCH_AARCH64
#define CONFINE_X32_BIT	   0u
#endif

static int confine_capabilities(struct vb_error *err)
{
	uint64_t keep = 0;
	for (size_t i = 0; i < sizeof(confine_keep_caps) / sizeof(confine_keep_caps[0]); i++)
		keep |= 1ull << confine_keep_caps[i];
	/* The running kernel may know more capabilities than our headers. */
	int last = CAP_LAST_CAP;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	for (int cap = 0; cap <= last && cap < 64; cap++)
		if (!(keep & (1ull << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 &&
		    errno != EINVAL)
			return error_set_errno(
				err, "confine: drop capability %d from the bounding set", cap);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return error_set_errno(err, "confine: clear ambient capabilities");
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];
	for (int i = 0; i < 2; i++) {
		uint32_t word = (uint32_t)(keep >> (32 * i));
		data[i].effective = data[i].permitted = data[i].inheritable = word;
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return error_set_errno(err, "confine: capset");
	return 0;
}

static int confine_seccomp(struct vb_error *err)
{
#ifdef CONFINE_AUDIT_ARCH
	enum { NDENY = sizeof(confine_denied_syscalls) / sizeof(confine_denied_syscalls[0]) };
	struct sock_filter prog[4 + NDENY + 2];
	const unsigned deny = 4 + NDENY + 1; /* index of the EPERM return */
	unsigned n = 0;
	prog[n] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, arch));
	n++;
	prog[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, CONFINE_AUDIT_ARCH, 0,
					       (uint8_t)(deny - n - 1));
	n++;
	prog[n] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, nr));
	n++;
	/* x32 syscall numbers would slip past the list below. */
	prog[n] = CONFINE_X32_BIT
			  ? (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, CONFINE_X32_BIT,
							 (uint8_t)(deny - n - 1), 0)
			  : (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
	n++;
	for (unsigned i = 0; i < NDENY; i++, n++)
		prog[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						       (uint32_t)confine_denied_syscalls[i],
						       (uint8_t)(deny - n - 1), 0);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	prog[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K,
						 SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA));
	struct sock_fprog fprog = { .len = (unsigned short)n, .filter = prog };
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0)
		return error_set_errno(err, "confine: install the seccomp filter");
#else
	(void)err;
#endif
	return 0;
}

int confine_apply(struct vb_error *err)
{
	if (confine_capabilities(err) < 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return error_set_errno(err, "confine: set no_new_privs");
	return confine_seccomp(err);
}
