/* What the host is: topology and caches (hwloc), CPU model, kernel, KVM flavour, cgroup mode. */
#include "harness/host.h"

#include <errno.h>
#include <fcntl.h>
#include <hwloc.h>
#include <linux/magic.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

static void cpu_model(char *out, size_t len, hwloc_topology_t topo)
{
	out[0] = '\0';
	hwloc_obj_t pkg = hwloc_get_obj_by_type(topo, HWLOC_OBJ_PACKAGE, 0);
	const char *name = pkg ? hwloc_obj_get_info_by_name(pkg, "CPUModel") : NULL;
	if (name) {
		snprintf(out, len, "%s", name);
		return;
	}
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[256];
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');
		if (colon && strncmp(line, "model name", 10) == 0) {
			colon += 2;
			colon[strcspn(colon, "\n")] = '\0';
			snprintf(out, len, "%s", colon);
			break;
		}
	}
	if (f)
		fclose(f);
}

static uint64_t cache_size(hwloc_topology_t topo, hwloc_obj_type_t type)
{
	hwloc_obj_t o = hwloc_get_obj_by_type(topo, type, 0);
	return o && o->attr ? o->attr->cache.size : 0;
}

void host_describe(struct result_host *h)
{
	struct utsname u;
	memset(h, 0, sizeof(*h));
	if (uname(&u) == 0) {
		snprintf(h->kernel, sizeof(h->kernel), "%.120s", u.release);
		snprintf(h->hostname, sizeof(h->hostname), "%.60s", u.nodename);
	}
	hwloc_topology_t topo;
	bool have_topology = hwloc_topology_init(&topo) == 0;
	if (have_topology && hwloc_topology_load(topo) < 0) {
		hwloc_topology_destroy(topo);
		have_topology = false;
	}
	if (have_topology) {
		cpu_model(h->cpu_model, sizeof(h->cpu_model), topo);
		h->packages = (unsigned)hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
		h->cores = (unsigned)hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
		h->pus = (unsigned)hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
		h->numa_nodes = (unsigned)hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_NUMANODE);
		h->l1d_bytes = cache_size(topo, HWLOC_OBJ_L1CACHE);
		h->l2_bytes = cache_size(topo, HWLOC_OBJ_L2CACHE);
		h->llc_bytes = cache_size(topo, HWLOC_OBJ_L3CACHE);
		if (!h->llc_bytes)
			h->llc_bytes = h->l2_bytes;
		hwloc_topology_destroy(topo);
	}
	host_kvm_flavour(h->kvm, sizeof(h->kvm));
	host_cgroup_mode(h->cgroup_mode, sizeof(h->cgroup_mode));
	h->hw_counters = host_hw_counters(h->counters_note, sizeof(h->counters_note));
}

static bool module_loaded(const char *name)
{
	char path[128];
	struct stat st;
	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &st) == 0;
}

void host_kvm_flavour(char *out, size_t len)
{
	struct stat st;
	if (stat("/dev/kvm", &st) < 0) {
		snprintf(out, len, "absent");
		return;
	}
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(out, len, "not permitted (%s)", strerror(errno));
		return;
	}
	close(fd);
	if (module_loaded("kvm_pvm"))
		snprintf(out, len, "pvm (ring 0 emulated)");
	else if (module_loaded("kvm_intel"))
		snprintf(out, len, "hardware-assisted (kvm_intel)");
	else if (module_loaded("kvm_amd"))
		snprintf(out, len, "hardware-assisted (kvm_amd)");
	else
		snprintf(out, len, "present (unknown flavour)");
}

void host_cgroup_mode(char *out, size_t len)
{
	struct statfs fs;
	if (statfs("/sys/fs/cgroup", &fs) < 0) {
		snprintf(out, len, "none");
		return;
	}
	if (fs.f_type == CGROUP2_SUPER_MAGIC) {
		snprintf(out, len, "v2");
		return;
	}
	if (statfs("/sys/fs/cgroup/unified", &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC)
		snprintf(out, len, "hybrid");
	else if (statfs("/sys/fs/cgroup/memory", &fs) == 0 && fs.f_type == CGROUP_SUPER_MAGIC)
		snprintf(out, len, "v1");
	else
		snprintf(out, len, "none");
}

bool host_hw_counters(char *note, size_t len)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_HARDWARE;
	attr.config = PERF_COUNT_HW_CPU_CYCLES;
	attr.exclude_kernel = 1;
	attr.disabled = 1;
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0) {
		snprintf(note, len, "perf_event_open(cycles): %s", strerror(errno));
		return false;
	}
	close(fd);
	note[0] = '\0';
	return true;
}
