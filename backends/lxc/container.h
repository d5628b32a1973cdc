/* What vbench's container (lxc) and the OCI bundle it hands to runc (oci) share: the paths an OCI
 * runtime masks or makes read-only by default, and how a container's host figures are read. */
#ifndef VB_LXC_CONTAINER_H
#define VB_LXC_CONTAINER_H

#include <stddef.h>
#include <sys/types.h>

#include "backends/backend.h"
#include "backends/lxc/cgroup.h"
#include "backends/lxc/veth.h"

/* OCI runtime defaults (as runc and containerd apply them). */
extern const char *const container_masked_paths[];
extern const size_t container_nmasked_paths;
extern const char *const container_readonly_paths[];
extern const size_t container_nreadonly_paths;

/*
 * Fill out for a container whose agent is pid: host_overhead_bytes is what its memory cgroup cg
 * is charged (NULL: none to read) minus the agent's anonymous resident memory, with the reason
 * when it cannot be read; the details line, the peer (NULL or fd < 0: no network) and where the
 * agent sees its scratch disk (NULL: none). startup_ms is left to the harness. who names the
 * backend in the note ("lxc").
 */
void container_stats(struct backend_stats *out, const char *who, struct cgroup *cg, pid_t pid,
		     const char *details, const struct veth_peer *peer, const char *disk_path);

#endif
