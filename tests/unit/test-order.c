/*
 * Unit tests for the order backends take their turns in within a round: it changes from one
 * round to the next, gives every backend every place equally often, follows the seed, and is
 * recorded in the results file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "harness/order.h"
#include "analysis/results.h"

#define MAX_N 8

static bool is_permutation(const unsigned *order, unsigned n)
{
	bool seen[MAX_N] = { false };
	for (unsigned i = 0; i < n; i++) {
		if (order[i] >= n || seen[order[i]])
			return false;
		seen[order[i]] = true;
	}
	return true;
}

static void test_every_round_is_a_permutation(void **state)
{
	(void)state;
	for (unsigned n = 1; n <= MAX_N; n++)
		for (unsigned round = 0; round < 3 * n; round++) {
			unsigned order[MAX_N];
			order_round(7, "mem.stream", round, n, order);
			assert_true(is_permutation(order, n));
		}
}

/* The old runner ran sessions 0, 1, 2, ... in every round: the first backend always led. */
static void test_consecutive_rounds_differ(void **state)
{
	(void)state;
	for (unsigned n = 2; n <= MAX_N; n++)
		for (unsigned round = 0; round < 2 * n; round++) {
			unsigned a[MAX_N], b[MAX_N];
			order_round(1, "cpu.sha256", round, n, a);
			order_round(1, "cpu.sha256", round + 1, n, b);
			assert_memory_not_equal(a, b, n * sizeof(a[0]));
		}
}

/* Over any n consecutive rounds, each backend holds each place exactly once. */
static void test_places_are_shared_out_evenly(void **state)
{
	(void)state;
	const char *workloads[] = { "cpu.sha256", "os.clock", "lifecycle.start" };
	for (size_t w = 0; w < 3; w++)
		for (unsigned n = 1; n <= MAX_N; n++)
			for (unsigned start = 0; start < n; start++) {
				unsigned count[MAX_N][MAX_N];
				memset(count, 0, sizeof(count));
				for (unsigned round = start; round < start + n; round++) {
					unsigned order[MAX_N];
					order_round(42, workloads[w], round, n, order);
					for (unsigned place = 0; place < n; place++)
						count[order[place]][place]++;
				}
				for (unsigned b = 0; b < n; b++)
					for (unsigned place = 0; place < n; place++)
						assert_int_equal(count[b][place], 1);
			}
}

static void test_same_seed_same_orders_and_seeds_matter(void **state)
{
	(void)state;
	unsigned a[MAX_N], b[MAX_N];
	for (unsigned round = 0; round < 10; round++) {
		order_round(12345, "os.fork", round, 4, a);
		order_round(12345, "os.fork", round, 4, b);
		assert_memory_equal(a, b, 4 * sizeof(a[0]));
	}
	/* the first round's order depends on the seed and on the workload, not just the round */
	bool seed_matters = false, workload_matters = false;
	order_round(1, "os.fork", 0, 4, a);
	for (uint64_t seed = 2; seed < 50 && !seed_matters; seed++) {
		order_round(seed, "os.fork", 0, 4, b);
		seed_matters = memcmp(a, b, 4 * sizeof(a[0])) != 0;
	}
	const char *others[] = { "os.clock", "cpu.sort", "mem.stream", "io.blk.randread" };
	for (size_t i = 0; i < 4 && !workload_matters; i++) {
		order_round(1, others[i], 0, 4, b);
		workload_matters = memcmp(a, b, 4 * sizeof(a[0])) != 0;
	}
	assert_true(seed_matters);
	assert_true(workload_matters);
}

/* The orders used are saved with the results and read back unchanged. */
static void test_rounds_survive_the_results_file(void **state)
{
	(void)state;
	struct results_doc doc, back;
	struct vb_error err = { 0 };
	results_init(&doc);
	assert_int_equal(results_add_round(&doc, "os.clock", 1, true, "lxc,native"), 0);
	assert_int_equal(results_add_round(&doc, "os.clock", 2, false, "native,lxc"), 0);
	assert_int_equal(results_add_round(&doc, "os.clock", 3, false, "native"), 0);
	size_t len;
	char *text = results_to_json(&doc, &len);
	assert_non_null(strstr(text, "\"rounds\":[{\"workload\":\"os.clock\",\"round\":1,"
				     "\"warmup\":true,\"order\":[\"lxc\",\"native\"]}"));
	assert_int_equal(results_parse(&back, text, len, &err), 0);
	assert_int_equal(back.nrounds, 3);
	assert_string_equal(back.rounds[1].order, "native,lxc");
	assert_int_equal(back.rounds[1].round, 2);
	assert_false(back.rounds[1].warmup);
	assert_string_equal(back.rounds[2].order, "native");
	char *again = results_to_json(&back, NULL);
	assert_string_equal(text, again);
	free(again);
	free(text);
	results_free(&back);

	/* a name that would not survive the comma-joined form is refused */
	const char *bad = "{\"schema\":\"vbench-result/1\",\"vbench_version\":\"0\","
			  "\"start_time\":\"x\",\"host\":{},\"config\":{\"suite\":\"smoke\"},"
			  "\"backends\":[],\"results\":[],\"rounds\":[{\"workload\":\"a\","
			  "\"round\":1,\"order\":[\"lxc,native\"]}]}";
	assert_int_equal(results_parse(&back, bad, strlen(bad), &err), -1);
	assert_non_null(strstr(err.message, "rounds[0].order[0]"));
	results_free(&back);
	results_free(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_round_is_a_permutation),
		cmocka_unit_test(test_consecutive_rounds_differ),
		cmocka_unit_test(test_places_are_shared_out_evenly),
		cmocka_unit_test(test_same_seed_same_orders_and_seeds_matter),
		cmocka_unit_test(test_rounds_survive_the_results_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
