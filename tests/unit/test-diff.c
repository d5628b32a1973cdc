/* Unit tests for analysis/diff.c and `vbench diff`: verdicts on synthetic samples with known answers. */
#include <fcntl.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/test-util.h"

#include "cli/commands.h"
#include "analysis/diff.h"
#include "analysis/report-buf.h"
#include "analysis/results.h"
#include "workloads/workload.h"
#include "common/rng.h"

static const struct workload diff_workload = {
	.id = "test.synthetic",
	.group = "cpu",
	.description = "synthetic samples",
	.metrics = { { "rate", "ops/s", BETTER_HIGHER }, { "latency", "ns", BETTER_LOWER } },
};

static struct result_entry *diff_entry(struct results_doc *doc, size_t metric, const char *backend)
{
	return results_entry(doc, diff_workload.id, diff_workload.group,
			     &diff_workload.metrics[metric], backend);
}

/* 20 samples spread evenly over +-1% around centre. */
static void add_samples(struct results_doc *doc, size_t metric, const char *backend, double centre)
{
	struct result_entry *e = diff_entry(doc, metric, backend);
	assert_non_null(e);
	for (int i = 0; i < 20; i++)
		assert_int_equal(results_add_sample(e, centre * (1 + ((i * 7) % 20 - 9.5) / 950.0)),
				 0);
}

static void make_doc(struct results_doc *doc, double rate, double latency)
{
	results_init(doc);
	snprintf(doc->start_time, sizeof(doc->start_time), "2026-11-22T04:20:00Z");
	add_samples(doc, 0, "kvm", rate);
	add_samples(doc, 1, "kvm", latency);
	results_compute(doc, 1);
}

static const struct diff_row *row(const struct diff_result *d, const char *metric)
{
	for (size_t i = 0; i < d->nrows; i++)
		if (!strcmp(d->rows[i].metric, metric))
			return &d->rows[i];
	fail_msg("no row for %s", metric);
	return NULL;
}

static void compare(double rate, double latency, double threshold, struct diff_result *d)
{
	struct results_doc base, new;
	struct diff_options o;
	struct vb_error err = { 0 };
	diff_options_default(&o);
	if (threshold >= 0)
		o.threshold_pct = threshold;
	make_doc(&base, 100, 100);
	make_doc(&new, rate, latency);
	assert_int_equal(diff_compare(&base, &new, &o, d, &err), 0);
	results_free(&base);
	results_free(&new);
}

static void test_identical_runs_unchanged(void **state)
{
	(void)state;
	struct diff_result d;
	compare(100, 100, -1, &d);
	assert_int_equal(d.nrows, 2);
	assert_int_equal(d.unchanged, 2);
	assert_int_equal(d.regressed + d.improved, 0);
	assert_float_equal(row(&d, "rate")->ratio, 1.0, 1e-12);
	assert_false(row(&d, "rate")->significant);
	assert_true(row(&d, "rate")->p > 0.5);
	diff_free(&d);
}

static void test_direction_follows_better(void **state)
{
	(void)state;
	struct diff_result d;
	/* everything 20% larger: more rate is better, more latency is worse */
	compare(120, 120, -1, &d);
	const struct diff_row *rate = row(&d, "rate"), *lat = row(&d, "latency");
	assert_int_equal(rate->verdict, DIFF_IMPROVED);
	assert_int_equal(lat->verdict, DIFF_REGRESSED);
	assert_float_equal(rate->ratio, 1.2, 1e-9);
	assert_float_equal(lat->change_pct, 20.0, 1e-6);
	assert_true(lat->lo > 1.0 && lat->lo <= 1.2 && lat->hi >= 1.2);
	assert_true(lat->p < 0.001);
	assert_int_equal(d.regressed, 1);
	assert_int_equal(d.improved, 1);
	diff_free(&d);
	/* 20% smaller: the other way round */
	compare(80, 80, -1, &d);
	assert_int_equal(row(&d, "rate")->verdict, DIFF_REGRESSED);
	assert_int_equal(row(&d, "latency")->verdict, DIFF_IMPROVED);
	diff_free(&d);
}

static void test_threshold(void **state)
{
	(void)state;
	struct diff_result d;
	/* a 3% slowdown is clearly significant with these tight samples, but within the 10% default */
	compare(97, 103, -1, &d);
	const struct diff_row *lat = row(&d, "latency");
	assert_true(lat->significant);
	assert_int_equal(lat->verdict, DIFF_UNCHANGED);
	assert_non_null(strstr(lat->why, "excludes 1 but reaches into the 10% band"));
	diff_free(&d);
	/* the same change with a 2% threshold is a regression */
	compare(97, 103, 2, &d);
	assert_int_equal(row(&d, "latency")->verdict, DIFF_REGRESSED);
	assert_int_equal(row(&d, "rate")->verdict, DIFF_REGRESSED);
	diff_free(&d);
	/* and a 20% change under a 25% threshold is not */
	compare(80, 120, 25, &d);
	assert_int_equal(d.regressed, 0);
	diff_free(&d);
}

static void test_unmatched_and_empty(void **state)
{
	(void)state;
	struct results_doc base, new;
	struct diff_options o;
	struct diff_result d;
	struct vb_error err = { 0 };
	diff_options_default(&o);
	make_doc(&base, 100, 100);
	make_doc(&new, 100, 100);
	add_samples(&base, 0, "lxc", 100);   /* only in BASE */
	add_samples(&new, 0, "native", 100); /* only in NEW */
	struct result_entry *e = diff_entry(&new, 1, "lxc");
	e->status = RESULT_UNSUPPORTED;
	diff_entry(&base, 1, "lxc")->status = RESULT_OK;
	assert_int_equal(diff_compare(&base, &new, &o, &d, &err), 0);
	assert_int_equal(d.only_base, 1);
	assert_int_equal(d.only_new, 1);
	assert_int_equal(d.skipped, 1);
	assert_int_equal(d.regressed, 0);
	diff_free(&d);
	/* measured before, failing now: a regression */
	struct result_entry *broken = diff_entry(&new, 0, "kvm");
	broken->status = RESULT_ERROR;
	broken->nsamples = 0;
	snprintf(broken->note, sizeof(broken->note), "agent died");
	assert_int_equal(diff_compare(&base, &new, &o, &d, &err), 0);
	assert_int_equal(d.regressed, 1);
	assert_non_null(strstr(row(&d, "rate")->why, "failed in NEW: agent died"));
	diff_free(&d);
	struct report_buf caveats;
	report_buf_init(&caveats);
	diff_caveats(&base, &new, &caveats);
	assert_null(caveats.text); /* like for like */
	new.config.suite = SUITE_FULL;
	diff_caveats(&base, &new, &caveats);
	assert_non_null(strstr(caveats.text, "BASE ran the smoke suite and NEW the full suite"));
	report_buf_free(&caveats);
	report_buf_init(&caveats);
	snprintf(base.schema, sizeof(base.schema), "vbench-result/1");
	diff_caveats(&base, &new, &caveats);
	assert_non_null(
		strstr(caveats.text, "BASE is a vbench-result/1 file and NEW a vbench-result/2"));
	report_buf_free(&caveats);
	o.alpha = 0;
	assert_int_equal(diff_compare(&base, &new, &o, &d, &err), -1);
	assert_non_null(strstr(err.message, "alpha"));
	diff_free(&d);
	results_free(&base);
	results_free(&new);
}

static void test_renderings(void **state)
{
	(void)state;
	struct diff_result d;
	compare(120, 120, -1, &d);
	struct report_buf md, junit;
	report_buf_init(&md);
	report_buf_init(&junit);
	diff_render_markdown(&d, "base.json", "new.json", &md);
	diff_render_junit(&d, &junit);
	assert_non_null(strstr(md.text, "| **regressed** | test.synthetic | latency | kvm |"));
	assert_non_null(strstr(md.text, "1 regressed, 1 improved"));
	/* the text states the rule the code applies, with the numbers it used */
	assert_non_null(strstr(md.text, "lies wholly outside [0.9, 1.1] (the threshold, 10%"));
	assert_non_null(strstr(md.text, "at least 98% probability (with 5 samples a side: 98.4%)"));
	assert_non_null(strstr(md.text, "No p-value adjustment is made"));
	assert_non_null(strstr(junit.text, "failures=\"1\""));
	assert_non_null(
		strstr(junit.text,
		       "<testcase classname=\"test.synthetic\" name=\"latency on kvm\"><failure"));
	report_buf_free(&md);
	report_buf_free(&junit);
	diff_free(&d);
}

/* A one-row comparison of the given samples (the rate metric, higher is better). */
static void compare_samples(const double *b, size_t nb, const double *n, size_t nn,
			    struct diff_result *d)
{
	struct results_doc base, new;
	struct diff_options o;
	struct vb_error err = { 0 };
	diff_options_default(&o);
	results_init(&base);
	results_init(&new);
	struct result_entry *eb = diff_entry(&base, 0, "kvm");
	struct result_entry *en = diff_entry(&new, 0, "kvm");
	for (size_t i = 0; i < nb; i++)
		assert_int_equal(results_add_sample(eb, b[i]), 0);
	for (size_t i = 0; i < nn; i++)
		assert_int_equal(results_add_sample(en, n[i]), 0);
	assert_int_equal(diff_compare(&base, &new, &o, d, &err), 0);
	results_free(&base);
	results_free(&new);
}

static void test_exact_interval_and_limits(void **state)
{
	(void)state;
	struct diff_result d;
	/* 30% slower, 5 a side, tight: the 98.4% interval is the 2nd smallest and largest ratio */
	const double base[] = { 100, 101, 99, 102, 98 }, slow[] = { 70, 70.7, 69.3, 71.4, 68.6 };
	compare_samples(base, 5, slow, 5, &d);
	assert_int_equal(d.rows[0].verdict, DIFF_REGRESSED);
	assert_float_equal(d.rows[0].coverage, 1 - 4.0 / 252, 1e-12);
	assert_float_equal(d.rows[0].lo, 68.6 / 101, 1e-12); /* 0.7 x 98/101 */
	assert_float_equal(d.rows[0].hi, 70.7 / 98, 1e-12);  /* 0.7 x 101/98 */
	assert_float_equal(d.rows[0].p, 2.0 / 252, 1e-12);
	diff_free(&d);
	/* 3 a side cannot give 98%: not compared, and why */
	compare_samples(base, 3, slow, 3, &d);
	assert_int_equal(d.rows[0].verdict, DIFF_SKIPPED);
	assert_non_null(
		strstr(d.rows[0].why, "too few samples (3 BASE, 3 NEW) for a 98% interval"));
	diff_free(&d);
	/* noise of 30%: a halving could be chance with 5 samples, so it is not judged */
	const double wild[] = { 60, 100, 140, 80, 120 }, wild_slow[] = { 30, 50, 70, 40, 60 };
	compare_samples(wild, 5, wild_slow, 5, &d);
	assert_int_equal(d.rows[0].verdict, DIFF_SKIPPED);
	assert_non_null(strstr(d.rows[0].why, "too noisy to judge against a 10% threshold"));
	diff_free(&d);
}

/* ---- the decision rule's power and false-alarm rate, simulated ---- */

/* Standard normal draws from the seeded generator (Box-Muller). */
enum { SIM_ROWS = 140, SIM_SAMPLES = 5, SIM_SLOW_ROW = 44 };

/* Row r's noise (coefficient of variation): 0.5% to 10% for 120 rows, then up to 40%. */
static double sim_cv(size_t r)
{
	return r < 120 ? 0.005 + 0.095 * (double)r / 119 : 0.10 + 0.30 * (double)(r - 119) / 20;
}

/*
 * One run of SIM_ROWS rows (2 metrics x 70 backends), 5 lognormal samples each, with sim_cv's
 * noise: tight cpu.* metrics to loose I/O tails and a few wild ones. drift is each row's
 * run-to-run shift of the median (sd, log scale), what two runs of one build on a shared
 * machine show. Row SIM_SLOW_ROW (a rate, 4% noise) is slowed by slow.
 */
static void sim_run(struct results_doc *doc, struct rng *rng, double drift, double slow)
{
	results_init(doc);
	for (size_t r = 0; r < SIM_ROWS; r++) {
		char backend[16];
		snprintf(backend, sizeof(backend), "b%02zu", r / 2);
		struct result_entry *e = diff_entry(doc, r % 2, backend);
		assert_non_null(e);
		double cv = sim_cv(r);
		double centre = 100 * exp(drift * rng_normal(rng));
		if (r == SIM_SLOW_ROW) /* 30% slower: the time 1.3x, or the rate 1/1.3 */
			centre *= e->better == BETTER_LOWER ? slow : 1 / slow;
		for (size_t s = 0; s < SIM_SAMPLES; s++)
			assert_int_equal(results_add_sample(e, centre * exp(cv * rng_normal(rng))),
					 0);
	}
}

struct sim_outcome {
	size_t runs, runs_flagged, slow_flagged;
};

static void simulate(uint64_t seed, size_t runs, double drift, double slow, struct sim_outcome *o)
{
	struct rng rng;
	struct diff_options opt;
	diff_options_default(&opt);
	rng_seed(&rng, seed);
	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < runs; i++) {
		struct results_doc base, new;
		struct diff_result d;
		struct vb_error err = { 0 };
		sim_run(&base, &rng, drift, 1.0);
		sim_run(&new, &rng, drift, slow);
		assert_int_equal(diff_compare(&base, &new, &opt, &d, &err), 0);
		assert_int_equal(d.nrows, SIM_ROWS);
		size_t flagged = 0;
		for (size_t r = 0; r < d.nrows; r++) {
			bool called = d.rows[r].verdict == DIFF_REGRESSED ||
				      d.rows[r].verdict == DIFF_IMPROVED;
			if (r == SIM_SLOW_ROW && slow != 1.0)
				o->slow_flagged += d.rows[r].verdict == DIFF_REGRESSED;
			else
				flagged += called;
		}
		o->runs++;
		o->runs_flagged += flagged > 0;
		diff_free(&d);
		results_free(&base);
		results_free(&new);
	}
}

/*
 * Point 4: at the default repeat (5 a side) and the default options, one metric slowed by 30%
 * among 140 is called a regression in at least 95% of runs (90% when every median also drifts by
 * 2% (sd) from run to run), while identical distributions give a run with any call in at most 3%
 * of runs, and drifting ones in at most 5%. Seeded: the same counts every time. Seen: 30% slower
 * called in 495 and 478 of 500 runs; any other call in 9, 9, 2 and 12 of 500.
 */
static void test_rule_power_and_false_alarms(void **state)
{
	(void)state;
	struct sim_outcome o;
	simulate(4, 500, 0, 1.3, &o);
	print_message("30%% slower, no drift: called in %zu of %zu runs; other calls in %zu runs\n",
		      o.slow_flagged, o.runs, o.runs_flagged);
	assert_true(o.slow_flagged * 100 >= o.runs * 95);
	assert_true(o.runs_flagged * 100 <= o.runs * 3);
	simulate(5, 500, 0.02, 1.3, &o);
	print_message(
		"30%% slower, 2%% drift: called in %zu of %zu runs; other calls in %zu runs\n",
		o.slow_flagged, o.runs, o.runs_flagged);
	assert_true(o.slow_flagged * 100 >= o.runs * 90);
	assert_true(o.runs_flagged * 100 <= o.runs * 5);
	simulate(6, 500, 0, 1.0, &o);
	print_message("identical: runs with any call %zu of %zu\n", o.runs_flagged, o.runs);
	assert_true(o.runs_flagged * 100 <= o.runs * 3);
	simulate(7, 500, 0.02, 1.0, &o);
	print_message("2%% drift: runs with any call %zu of %zu\n", o.runs_flagged, o.runs);
	assert_true(o.runs_flagged * 100 <= o.runs * 5);
}

/* ---- the command ---- */

/* Run cmd_diff with stdout and stderr captured; stderr text goes to errtext. */
static int run_diff(char *errtext, size_t len, const char *a1, const char *a2, const char *a3,
		    const char *a4)
{
	char *argv[] = { "diff", (char *)a1, (char *)a2, (char *)a3, (char *)a4, NULL };
	return test_run_command(cmd_diff, argv, errtext, len);
}

static void write_doc(const char *name, double rate, double latency, char *path, size_t len)
{
	struct results_doc doc;
	struct vb_error err = { 0 };
	make_doc(&doc, rate, latency);
	assert_int_equal(results_write_file(&doc, test_path(path, len, name), &err), 0);
	results_free(&doc);
}

static void write_text(const char *name, const char *text, char *path, size_t len)
{
	test_write_file(test_path(path, len, name), text);
}

static void test_command_exit_codes(void **state)
{
	(void)state;
	char base[128], same[128], worse[128], bad[128], msg[1024], md[128], junit[128];
	write_doc("base.json", 100, 100, base, sizeof(base));
	write_doc("same.json", 100, 100, same, sizeof(same));
	write_doc("worse.json", 100, 130, worse, sizeof(worse));
	assert_int_equal(run_diff(msg, sizeof(msg), base, same, NULL, NULL), 0);
	assert_int_equal(run_diff(msg, sizeof(msg), base, worse, NULL, NULL), 1);
	assert_int_equal(run_diff(msg, sizeof(msg), "--threshold", "40", base, worse), 0);
	assert_int_equal(run_diff(msg, sizeof(msg), base, worse, "--threshold", "x"), 2);
	assert_non_null(strstr(msg, "--threshold expects a number"));

	snprintf(md, sizeof(md), "%s/diff.md", test_dir);
	snprintf(junit, sizeof(junit), "%s/junit.xml", test_dir);
	char *argv[] = { "diff", base, worse, "--markdown", md, "--junit", junit, NULL };
	int saved = dup(1), devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, 1);
	int rc = cmd_diff(7, argv);
	fflush(stdout);
	dup2(saved, 1);
	close(saved), close(devnull);
	assert_int_equal(rc, 1);
	assert_int_equal(access(md, R_OK), 0);
	assert_int_equal(access(junit, R_OK), 0);

	/* unreadable input: exit 2 with a message naming the file and the problem */
	write_text("corrupt.json", "{\"schema\":\"vbench-result/1\"]", bad, sizeof(bad));
	assert_int_equal(run_diff(msg, sizeof(msg), base, bad, NULL, NULL), 2);
	assert_non_null(strstr(msg, "corrupt.json: JSON is malformed"));
	write_text("truncated.json", "{\"schema\":\"vbench-result/1\",\"results\":[", bad,
		   sizeof(bad));
	assert_int_equal(run_diff(msg, sizeof(msg), bad, base, NULL, NULL), 2);
	assert_non_null(strstr(msg, "truncated.json: truncated JSON"));
	write_text("other.json", "{\"schema\":\"something-else/3\"}", bad, sizeof(bad));
	assert_int_equal(run_diff(msg, sizeof(msg), base, bad, NULL, NULL), 2);
	assert_non_null(
		strstr(msg, "other.json: not a vbench result (schema \"something-else/3\""));
	assert_int_equal(run_diff(msg, sizeof(msg), base, NULL, NULL, NULL), 2);
	assert_non_null(strstr(msg, "expected two results files"));
	assert_int_equal(run_diff(msg, sizeof(msg), "--bogus", base, same, NULL), 2);
	assert_int_equal(run_diff(msg, sizeof(msg), "--help", NULL, NULL, NULL), 0);
}

/* A run on a named machine: host name and CPU model as the results' host section holds them. */
static void write_host_doc(const char *name, const char *host, const char *cpu, double latency,
			   char *path, size_t len)
{
	struct results_doc doc;
	struct vb_error err = { 0 };
	make_doc(&doc, 100, latency);
	snprintf(doc.host.hostname, sizeof(doc.host.hostname), "%s", host);
	snprintf(doc.host.cpu_model, sizeof(doc.host.cpu_model), "%s", cpu);
	assert_int_equal(results_write_file(&doc, test_path(path, len, name), &err), 0);
	results_free(&doc);
}

static void test_command_cross_host(void **state)
{
	(void)state;
	char a[128], b[128], c[128], d[128], msg[1024];
	write_host_doc("a.json", "hostA", "AMD EPYC 7B13", 100, a, sizeof(a));
	write_host_doc("b.json", "hostB", "AMD EPYC 7B13", 130, b, sizeof(b));
	write_host_doc("c.json", "hostA", "Intel Xeon E5-2680", 130, c, sizeof(c));
	write_host_doc("d.json", "hostA", "AMD EPYC 7B13", 130, d, sizeof(d));

	/* another host name: refused with exit 2 and one line naming both machines */
	assert_int_equal(run_diff(msg, sizeof(msg), a, b, NULL, NULL), 2);
	assert_non_null(strstr(msg, "BASE ran on hostA (AMD EPYC 7B13) and NEW on hostB"));
	assert_non_null(strstr(msg, "--cross-host"));
	assert_null(strstr(msg, "regressed"));
	/* the same name with another CPU is another machine too */
	assert_int_equal(run_diff(msg, sizeof(msg), a, c, NULL, NULL), 2);
	assert_non_null(strstr(msg, "different CPUs under one host name"));

	/* --cross-host: compared, the 30% slower latency called, the caveat printed */
	assert_int_equal(run_diff(msg, sizeof(msg), "--cross-host", a, b, NULL), 1);
	assert_non_null(strstr(msg, "warning: the runs come from different hosts"));
	assert_int_equal(run_diff(msg, sizeof(msg), a, c, "-x", NULL), 1);

	/* the same machine needs no flag and prints no such caveat */
	assert_int_equal(run_diff(msg, sizeof(msg), a, d, NULL, NULL), 1);
	assert_null(strstr(msg, "different hosts"));

	struct results_doc x, y;
	char why[256];
	results_init(&x), results_init(&y);
	assert_true(diff_same_machine(&x, &y, why, sizeof(why)));
	assert_string_equal(why, "");
	snprintf(y.host.hostname, sizeof(y.host.hostname), "vps-b");
	assert_false(diff_same_machine(&x, &y, why, sizeof(why)));
	assert_non_null(strstr(why, "different host names"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identical_runs_unchanged),
		cmocka_unit_test(test_direction_follows_better),
		cmocka_unit_test(test_threshold),
		cmocka_unit_test(test_unmatched_and_empty),
		cmocka_unit_test(test_renderings),
		cmocka_unit_test(test_exact_interval_and_limits),
		cmocka_unit_test(test_rule_power_and_false_alarms),
		cmocka_unit_test_setup_teardown(test_command_exit_codes, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_command_cross_host, test_dir_setup,
						test_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
