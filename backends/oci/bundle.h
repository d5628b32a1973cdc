/* The OCI bundle vbench writes for one run: config.json and a rootfs holding only the agent. */
#ifndef VB_OCI_BUNDLE_H
#define VB_OCI_BUNDLE_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"

#define OCI_AGENT_PATH	 "/vbench-agent"
#define OCI_SCRATCH_PATH "/scratch"
#define OCI_HOSTNAME	 "vbench-oci"
#define OCI_BIN_DIR	 "/bin" /* where vbench exec binds its command's program */

/* What goes into config.json: the same limits and isolation the lxc backend applies. */
struct oci_bundle_spec {
	const char *agent_path;	  /* the static agent on the host, copied into the rootfs */
	const char *cpus;	  /* cpuset list "0,1"; NULL = no cpuset limit */
	unsigned ncpus;		  /* cpu quota = ncpus periods per period; 0 = none */
	uint64_t memory_bytes;	  /* 0 = no limit */
	bool swap_off;		  /* the kernel accounts swap: memory+swap = memory_bytes */
	const char *disk_path;	  /* bind-mounted read-write at /scratch, or NULL */
	const char *netns_path;	  /* the network namespace to join; NULL = a new, empty one */
	const char *cgroups_path; /* linux.cgroupsPath */
	/* vbench exec: the process to run instead of the agent (args[0] = OCI_BIN_DIR "/NAME"),
	 * whose program, a host file, is bound in there read-only; NULL = the agent. */
	const char *const *args;
	const char *program_path;
};

/* config.json's text for spec (malloc'd), or NULL with err set. */
char *oci_config_json(const struct oci_bundle_spec *spec, struct vb_error *err);
/* Write dir/config.json and dir/rootfs (dir exists and is empty). */
int oci_bundle_write(const char *dir, const struct oci_bundle_spec *spec, struct vb_error *err);
/* Remove dir and everything in it, on its own file system only, following no symbolic link. */
void oci_bundle_remove(const char *dir);

#endif
