/* Helpers the kvm backend shares with `vbench vm` and the qemu backend. */
#ifndef VB_KVM_KVM_H
#define VB_KVM_KVM_H

#include <limits.h>
#include <stddef.h>

#include "backends/backend.h"

/* <dir of the vbench binary>/guest[/file]: where `make guest` puts the kernel and modules. */
void kvm_default_guest_path(const char *file, char *out, size_t len);
/* The guest kernel and modules folder a run uses (cfg's, or those `make guest` fetched); -1 with a
 * reason when the kernel is missing. */
int kvm_guest_paths(const struct backend_config *cfg, char kernel[PATH_MAX], char modules[PATH_MAX],
		    struct vb_error *err);

#endif
