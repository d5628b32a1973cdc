/* The CPUs a run's environments get: chosen from hwloc's topology, pinned to, written as a list. */
#ifndef VB_BACKENDS_CPUS_H
#define VB_BACKENDS_CPUS_H

#include <stddef.h>

#include "common/error.h"

/*
 * Choose ncpus PUs for a run: one PU per core (no SMT siblings), spread over the cores
 * hwloc finds, skipping PUs this process may not use. ncpus == 0 picks every core, at most
 * BACKEND_MAX_CPUS.
 */
int cpus_pick(unsigned ncpus, unsigned *list, unsigned *count, struct vb_error *err);
/* Pin the calling process to the PUs in list (hwloc). */
int cpus_bind_process(const unsigned *list, unsigned count, struct vb_error *err);
/* "0,1,4": as many whole numbers as fit in out (never a cut one). */
void cpus_format_list(const unsigned *list, unsigned count, char *out, size_t len);

#endif
