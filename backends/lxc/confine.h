/* What the container's init gives up before exec: capabilities, privileges gained on exec, syscalls. */
#ifndef VB_LXC_CONFINE_H
#define VB_LXC_CONFINE_H

#include "common/error.h"

/*
 * Drop the bounding set and the effective/permitted/inheritable sets to the OCI default
 * capabilities, clear ambient ones, set no_new_privs and install a seccomp filter that refuses
 * (EPERM) the syscalls OCI's default profile refuses and an agent never needs. Call last,
 * just before execve: mounting, pivot_root and sethostname need the capabilities dropped here.
 */
int confine_apply(struct vb_error *err);

#endif
