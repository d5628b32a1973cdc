/*
 * Unit tests for the bare guest's memcpy and memmove (guest-agent/bare/string-bare.c), built
 * here under other names so that the test's own C library keeps its own: every length up to
 * past the string-instruction threshold, at every alignment, against a byte loop, and memmove's
 * overlaps in both directions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#define memcpy	bare_test_memcpy
#define memmove bare_test_memmove
#include "guest-agent/bare/string-bare.c"
#undef memcpy
#undef memmove

#define MAX_LEN 1200 /* past COPY_STRING_FROM */
#define GUARD	32

static unsigned char src[MAX_LEN + 2 * GUARD], dst[MAX_LEN + 2 * GUARD], want[MAX_LEN + 2 * GUARD];

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(i * 131 + seed * 17 + 7);
}

static void test_memcpy_copies_every_length_at_every_alignment(void **state)
{
	(void)state;
	fill(src, sizeof(src), 1);
	for (size_t n = 0; n <= MAX_LEN; n++) {
		for (size_t so = 0; so < 16; so += (n > 300 ? 5 : 1)) {
			for (size_t doff = 0; doff < 16; doff += (n > 300 ? 7 : 3)) {
				memset(dst, 0xee, sizeof(dst));
				memset(want, 0xee, sizeof(want));
				for (size_t i = 0; i < n; i++)
					want[GUARD + doff + i] = src[GUARD + so + i];
				void *r = bare_test_memcpy(dst + GUARD + doff, src + GUARD + so, n);
				assert_ptr_equal(r, dst + GUARD + doff);
				/* the bytes around the copy are untouched too */
				assert_memory_equal(dst, want, sizeof(dst));
			}
		}
	}
}

static void test_memmove_handles_overlap_both_ways(void **state)
{
	(void)state;
	static const size_t lengths[] = { 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 511, 512, 1000 };
	static const long shifts[] = { -17, -16, -8, -1, 1, 3, 8, 16, 31, 100 };
	for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
		for (size_t s = 0; s < sizeof(shifts) / sizeof(shifts[0]); s++) {
			size_t n = lengths[l];
			long shift = shifts[s];
			size_t from = GUARD + 100, to = (size_t)((long)from + shift);
			if (to + n > sizeof(dst) || from + n > sizeof(dst))
				continue;
			fill(dst, sizeof(dst), (unsigned)(l + s));
			memcpy(want, dst, sizeof(dst));
			memmove(want + to, want + from, n); /* the test library's, as reference */
			assert_ptr_equal(bare_test_memmove(dst + to, dst + from, n), dst + to);
			assert_memory_equal(dst, want, sizeof(dst));
		}
	}
	/* no overlap and zero length */
	fill(src, sizeof(src), 9);
	bare_test_memmove(dst, src, 600);
	assert_memory_equal(dst, src, 600);
	bare_test_memmove(dst, dst, 10);
	bare_test_memmove(dst + 1, dst, 0);
	assert_memory_equal(dst, src, 600);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_memcpy_copies_every_length_at_every_alignment),
		cmocka_unit_test(test_memmove_handles_overlap_both_ways),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
