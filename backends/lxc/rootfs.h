/* The container's root filesystem, assembled per run inside the container's own mount namespace. */
#ifndef VB_LXC_ROOTFS_H
#define VB_LXC_ROOTFS_H

#include <stdbool.h>

#include "backends/lxc/cgroup.h"
#include "common/error.h"

#define ROOTFS_AGENT_PATH   "/vbench-agent"
#define ROOTFS_SCRATCH_PATH "/scratch"
#define ROOTFS_BIN_DIR	    "/bin"

struct rootfs_spec {
	const char *root;    /* an empty host directory to build on */
	const char *agent;   /* host path of the static agent, bound read-only at /vbench-agent */
	const char *payload; /* host path of a program bound read-only at /bin/<name>, or NULL */
	const char *disk;    /* host path of the scratch file, bound at /scratch, or NULL */
	const struct cgroup_layout *cgroups; /* hierarchies to show (read-only) at /sys/fs/cgroup */
	const struct cgroup *cgroup; /* the container's own groups (bound in for v1 in a userns) */
	bool userns;		     /* we are root only inside a user namespace */
};

/*
 * In the container's new mount namespace (the caller has made / private and is PID 1 of its
 * PID namespace): build the tree, mask the sensitive /proc and /sys entries, pivot_root into it
 * and detach the old root. Nothing here is visible to the host's mount namespace.
 */
int rootfs_enter(const struct rootfs_spec *spec, struct vb_error *err);

#endif
