/*
 * Unit tests for the bare guest's allocator (guest-agent/bare/heap.c), over a plain buffer:
 * alignment, first fit, coalescing in every order, exhaustion, double frees and a full table.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "guest-agent/bare/heap.h"

#define ARENA_BYTES (1u << 20)

static struct bare_heap heap;
static char *arena;

static int setup(void **state)
{
	(void)state;
	arena = aligned_alloc(ARENA_BYTES, ARENA_BYTES);
	if (!arena)
		return -1;
	bare_heap_init(&heap);
	return bare_heap_add(&heap, (uintptr_t)arena, (uintptr_t)arena + ARENA_BYTES);
}

static int teardown(void **state)
{
	(void)state;
	free(arena);
	return 0;
}

static int inside_arena(const void *p, size_t bytes)
{
	return (const char *)p >= arena && (const char *)p + bytes <= arena + ARENA_BYTES;
}

static void test_sizes_round_to_the_grain_and_blocks_do_not_overlap(void **state)
{
	(void)state;
	char *a = bare_heap_alloc(&heap, 1, 1);
	char *b = bare_heap_alloc(&heap, 17, 1);
	char *c = bare_heap_alloc(&heap, 0, 1);
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(inside_arena(a, 16) && inside_arena(b, 32) && inside_arena(c, 16));
	assert_int_equal((uintptr_t)a % BARE_HEAP_GRAIN, 0);
	/* first fit from the bottom: each block follows the last */
	assert_ptr_equal(b, a + 16);
	assert_ptr_equal(c, b + 32);
	assert_int_equal(bare_heap_free_bytes(&heap), ARENA_BYTES - 64);
}

static void test_aligned_blocks_leave_the_gap_before_them_free(void **state)
{
	(void)state;
	char *small = bare_heap_alloc(&heap, 100, 16);
	char *page = bare_heap_alloc(&heap, 5000, 4096);
	char *big = bare_heap_alloc(&heap, 3000, 65536);
	assert_non_null(small);
	assert_non_null(page);
	assert_non_null(big);
	assert_int_equal((uintptr_t)page % 4096, 0);
	assert_int_equal((uintptr_t)big % 65536, 0);
	assert_true(inside_arena(big, 3000));
	/* the gap between the small block and the page-aligned one is still handed out */
	char *filler = bare_heap_alloc(&heap, 64, 16);
	assert_ptr_equal(filler, small + 112);
	/* a non-power-of-two alignment is refused */
	assert_null(bare_heap_alloc(&heap, 64, 48));
}

/* Three neighbours freed in each of the six orders always merge back into the whole arena. */
static void test_freeing_coalesces_in_any_order(void **state)
{
	(void)state;
	static const int orders[6][3] = { { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 },
					  { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 } };
	for (int o = 0; o < 6; o++) {
		void *blocks[3];
		size_t sizes[3] = { 4096, 160, 70000 };
		for (int i = 0; i < 3; i++) {
			blocks[i] = bare_heap_alloc(&heap, sizes[i], 16);
			assert_non_null(blocks[i]);
		}
		assert_true(heap.count >= 1);
		for (int i = 0; i < 3; i++)
			assert_int_equal(
				bare_heap_free(&heap, blocks[orders[o][i]], sizes[orders[o][i]]),
				0);
		assert_int_equal(heap.count, 1);
		assert_int_equal(bare_heap_free_bytes(&heap), ARENA_BYTES);
		assert_int_equal(bare_heap_largest(&heap), ARENA_BYTES);
	}
}

static void test_a_freed_hole_is_reused_first(void **state)
{
	(void)state;
	char *a = bare_heap_alloc(&heap, 256, 16);
	char *b = bare_heap_alloc(&heap, 256, 16);
	char *c = bare_heap_alloc(&heap, 256, 16);
	assert_int_equal(bare_heap_free(&heap, b, 256), 0);
	assert_int_equal(heap.count, 2);
	assert_ptr_equal(bare_heap_alloc(&heap, 200, 16), b);
	/* too big for the hole: comes from after c */
	assert_int_equal(bare_heap_free(&heap, b, 200), 0);
	char *d = bare_heap_alloc(&heap, 512, 16);
	assert_true(d > c);
	assert_non_null(a);
}

/* Workloads take most of the heap for a sample and give it back: nothing may be lost doing so. */
static void test_exhaustion_fails_cleanly_and_freeing_recovers(void **state)
{
	(void)state;
	assert_null(bare_heap_alloc(&heap, ARENA_BYTES + 16, 16));
	assert_null(bare_heap_alloc(&heap, SIZE_MAX, 16));
	assert_null(bare_heap_alloc(&heap, SIZE_MAX - 8, 16));
	for (int round = 0; round < 3; round++) {
		void *all = bare_heap_alloc(&heap, ARENA_BYTES, 4096);
		assert_ptr_equal(all, arena);
		assert_null(bare_heap_alloc(&heap, 1, 1));
		assert_int_equal(bare_heap_free_bytes(&heap), 0);
		assert_int_equal(bare_heap_free(&heap, all, ARENA_BYTES), 0);
		assert_int_equal(bare_heap_free_bytes(&heap), ARENA_BYTES);
	}
	/* an alignment no free range can meet: the free range is (arena, arena + 1 MiB), and the
	   arena is 1 MiB aligned */
	assert_non_null(bare_heap_alloc(&heap, 16, 16));
	assert_null(bare_heap_alloc(&heap, 4096, (size_t)ARENA_BYTES));
	assert_null(bare_heap_alloc(&heap, 4096, (size_t)ARENA_BYTES * 2));
}

static void test_double_and_stray_frees_are_refused(void **state)
{
	(void)state;
	char *a = bare_heap_alloc(&heap, 4096, 16);
	char *b = bare_heap_alloc(&heap, 4096, 16);
	assert_int_equal(bare_heap_free(&heap, a, 4096), 0);
	assert_int_equal(bare_heap_free(&heap, a, 4096), -1);
	/* overlapping free memory from either side */
	assert_int_equal(bare_heap_free(&heap, a + 2048, 4096), -1);
	assert_int_equal(bare_heap_free(&heap, b + 8, 16), -1); /* off the grain */
	assert_int_equal(bare_heap_free(&heap, NULL, 16), 0);
	assert_int_equal(bare_heap_free(&heap, b, 4096), 0);
	assert_int_equal(heap.count, 1);
	/* a range handed in twice */
	assert_int_equal(bare_heap_add(&heap, (uintptr_t)arena, (uintptr_t)arena + 4096), -1);
}

/* More holes than the table holds: the last is dropped and counted, everything else still works. */
static void test_a_full_table_loses_a_hole_and_counts_it(void **state)
{
	(void)state;
	size_t n = 2 * BARE_HEAP_MAX_RANGES + 2;
	assert_true(n * 16 < ARENA_BYTES);
	char *first = bare_heap_alloc(&heap, 16, 16);
	for (size_t i = 1; i < n; i++)
		assert_ptr_equal(bare_heap_alloc(&heap, 16, 16), first + 16 * i);
	/* holes at even blocks: the tail of the arena is one range, so MAX - 1 holes fit */
	for (size_t i = 0; i < n; i += 2)
		assert_int_equal(bare_heap_free(&heap, first + 16 * i, 16), 0);
	assert_int_equal(heap.count, BARE_HEAP_MAX_RANGES);
	assert_int_equal(heap.lost, 16 * (n / 2 - (BARE_HEAP_MAX_RANGES - 1)));
	/* the odd blocks still free, merging the holes around them */
	for (size_t i = 1; i < n; i += 2)
		assert_int_equal(bare_heap_free(&heap, first + 16 * i, 16), 0);
	assert_int_equal(bare_heap_free_bytes(&heap) + heap.lost, ARENA_BYTES);
}

static void test_two_ranges_serve_as_one_heap(void **state)
{
	(void)state;
	/* the VMM's two heap ranges (below and above the MMIO hole), given in any order */
	bare_heap_init(&heap);
	assert_int_equal(
		bare_heap_add(&heap, (uintptr_t)arena + 65536 + 5, (uintptr_t)arena + ARENA_BYTES),
		0);
	assert_int_equal(bare_heap_add(&heap, (uintptr_t)arena, (uintptr_t)arena + 4096), 0);
	assert_int_equal(heap.count, 2);
	/* trimmed to the grain */
	assert_int_equal(heap.free[1].start, (uintptr_t)arena + 65536 + 16);
	char *small = bare_heap_alloc(&heap, 4096, 16);
	char *large = bare_heap_alloc(&heap, 8192, 16);
	assert_ptr_equal(small, arena);
	assert_ptr_equal(large, arena + 65536 + 16);
	assert_int_equal(heap.count, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_sizes_round_to_the_grain_and_blocks_do_not_overlap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aligned_blocks_leave_the_gap_before_them_free,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeing_coalesces_in_any_order, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_freed_hole_is_reused_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exhaustion_fails_cleanly_and_freeing_recovers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_double_and_stray_frees_are_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_full_table_loses_a_hole_and_counts_it, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_two_ranges_serve_as_one_heap, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
