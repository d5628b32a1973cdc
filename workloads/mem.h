/* Pointer-chasing helpers shared by the memory workloads (and pinned by their unit test). */
#ifndef VB_MEM_H
#define VB_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "common/rng.h"

/*
 * Link `slots` slots of buf, each `stride` bytes apart, into one random cycle (Sattolo's
 * algorithm): every slot is visited exactly once before the chain returns to its start.
 * With spread_lines, each slot sits at a random 64-byte line inside its stride (so that
 * page-stride chains do not all land in the same cache sets). Returns the first slot, or
 * NULL if the scratch order array (4 bytes per slot) cannot be allocated.
 */
void *mem_chase_build(void *buf, size_t slots, size_t stride, int spread_lines, struct rng *rng);

/* Follow the chain for `loads` dependent loads; returns where it stopped. */
void *mem_chase_walk(void *start, size_t loads);

/*
 * Sizing, pure functions so that their answers can be pinned. Every size is bounded by the
 * memory budget: what a workload may allocate under the run's --memory limit (the rest is left
 * to the guest kernel, the agent and the page cache).
 */
size_t mem_budget_bytes(size_t memory_limit);
/* One STREAM array (there are three): llc_multiple x LLC, capped by max_total / 3 and the
 * budget / 3, in whole cache lines. */
size_t mem_stream_array_bytes(size_t llc, double llc_multiple, size_t max_total, size_t budget);
/* The GUPS table: a power of two, llc_multiple x LLC capped by max_bytes and the budget. */
size_t mem_gups_table_bytes(size_t llc, double llc_multiple, size_t max_bytes, size_t budget);
/* HPCC RandomAccess: four updates per table entry. */
uint64_t mem_gups_updates(size_t table_bytes);
/* The largest latency working set: 4 KiB x 4^k up to 1 GiB, within max_bytes and the budget
 * (which also holds the 4-byte-per-line chain order built beside it). */
size_t mem_latency_top_bytes(size_t max_bytes, size_t budget);
/* The metric of one working-set size: "lat_4KiB", "lat_1MiB", "lat_1GiB" (its curve_bytes). */
void mem_latency_metric_name(size_t size, char *out, size_t len);
/*
 * Loads for the next try at a timed interval of at least min_ns, after `loads` took `ns`:
 * `loads` again when it was long enough, else enough to reach min_ns with a quarter to spare
 * (at most 100 times more per try, as a too-coarse clock may have read 0).
 */
size_t mem_loads_for_min_time(size_t loads, uint64_t ns, uint64_t min_ns);

#endif
