/*
 * Unit tests for the agent's /proc/stat arithmetic: fixed texts summed over a CPU set or the total
 * line, older kernels' fewer columns, and the milliseconds between two readings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "guest-agent/proc-stat.h"

/*      user nice system idle iowait irq softirq steal guest guest_nice */
static const char *stat_before = "cpu  300 10 60 1000 5 0 15 40 100 0\n"
				 "cpu0 100 0 20 500 2 0 5 30 100 0\n"
				 "cpu1 200 10 40 500 3 0 10 10 0 0\n"
				 "intr 2642785 0 0 0\n"
				 "ctxt 123456\n";
static const char *stat_after = "cpu  400 10 70 1100 5 0 15 60 150 0\n"
				"cpu0 150 0 25 550 2 0 5 45 150 0\n"
				"cpu1 250 10 45 550 3 0 10 15 0 0\n"
				"intr 2642800 0 0 0\n";

static void test_total_line(void **state)
{
	(void)state;
	struct proc_stat_cpus s;
	assert_int_equal(proc_stat_parse(stat_before, NULL, &s), 0);
	assert_int_equal(s.cpus, 1);
	/* guest time is inside user already: not added again */
	assert_int_equal(s.busy, 300 + 10 + 60 + 0 + 15);
	assert_int_equal(s.steal, 40);
	assert_int_equal(s.total, 300 + 10 + 60 + 1000 + 5 + 0 + 15 + 40);
}

static void test_cpu_set(void **state)
{
	(void)state;
	cpu_set_t set;
	struct proc_stat_cpus s;
	CPU_ZERO(&set);
	CPU_SET(1, &set);
	assert_int_equal(proc_stat_parse(stat_before, &set, &s), 0);
	assert_int_equal(s.cpus, 1);
	assert_int_equal(s.busy, 200 + 10 + 40 + 10);
	assert_int_equal(s.steal, 10);
	assert_int_equal(s.total, 200 + 10 + 40 + 500 + 3 + 10 + 10);
	CPU_SET(0, &set);
	assert_int_equal(proc_stat_parse(stat_before, &set, &s), 0);
	assert_int_equal(s.cpus, 2);
	assert_int_equal(s.steal, 40);
	/* a CPU /proc/stat does not list matches nothing */
	CPU_ZERO(&set);
	CPU_SET(7, &set);
	assert_int_equal(proc_stat_parse(stat_before, &set, &s), -1);
	assert_int_equal(proc_stat_parse("intr 1 2 3\n", NULL, &s), -1);
}

static void test_old_kernel_columns(void **state)
{
	(void)state;
	struct proc_stat_cpus s;
	/* before 2.6.11: no steal column; before 2.5.41: no iowait, irq, softirq either */
	assert_int_equal(proc_stat_parse("cpu  10 1 5 100\ncpu0 10 1 5 100\n", NULL, &s), 0);
	assert_int_equal(s.busy, 16);
	assert_int_equal(s.steal, 0);
	assert_int_equal(s.total, 116);
	/* the next line's numbers are not the short line's */
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	CPU_SET(1, &set);
	assert_int_equal(proc_stat_parse("cpu0 1 2\ncpu1 3 4 5 6\n", &set, &s), 0);
	assert_int_equal(s.total, 1 + 2 + 3 + 4 + 5 + 6);
}

static void test_elapsed(void **state)
{
	(void)state;
	cpu_set_t set;
	struct proc_stat_cpus a, b;
	double ms[3];
	CPU_ZERO(&set);
	CPU_SET(0, &set);
	assert_int_equal(proc_stat_parse(stat_before, &set, &a), 0);
	assert_int_equal(proc_stat_parse(stat_after, &set, &b), 0);
	proc_stat_elapsed(&a, &b, 100, ms);
	assert_true(ms[0] == 150.0); /* 15 ticks of steal at 100 Hz */
	assert_true(ms[1] == 550.0); /* 50 user + 5 system */
	assert_true(ms[2] == 1200.0);
	/* a count going backwards (a CPU gone) or a missing reading: not measured */
	proc_stat_elapsed(&b, &a, 100, ms);
	assert_true(isnan(ms[0]) && isnan(ms[1]) && isnan(ms[2]));
	proc_stat_elapsed(NULL, &b, 100, ms);
	assert_true(isnan(ms[0]));
	CPU_SET(1, &set);
	assert_int_equal(proc_stat_parse(stat_after, &set, &b), 0);
	proc_stat_elapsed(&a, &b, 100, ms);
	assert_true(isnan(ms[2]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_total_line),
		cmocka_unit_test(test_cpu_set),
		cmocka_unit_test(test_old_kernel_columns),
		cmocka_unit_test(test_elapsed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
