/*
 * Unit tests for the CPUs a run gets (backends/cpus.c): the list as text, never a cut number,
 * and a pick that stays within what this process may use, one PU per core.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <string.h>

#include "backends/backend.h"
#include "backends/cpus.h"

static void test_format_list(void **state)
{
	(void)state;
	const unsigned list[] = { 0, 1, 4, 12 };
	char out[32];
	cpus_format_list(list, 4, out, sizeof(out));
	assert_string_equal(out, "0,1,4,12");
	cpus_format_list(list, 0, out, sizeof(out));
	assert_string_equal(out, "");
	/* "0,1,4" fits in 6 bytes, ",12" does not: the list stops before it, not inside it */
	cpus_format_list(list, 4, out, 6);
	assert_string_equal(out, "0,1,4");
	cpus_format_list(list, 4, out, 7);
	assert_string_equal(out, "0,1,4");
}

static void test_pick_within_affinity(void **state)
{
	(void)state;
	cpu_set_t allowed;
	assert_int_equal(sched_getaffinity(0, sizeof(allowed), &allowed), 0);
	unsigned list[BACKEND_MAX_CPUS], n = 0;
	struct vb_error err;
	assert_int_equal(cpus_pick(0, list, &n, &err), 0);
	assert_true(n >= 1 && n <= (unsigned)CPU_COUNT(&allowed));
	for (unsigned i = 0; i < n; i++) {
		assert_true(CPU_ISSET(list[i], &allowed));
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(list[i], list[j]);
	}
	unsigned one[BACKEND_MAX_CPUS], n1 = 0;
	assert_int_equal(cpus_pick(1, one, &n1, &err), 0);
	assert_int_equal(n1, 1);
	assert_int_equal(one[0], list[0]);
	/* more cores than there are: refused, naming the option */
	assert_int_equal(cpus_pick(n + 1, one, &n1, &err), -1);
	assert_non_null(strstr(err.message, "--cpus"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_list),
		cmocka_unit_test(test_pick_within_affinity),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
