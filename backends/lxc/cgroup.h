/* Container limits through cgroups: one interface over cgroup v2 and v1/hybrid hierarchies. */
#ifndef VB_LXC_CGROUP_H
#define VB_LXC_CGROUP_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

enum cgroup_mode {
	CGROUP_MODE_NONE,   /* no usable hierarchy */
	CGROUP_MODE_V1,	    /* only v1 controller hierarchies */
	CGROUP_MODE_HYBRID, /* v1 controllers plus a cgroup2 mount without them (this host) */
	CGROUP_MODE_V2,	    /* unified hierarchy holds the controllers */
};

/* The controllers vbench limits; v1 may mount several in one hierarchy (cpu,cpuacct). */
enum cgroup_controller { CGROUP_CPUSET, CGROUP_CPU, CGROUP_MEMORY, CGROUP_NCONTROLLERS };

struct cgroup_layout {
	enum cgroup_mode mode;
	/* v2: where new cgroups go (the cgroup2 mount root as root, else a delegated ancestor). */
	char v2_parent[PATH_MAX];
	char v2_self[PATH_MAX]; /* v2: our own group's directory */
	/* v1: per controller, the directory new cgroups go under ("" if not mounted). */
	char v1_parent[CGROUP_NCONTROLLERS][PATH_MAX];
	/* v1: the controller's mount point, for the same mount inside a container. */
	char v1_mount[CGROUP_NCONTROLLERS][PATH_MAX];
	/* v1: the option naming the hierarchy when mounted again ("cpu,cpuacct"). */
	char v1_options[CGROUP_NCONTROLLERS][64];
};

struct cgroup_limits {
	const char *cpus;      /* cpuset list "0,1"; NULL = no cpuset limit */
	unsigned ncpus;	       /* cpu quota = ncpus periods per period; 0 = none */
	uint64_t memory_bytes; /* 0 = none */
};

struct cgroup {
	const struct cgroup_layout *layout;
	char path[CGROUP_NCONTROLLERS][PATH_MAX]; /* v2: only [0] is used; "" = not created */
};

const char *cgroup_mode_name(enum cgroup_mode mode);
const char *cgroup_controller_name(enum cgroup_controller c);

/* Find the hierarchies of the calling process (/proc/self/mountinfo and /proc/self/cgroup). */
int cgroup_detect(struct cgroup_layout *layout, struct vb_error *err);
/* The same from given files, so that tests can describe fake hierarchies. */
int cgroup_detect_from(const char *mountinfo_path, const char *self_cgroup_path,
		       struct cgroup_layout *layout, struct vb_error *err);

/* v2 without root: move v2_parent to the nearest writable, process-free ancestor of v2_self. */
void cgroup_v2_use_delegated_parent(struct cgroup_layout *layout);

/* Can we create a cgroup with cpuset and memory limits here? Creates and removes a probe group. */
int cgroup_check_usable(const struct cgroup_layout *layout, struct vb_error *err);

/* Create cgroup `name` under the layout's parents and apply the limits. On failure nothing is left. */
int cgroup_create(const struct cgroup_layout *layout, const char *name,
		  const struct cgroup_limits *limits, struct cgroup *cg, struct vb_error *err);
/* Move a process into the cgroup (every controller). */
int cgroup_attach(const struct cgroup *cg, pid_t pid, struct vb_error *err);
/* Memory charged to the cgroup: v2 memory.current, v1 memory.usage_in_bytes. */
int cgroup_memory_usage(const struct cgroup *cg, uint64_t *bytes, struct vb_error *err);
/* Kill what is left inside, then remove the directories. Idempotent. */
int cgroup_destroy(struct cgroup *cg, struct vb_error *err);
/*
 * Remove groups named "<prefix><pid>-..." whose creator <pid> no longer exists: what a vbench
 * killed with SIGKILL could not clean up. Returns how many were removed.
 */
int cgroup_prune_stale(const struct cgroup_layout *layout, const char *prefix);

#endif
