/* What lxc and oci share: OCI's default masked and read-only paths, and a container's host figures. */
#include "backends/lxc/container.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

const char *const container_masked_paths[] = {
	"/proc/acpi",	       "/proc/asound",	   "/proc/kcore",	"/proc/keys",
	"/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	"/proc/scsi",	       "/sys/firmware",	   "/sys/devices/virtual/powercap",
};
const size_t container_nmasked_paths =
	sizeof(container_masked_paths) / sizeof(container_masked_paths[0]);

const char *const container_readonly_paths[] = {
	"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
const size_t container_nreadonly_paths =
	sizeof(container_readonly_paths) / sizeof(container_readonly_paths[0]);

/* Anonymous memory only: the agent binary's page cache is charged to whoever read it first. */
static uint64_t process_anon_bytes(pid_t pid)
{
	char path[64], line[256];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	unsigned long long kb = 0;
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "RssAnon: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return kb * 1024;
}

void container_stats(struct backend_stats *out, const char *who, struct cgroup *cg, pid_t pid,
		     const char *details, const struct veth_peer *peer, const char *disk_path)
{
	memset(out, 0, sizeof(*out));
	out->startup_ms = -1;
	out->host_overhead_bytes = NAN;
	uint64_t charged;
	struct vb_error why = { 0 };
	if (pid > 0 && cg && cgroup_memory_usage(cg, &charged, &why) == 0) {
		uint64_t anon = process_anon_bytes(pid);
		out->host_overhead_bytes = charged > anon ? (double)(charged - anon) : 0.0;
	} else {
		snprintf(out->host_overhead_note, sizeof(out->host_overhead_note),
			 "%s: cannot read what the container's memory cgroup is charged%s%.180s",
			 who, why.message[0] ? ": " : "", why.message);
	}
	snprintf(out->details, sizeof(out->details), "%s", details);
	if (peer && peer->fd >= 0) {
		snprintf(out->peer_netns, sizeof(out->peer_netns), "%s", peer->path);
		snprintf(out->peer_addr, sizeof(out->peer_addr), "%s", VETH_PEER_ADDR);
	}
	if (disk_path)
		snprintf(out->agent_disk_path, sizeof(out->agent_disk_path), "%s", disk_path);
}
