/* The kvm backend's VM in a process of its own: the harness's side (vmm_process_*) and what runs in the VMM process (kvm_vmm_*). */
#ifndef VB_KVM_VMM_PROCESS_H
#define VB_KVM_VMM_PROCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "backends/backend.h"
#include "backends/kvm/exits.h"

/* In the VMM process (backends/kvm/kvm.c): one VM, a Linux guest or a bare one. */
struct kvm_vmm;
/* Build and start the VM; its seccomp filter, reporting to report_fd, is on before the vCPUs run. */
/* Before forking VMM processes: read and unpack the Linux guest's kernel once, for all of them. */
void kvm_prepare_kernel(const struct backend_config *cfg);
int kvm_vmm_start(const struct backend_config *cfg, int report_fd, struct kvm_vmm **out,
		  struct vb_error *err);
/* The harness's end of the agent channel (the VMM process hands it over, then closes it: -1). */
int *kvm_vmm_channel(struct kvm_vmm *inst);
void kvm_vmm_stats(struct kvm_vmm *inst, struct backend_stats *out);
void kvm_vmm_counters(struct kvm_vmm *inst, struct vm_exit_counts *out);
bool kvm_vmm_running(struct kvm_vmm *inst);
size_t kvm_vmm_describe_end(struct kvm_vmm *inst, char *out, size_t len);
/* How the VM ended or stands, for `vbench vm`: *status (enum vm_status), a description (a Linux
 * guest's has its panic line or last console lines); true when the guest crashed. */
bool kvm_vmm_end(struct kvm_vmm *inst, int *status, char *out, size_t len);
/* Stop the VM (saying why on stderr when it ended otherwise than asked) and free everything. */
void kvm_vmm_stop(struct kvm_vmm *inst);

/* In the harness: the backend_ops of kvm, each a request to the VMM process. */
int vmm_process_start(const struct backend_config *cfg, struct backend_instance **out,
		      struct vb_error *err);
void vmm_process_channel(struct backend_instance *inst, int *rfd, int *wfd);
void vmm_process_stats(struct backend_instance *inst, struct backend_stats *out);
bool vmm_process_alive(struct backend_instance *inst);
size_t vmm_process_describe_end(struct backend_instance *inst, char *out, size_t len);
unsigned vmm_process_host_counters(struct backend_instance *inst, char (*names)[48],
				   uint64_t *values, unsigned max);
void vmm_process_stop(struct backend_instance *inst);
/*
 * `vbench vm`: how the VM ended or stands, as kvm_vmm_end says (*status: enum vm_status; *crashed).
 * -1 when the VMM process is gone or does not answer, out then saying how it died; its stop says
 * nothing more about that.
 */
int vmm_process_end(struct backend_instance *inst, int *status, bool *crashed, char *out,
		    size_t len);
/* How a VMM process ended, from its wait status and the system call its seccomp filter reported
 * (-1: none): "the VMM was killed by its seccomp filter (system call 41)". */
void vmm_process_describe_exit(pid_t pid, int wait_status, int denied_syscall, char *out,
			       size_t len);
/* The VMM process's id (tests); 0 once it has been reaped. */
pid_t vmm_process_pid(const struct backend_instance *inst);

#endif
