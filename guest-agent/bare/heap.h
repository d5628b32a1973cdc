/*
 * The bare guest's memory allocator: free ranges of the VMM's identity-mapped heap in a sorted
 * table kept outside the heap (freeing coalesces neighbours, and nothing is written into memory
 * a workload has not touched yet). No port I/O and no locking: platform-bare.c serialises it,
 * the unit test drives it over a plain buffer.
 */
#ifndef VB_BARE_HEAP_H
#define VB_BARE_HEAP_H

#include <stddef.h>
#include <stdint.h>

#define BARE_HEAP_GRAIN	     16u   /* sizes and addresses are multiples of this */
#define BARE_HEAP_MAX_RANGES 4096u /* free ranges the table holds (64 KiB) */

struct bare_heap_range {
	uintptr_t start, end; /* [start, end) */
};

struct bare_heap {
	unsigned count;
	struct bare_heap_range free[BARE_HEAP_MAX_RANGES]; /* sorted, disjoint, never adjacent */
	size_t lost; /* bytes dropped because the table was full (fragmentation beyond it) */
};

void bare_heap_init(struct bare_heap *h);
/* Hand [start, end) to the heap (trimmed to the grain); -1 if it overlaps free memory. */
int bare_heap_add(struct bare_heap *h, uintptr_t start, uintptr_t end);
/*
 * bytes (rounded up to the grain) at an address aligned to align (a power of two; below the
 * grain means the grain), from the lowest free range that holds them; NULL when none does.
 */
void *bare_heap_alloc(struct bare_heap *h, size_t bytes, size_t align);
/*
 * Give back what bare_heap_alloc returned, with the bytes asked for then; -1 if p is not such a
 * block or overlaps free memory (a double free).
 */
int bare_heap_free(struct bare_heap *h, void *p, size_t bytes);
size_t bare_heap_free_bytes(const struct bare_heap *h);
/* The largest block the heap could hand out now (no alignment asked). */
size_t bare_heap_largest(const struct bare_heap *h);

#endif
