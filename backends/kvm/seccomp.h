/* The VMM process's seccomp filter: an allow-list of the system calls a running VM needs, and a report when it denies one. */
#ifndef VB_KVM_SECCOMP_H
#define VB_KVM_SECCOMP_H

#include <stdint.h>

#include "common/error.h"

/* What the filter writes to the report fd before the process dies of SIGSYS. */
#define VMM_SECCOMP_REPORT_TAG 0x53595343u /* "CSYS" */
struct vmm_seccomp_report {
	uint32_t tag; /* VMM_SECCOMP_REPORT_TAG */
	int32_t syscall_nr;
};

/*
 * Install the filter on every thread of this process (threads created later inherit it). A denied
 * system call writes a struct vmm_seccomp_report to report_fd (-1: none) and kills the process
 * with SIGSYS. Sets no_new_privs first; irreversible.
 */
int vmm_seccomp_install(int report_fd, struct vb_error *err);

#endif
