/* Pointer-chasing helpers shared by the memory workloads (and pinned by their unit test). */
#ifndef VB_MEM_H
#define VB_MEM_H

#include <stddef.h>

#include "workloads/platform.h"

/*
 * Link `slots` slots of buf, each `stride` bytes apart, into one random cycle (Sattolo's
 * algorithm): every slot is visited exactly once before the chain returns to its start.
 * With spread_lines, each slot sits at a random 64-byte line inside its stride (so that
 * page-stride chains do not all land in the same cache sets). Returns the first slot, or
 * NULL if the scratch order array (4 bytes per slot) cannot be allocated.
 */
void *mem_chase_build(void *buf, size_t slots, size_t stride, int spread_lines,
		      struct platform_rng *rng);

/* Follow the chain for `loads` dependent loads; returns where it stopped. */
void *mem_chase_walk(void *start, size_t loads);

#endif
