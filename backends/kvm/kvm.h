/* Helpers the kvm backend shares with `vbench vm`. */
#ifndef VB_KVM_KVM_H
#define VB_KVM_KVM_H

#include <stddef.h>

/* <dir of the vbench binary>/guest[/file]: where `make guest` puts the kernel and modules. */
void kvm_default_guest_path(const char *file, char *out, size_t len);

#endif
