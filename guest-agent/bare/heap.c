/* The bare guest's allocator: first fit over a sorted table of free ranges, coalesced on free. */
#include "guest-agent/bare/heap.h"

#include <string.h>

static uintptr_t heap_round_up(uintptr_t v, uintptr_t to)
{
	return (v + to - 1) & ~(to - 1);
}

void bare_heap_init(struct bare_heap *h)
{
	h->count = 0;
	h->lost = 0;
}

/* The index of the first free range that starts at or above addr. */
static unsigned heap_find(const struct bare_heap *h, uintptr_t addr)
{
	unsigned lo = 0, hi = h->count;
	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		if (h->free[mid].start < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static int heap_insert_at(struct bare_heap *h, unsigned i, uintptr_t start, uintptr_t end)
{
	if (h->count == BARE_HEAP_MAX_RANGES) {
		h->lost += end - start;
		return 0;
	}
	memmove(&h->free[i + 1], &h->free[i], (h->count - i) * sizeof(h->free[0]));
	h->free[i] = (struct bare_heap_range){ start, end };
	h->count++;
	return 0;
}

static void heap_remove_at(struct bare_heap *h, unsigned i)
{
	memmove(&h->free[i], &h->free[i + 1], (h->count - i - 1) * sizeof(h->free[0]));
	h->count--;
}

/* Put [start, end) back, merged with the ranges it touches. */
static int heap_release(struct bare_heap *h, uintptr_t start, uintptr_t end)
{
	if (start >= end)
		return 0;
	unsigned i = heap_find(h, start);
	struct bare_heap_range *prev = i > 0 ? &h->free[i - 1] : NULL;
	struct bare_heap_range *next = i < h->count ? &h->free[i] : NULL;
	if ((prev && prev->end > start) || (next && next->start < end))
		return -1;
	int to_prev = prev && prev->end == start;
	int to_next = next && next->start == end;
	if (to_prev && to_next) {
		prev->end = next->end;
		heap_remove_at(h, i);
	} else if (to_prev) {
		prev->end = end;
	} else if (to_next) {
		next->start = start;
	} else {
		return heap_insert_at(h, i, start, end);
	}
	return 0;
}

int bare_heap_add(struct bare_heap *h, uintptr_t start, uintptr_t end)
{
	start = heap_round_up(start, BARE_HEAP_GRAIN);
	end &= ~(uintptr_t)(BARE_HEAP_GRAIN - 1);
	return start < end ? heap_release(h, start, end) : 0;
}

void *bare_heap_alloc(struct bare_heap *h, size_t bytes, size_t align)
{
	if (align < BARE_HEAP_GRAIN)
		align = BARE_HEAP_GRAIN;
	if (align & (align - 1))
		return NULL;
	if (bytes == 0)
		bytes = 1;
	if (bytes > SIZE_MAX - BARE_HEAP_GRAIN)
		return NULL;
	uintptr_t size = heap_round_up(bytes, BARE_HEAP_GRAIN);
	for (unsigned i = 0; i < h->count; i++) {
		struct bare_heap_range *r = &h->free[i];
		uintptr_t at = heap_round_up(r->start, align);
		if (at < r->start || at >= r->end || r->end - at < size)
			continue;
		uintptr_t end = at + size;
		if (at == r->start && end == r->end) {
			heap_remove_at(h, i);
		} else if (at == r->start) {
			r->start = end;
		} else if (end == r->end) {
			r->end = at;
		} else {
			/* both sides stay free: the tail becomes a range of its own */
			uintptr_t tail_end = r->end;
			r->end = at;
			heap_insert_at(h, i + 1, end, tail_end);
		}
		return (void *)at;
	}
	return NULL;
}

int bare_heap_free(struct bare_heap *h, void *p, size_t bytes)
{
	if (!p)
		return 0;
	if (bytes == 0)
		bytes = 1;
	uintptr_t start = (uintptr_t)p;
	if (start % BARE_HEAP_GRAIN)
		return -1;
	return heap_release(h, start, start + heap_round_up(bytes, BARE_HEAP_GRAIN));
}

size_t bare_heap_free_bytes(const struct bare_heap *h)
{
	size_t total = 0;
	for (unsigned i = 0; i < h->count; i++)
		total += h->free[i].end - h->free[i].start;
	return total;
}

size_t bare_heap_largest(const struct bare_heap *h)
{
	size_t largest = 0;
	for (unsigned i = 0; i < h->count; i++)
		if (h->free[i].end - h->free[i].start > largest)
			largest = h->free[i].end - h->free[i].start;
	return largest;
}
