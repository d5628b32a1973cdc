/* `vbench info`: what this host is, as vbench sees it and records it in every result. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/usage.h"
#include "harness/host.h"

static void print_size(const char *label, uint64_t bytes)
{
	if (!bytes)
		printf("  %-14s unknown\n", label);
	else if (bytes >= (1ULL << 20))
		printf("  %-14s %.1f MiB\n", label, (double)bytes / (1 << 20));
	else
		printf("  %-14s %llu KiB\n", label, (unsigned long long)(bytes >> 10));
}

int cmd_info(int argc, char **argv)
{
	if (argc > 1) {
		if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
			printf("usage: vbench info\n\n"
			       "Describe this host: CPU model, hwloc topology (packages, cores, "
			       "PUs, caches,\n"
			       "NUMA nodes), kernel, KVM flavour, cgroup mode and hardware "
			       "counters.\n");
			return VB_EXIT_OK;
		}
		return usage_error("info", "unexpected argument \"%s\"", argv[1]);
	}
	struct result_host h;
	host_describe(&h);
	printf("Host %s\n", h.hostname);
	printf("  %-14s %s\n", "CPU", h.cpu_model[0] ? h.cpu_model : "unknown");
	printf("  %-14s %u package(s), %u core(s), %u PU(s), %u NUMA node(s)\n", "topology",
	       h.packages, h.cores, h.pus, h.numa_nodes);
	print_size("L1d cache", h.l1d_bytes);
	print_size("L2 cache", h.l2_bytes);
	print_size("last-level", h.llc_bytes);
	printf("  %-14s %s\n", "kernel", h.kernel);
	printf("  %-14s %s\n", "KVM", h.kvm);
	printf("  %-14s %s\n", "cgroups", h.cgroup_mode);
	printf("  %-14s %s%s%s\n", "hw counters", h.hw_counters ? "available" : "unavailable (",
	       h.hw_counters ? "" : h.counters_note, h.hw_counters ? "" : ")");
	return VB_EXIT_OK;
}
