/* What the host is: topology and caches (hwloc), CPU model, kernel, KVM flavour, cgroup mode. */
#ifndef VB_HOST_H
#define VB_HOST_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "analysis/results.h"

/* Fill everything vbench reports about the host. Never fails; unknowns are left empty/0. */
void host_describe(struct result_host *host);

/* /dev/kvm: "absent", "not permitted", "hardware-assisted (kvm_intel)", "pvm (ring 0 emulated)" */
void host_kvm_flavour(char *out, size_t len);
/* "v1", "v2", "hybrid", "none" */
void host_cgroup_mode(char *out, size_t len);
/* Can this process count hardware cycles (perf_event_open)? note says why not. */
bool host_hw_counters(char *note, size_t len);

#endif
