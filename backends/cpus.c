/* The CPUs a run's environments get: chosen from hwloc's topology, pinned to, written as a list. */
#include "backends/cpus.h"

#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend.h"

/*
 * Cores and PUs come from Linux's sysfs alone. hwloc otherwise dlopens its I/O and XML plugins
 * (OpenCL, GL, PCI, libxml2: X11 and ICU behind them) and runs CPUID discovery, which traps in a
 * VM: about 10 ms of every `vbench exec` for nothing vbench reads (issue 15, bench-container).
 * The plugins are loaded once per process, on the first topology; a user's own setting wins.
 */
static int cpus_topology_load(hwloc_topology_t *topo, struct vb_error *err)
{
	setenv("HWLOC_PLUGINS_BLACKLIST", "hwloc_xml_libxml,hwloc_opencl,hwloc_gl,hwloc_pci", 0);
	if (hwloc_topology_init(topo) < 0)
		return error_set(err, "hwloc could not read the CPU topology");
	hwloc_topology_set_components(*topo, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, "x86");
	if (hwloc_topology_load(*topo) < 0) {
		hwloc_topology_destroy(*topo);
		return error_set(err, "hwloc could not read the CPU topology");
	}
	return 0;
}

int cpus_pick(unsigned ncpus, unsigned *list, unsigned *count, struct vb_error *err)
{
	hwloc_topology_t topo;
	if (cpus_topology_load(&topo, err) < 0)
		return -1;
	hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
	if (hwloc_get_cpubind(topo, allowed, HWLOC_CPUBIND_PROCESS) < 0)
		hwloc_bitmap_copy(allowed, hwloc_topology_get_allowed_cpuset(topo));
	unsigned n = 0;
	int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
	for (int i = 0; i < ncores && (ncpus == 0 || n < ncpus) && n < BACKEND_MAX_CPUS; i++) {
		hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)i);
		hwloc_bitmap_t usable = hwloc_bitmap_alloc();
		hwloc_bitmap_and(usable, core->cpuset, allowed);
		int pu = hwloc_bitmap_first(
			usable); /* one PU per core: SMT siblings share too much */
		hwloc_bitmap_free(usable);
		if (pu >= 0)
			list[n++] = (unsigned)pu;
	}
	hwloc_bitmap_free(allowed);
	hwloc_topology_destroy(topo);
	if (n == 0)
		return error_set(err, "hwloc found no usable core");
	if (ncpus > n)
		return error_set(err, "--cpus %u: this host has only %u usable cores", ncpus, n);
	*count = n;
	return 0;
}

int cpus_bind_process(const unsigned *list, unsigned count, struct vb_error *err)
{
	hwloc_topology_t topo;
	if (cpus_topology_load(&topo, err) < 0)
		return -1;
	hwloc_bitmap_t set = hwloc_bitmap_alloc();
	for (unsigned i = 0; i < count; i++)
		hwloc_bitmap_set(set, list[i]);
	int rc = hwloc_set_cpubind(topo, set, HWLOC_CPUBIND_PROCESS);
	hwloc_bitmap_free(set);
	hwloc_topology_destroy(topo);
	if (rc < 0)
		return error_set_errno(err, "hwloc_set_cpubind");
	return 0;
}

void cpus_format_list(const unsigned *list, unsigned count, char *out, size_t len)
{
	size_t used = 0;
	if (len)
		out[0] = '\0';
	for (unsigned i = 0; i < count; i++) {
		char one[16];
		int n = snprintf(one, sizeof(one), "%s%u", i ? "," : "", list[i]);
		if (n < 0 || (size_t)n >= len - used)
			break;
		memcpy(out + used, one, (size_t)n + 1);
		used += (size_t)n;
	}
}
