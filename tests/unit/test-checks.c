/* Unit tests for analysis/checks.c: the caveats a run's sizes, hellos and latency curve call for. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "analysis/checks.h"
#include "analysis/results.h"
#include "workloads/workload.h"

#define MiB (1ull << 20)

static void test_llc_verdict_known_answers(void **state)
{
	(void)state;
	char text[256];
	/* A 32 MiB LLC and a curve stepping between 16 and 64 MiB agree. */
	assert_int_equal(
		checks_llc_verdict(32 * MiB, 16 * MiB, 64 * MiB, 1024 * MiB, text, sizeof(text)),
		1);
	assert_non_null(strstr(text, "agrees"));
	/* A reported 480 MiB LLC does not: the curve stepped far below it. */
	assert_int_equal(
		checks_llc_verdict(480 * MiB, 16 * MiB, 64 * MiB, 1024 * MiB, text, sizeof(text)),
		0);
	assert_non_null(strstr(text, "480 MiB"));
	assert_non_null(strstr(text, "between 16 MiB and 64 MiB"));
	/* ... nor does a curve to 1 GiB with no step at all. */
	assert_int_equal(checks_llc_verdict(480 * MiB, 0, 0, 1024 * MiB, text, sizeof(text)), 0);
	assert_non_null(strstr(text, "no step"));
	/* A curve that ends below twice the LLC cannot tell. */
	assert_int_equal(
		checks_llc_verdict(480 * MiB, 16 * MiB, 64 * MiB, 256 * MiB, text, sizeof(text)),
		-1);
	assert_non_null(strstr(text, "not checked"));
	assert_int_equal(checks_llc_verdict(0, 16 * MiB, 64 * MiB, 1024 * MiB, text, sizeof(text)),
			 -1);
	/* One 4x step either side still agrees (a partly cached size). */
	assert_int_equal(
		checks_llc_verdict(32 * MiB, 4 * MiB, 16 * MiB, 1024 * MiB, text, sizeof(text)), 1);
	assert_int_equal(
		checks_llc_verdict(32 * MiB, 1 * MiB, 4 * MiB, 1024 * MiB, text, sizeof(text)), 0);
}

static void backend(struct result_backend *b, const char *name, const char *hello)
{
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->ran = true;
	b->startup_ms = b->host_overhead_bytes = b->memory_seen_bytes = NAN;
	b->hello_json = strdup(hello);
}

static bool has_warning(const struct results_doc *doc, const char *part)
{
	for (size_t i = 0; i < doc->nwarnings; i++)
		if (strstr(doc->warnings[i], part))
			return true;
	return false;
}

/* A run like this host's: native unlimited, a container limited, a slow clock, small STREAM. */
static void make_run(struct results_doc *doc)
{
	results_init(doc);
	snprintf(doc->start_time, sizeof(doc->start_time), "2026-11-29T12:00:00Z");
	doc->host.llc_bytes = 32 * MiB;
	doc->config.memory_bytes = 2048 * MiB;
	snprintf(doc->config.baseline, sizeof(doc->config.baseline), "native");
	doc->nbackends = 2;
	doc->backends = calloc(2, sizeof(*doc->backends));
	assert_non_null(doc->backends);
	backend(&doc->backends[0], "lxc",
		"{\"version\":\"0.1.0\",\"proto\":1,\"clocksource\":\"hpet\",\"thp\":{\"enabled\":"
		"\"always\",\"defrag\":\"madvise\"},\"cpus\":2,\"memory_bytes\":25276502016,"
		"\"isolation\":{\"memory_limit\":\"2147483648\",\"warnings\":[\"the TSC runs at "
		"2600 MHz, not the 2500 MHz KVM says\",\"\"]}}");
	backend(&doc->backends[1], "native",
		"{\"version\":\"0.1.0\",\"proto\":1,\"clocksource\":\"tsc\",\"thp\":{\"enabled\":"
		"\"madvise\",\"defrag\":\"madvise\"},\"cpus\":2,\"memory_bytes\":25276502016,"
		"\"isolation\":{\"memory_limit\":\"max\"}}");
	/* the metrics as the workloads declare them */
	const struct workload *stream = workload_find("mem.stream");
	const struct workload *latency = workload_find("mem.latency");
	assert_non_null(stream);
	assert_non_null(latency);
	int triad = workload_metric_index(stream, "triad");
	assert_true(triad >= 0);
	static const char *const names[] = { "lxc", "native" };
	for (int b = 0; b < 2; b++) {
		struct result_entry *e = results_entry(doc, stream->id, stream->group,
						       &stream->metrics[triad], names[b]);
		assert_non_null(e);
		results_add_sample(e, 50000);
		results_entry_add_size(e, "array_bytes", 8.0 * MiB);
		results_entry_add_size(e, "working_set_bytes", 24.0 * MiB);
		results_entry_add_size(e, "llc_bytes", 32.0 * MiB);
		results_entry_add_size(e, "llc_multiple", 0.25);
		results_entry_add_size(e, "thp_asked", 1);
		/* the container got no huge pages (its kernel said no), native got them all */
		results_entry_add_size(e, "thp_bytes", b == 0 ? 0 : 24.0 * MiB);
	}
	/* native's curve: L1, L2, a 32 MiB L3, memory */
	static const double ns[10] = { 1, 1, 4, 4, 10, 12, 20, 80, 100, 110 };
	static const char *const sizes[10] = { "4KiB", "16KiB", "64KiB", "256KiB", "1MiB",
					       "4MiB", "16MiB", "64MiB", "256MiB", "1GiB" };
	for (int m = 0; m < 10; m++) {
		char name[16];
		snprintf(name, sizeof(name), "lat_%s", sizes[m]);
		int metric = workload_metric_index(latency, name);
		assert_true(metric >= 0);
		struct result_entry *e = results_entry(doc, latency->id, latency->group,
						       &latency->metrics[metric], "native");
		assert_non_null(e);
		results_add_sample(e, ns[m]);
	}
	results_compute(doc, 1);
}

static void test_latency_step_known_curves(void **state)
{
	(void)state;
	size_t bytes[10], lo = 0, hi = 0;
	for (int i = 0; i < 10; i++)
		bytes[i] = (size_t)4096 << (2 * i);
	/* L1, L2, a 32 MiB L3, then memory (and TLB reach beyond it). */
	double clear[10] = { 1, 1, 4, 4, 10, 12, 20, 80, 100, 110 };
	assert_int_equal(checks_latency_step(clear, bytes, 10, &lo, &hi), 1);
	assert_int_equal(lo, 16 * MiB);
	assert_int_equal(hi, 64 * MiB);
	/* Not measured points are skipped. */
	double gaps[10] = { 1, NAN, 4, 4, 10, 12, 20, 80, NAN, NAN };
	assert_int_equal(checks_latency_step(gaps, bytes, 10, &lo, &hi), 1);
	assert_int_equal(hi, 64 * MiB);
	/* A gradual rise (1.4x per size) and a flat curve have no step. */
	double gradual[10] = { 10, 14, 19.6, 27.4, 38.4, 53.8, 75.3, 105.4, 147.5, 206.5 };
	assert_int_equal(checks_latency_step(gradual, bytes, 10, &lo, &hi), 0);
	double flat[6] = { 80, 81, 80, 82, 80, 81 };
	assert_int_equal(checks_latency_step(flat, bytes, 6, &lo, &hi), 0);
}

static void test_checks_on_a_run(void **state)
{
	(void)state;
	struct results_doc doc;
	make_run(&doc);
	checks_run(&doc);

	/* The clock source and the memory each backend really had. */
	assert_true(has_warning(&doc, "lxc: the clock source is hpet"));
	assert_false(has_warning(&doc, "native: the clock source"));
	/* what the agent itself warned of, named by backend; an empty warning is none */
	assert_true(has_warning(&doc, "lxc: the TSC runs at 2600 MHz, not the 2500 MHz KVM says"));
	for (size_t i = 0; i < doc.nwarnings; i++)
		assert_string_not_equal(doc.warnings[i], "lxc: ");
	assert_true(doc.backends[0].memory_limited);
	assert_true(doc.backends[0].memory_seen_bytes == 2048.0 * MiB);
	assert_false(doc.backends[1].memory_limited);
	assert_true(doc.backends[1].memory_seen_bytes == 25276502016.0);
	assert_true(has_warning(&doc, "native: not limited to --memory 2 GiB"));
	assert_false(has_warning(&doc, "lxc: not limited"));
	assert_true(has_warning(&doc, "transparent huge pages differ"));

	/* Below 4x the LLC: a note on every entry and one warning for the workload. */
	struct result_entry *lxc = results_find(&doc, "mem.stream", "triad", "lxc");
	struct result_entry *native = results_find(&doc, "mem.stream", "triad", "native");
	assert_non_null(strstr(lxc->note, "each array 8 MiB is 0.25x the LLC (32 MiB), below 4x"));
	assert_non_null(strstr(native->note, "below 4x"));
	assert_true(has_warning(&doc, "mem.stream: each array 8 MiB is below 4x the LLC"));
	assert_int_equal(lxc->status, RESULT_OK);

	/* Huge pages asked for and not obtained: said where it happened only. */
	assert_non_null(strstr(lxc->note, "asked for huge pages, got 0 B of 24 MiB"));
	assert_null(strstr(native->note, "asked for huge pages"));

	/* hwloc's LLC against native's curve. */
	assert_true(doc.host.llc_step_lo_bytes == 16 * MiB);
	assert_true(doc.host.llc_step_hi_bytes == 64 * MiB);
	assert_non_null(strstr(doc.host.llc_check, "agrees"));
	assert_non_null(strstr(doc.host.llc_check, "(native)"));

	/* Run twice, say it once. */
	size_t nwarnings = doc.nwarnings;
	char note[sizeof(lxc->note)];
	snprintf(note, sizeof(note), "%s", lxc->note);
	checks_run(&doc);
	assert_int_equal(doc.nwarnings, nwarnings);
	assert_string_equal(lxc->note, note);
	results_free(&doc);
}

static void test_a_wrong_llc_is_flagged(void **state)
{
	(void)state;
	struct results_doc doc;
	make_run(&doc);
	doc.host.llc_bytes = 480 * MiB; /* what hwloc said on one host */
	checks_run(&doc);
	assert_non_null(strstr(doc.host.llc_check, "disagrees"));
	assert_true(has_warning(&doc, "hwloc's LLC (480 MiB) disagrees with mem.latency"));
	results_free(&doc);
}

/* What checks_run records survives a results file: sizes, warnings, the LLC check, memory. */
static void test_checks_survive_a_round_trip(void **state)
{
	(void)state;
	struct results_doc doc, back;
	struct vb_error err = { 0 };
	make_run(&doc);
	checks_run(&doc);
	size_t len;
	char *text = results_to_json(&doc, &len);
	assert_non_null(text);
	if (results_parse(&back, text, len, &err) < 0)
		fail_msg("%s", err.message);
	assert_int_equal(back.nwarnings, doc.nwarnings);
	for (size_t i = 0; i < doc.nwarnings; i++)
		assert_string_equal(back.warnings[i], doc.warnings[i]);
	assert_string_equal(back.host.llc_check, doc.host.llc_check);
	assert_true(back.host.llc_step_lo_bytes == 16 * MiB);
	assert_true(back.host.llc_step_hi_bytes == 64 * MiB);
	assert_true(back.backends[0].memory_limited);
	assert_false(back.backends[1].memory_limited);
	assert_true(back.backends[1].memory_seen_bytes == 25276502016.0);
	struct result_entry *e = results_find(&back, "mem.stream", "triad", "lxc");
	assert_non_null(e);
	assert_int_equal(e->nsizes, 6);
	assert_true(results_entry_size(e, "array_bytes") == 8.0 * MiB);
	assert_true(results_entry_size(e, "llc_multiple") == 0.25);
	assert_true(isnan(results_entry_size(e, "no_such_size")));
	free(text);
	results_free(&back);
	results_free(&doc);
}
/* n samples of a workload's /proc/stat counters on a backend, all alike (steal NaN: not read). */
static void add_cpu_time(struct results_doc *doc, const char *workload, const char *backend, int n,
			 double steal, double busy, double total, double own_ms)
{
	for (int i = 0; i < n; i++) {
		assert_int_equal(results_add_counter(doc, workload, backend, "steal_ms", steal), 0);
		assert_int_equal(results_add_counter(doc, workload, backend, "cpus_busy_ms", busy),
				 0);
		assert_int_equal(
			results_add_counter(doc, workload, backend, "cpus_total_ms", total), 0);
		assert_int_equal(
			results_add_counter(doc, workload, backend, "task_clock_ns", own_ms * 1e6),
			0);
	}
}

/* Steal over 1% on any backend, other processes over 5% on the machine itself: warnings. */
static void test_noise(void **state)
{
	(void)state;
	struct results_doc doc;
	make_run(&doc);
	doc.backends[1].bare_metal = true;
	/* lxc: 3 x 50 ms stolen of 1000 ms busy: 150 of 3150 ms, 4.8% */
	add_cpu_time(&doc, "mem.stream", "lxc", 3, 50, 1000, 2100, 1000);
	/* a sample whose steal could not be read is left out of every sum */
	add_cpu_time(&doc, "mem.stream", "lxc", 1, NAN, 5000, 5000, 10);
	/* native: its agent 800 ms of 1000 ms busy, of 2000 ms of CPU time: others 10% */
	add_cpu_time(&doc, "mem.latency", "native", 3, 0, 1000, 2000, 800);
	struct checks_cpu_time t;
	checks_cpu_time(&doc, "lxc", false, &t);
	assert_int_equal(t.samples, 3);
	assert_true(t.steal_ms == 150 && t.busy_ms == 3000 && t.total_ms == 6300);
	assert_true(fabs(checks_steal_share(&t) - 150.0 / 3150) < 1e-12);
	checks_cpu_time(&doc, "native", true, &t);
	assert_true(fabs(checks_others_share(&t) - 0.1) < 1e-12);
	checks_run(&doc);
	assert_true(has_warning(&doc,
				"lxc lost 4.8% of its CPU time to other tenants during this "
				"run (steal: 0.1 s of 3.1 s its CPUs used or wanted): its CPU "
				"results are noisy"));
	assert_false(has_warning(&doc, "native lost"));
	assert_true(has_warning(&doc, "native: other processes kept its CPUs 10.0% busy during its "
				      "cpu and mem samples (0.6 s of 6.0 s"));
	/* only the machine itself is judged for other processes */
	assert_false(has_warning(&doc, "lxc: other processes"));
	results_free(&doc);

	/* a quiet run, and a short one (below 2 s: whole 10 ms ticks say too little): no warning */
	make_run(&doc);
	doc.backends[1].bare_metal = true;
	add_cpu_time(&doc, "mem.stream", "lxc", 5, 5, 1000, 2000, 1000);
	add_cpu_time(&doc, "mem.latency", "native", 5, 0, 1000, 2000, 990);
	add_cpu_time(&doc, "mem.stream", "native", 1, 100, 100, 200, 10);
	/* I/O keeps kernel threads busy: not other processes' noise */
	add_cpu_time(&doc, "os.fork", "native", 5, 0, 2000, 2000, 100);
	const struct workload *fork = workload_find("os.fork");
	assert_non_null(fork);
	assert_non_null(results_entry(&doc, fork->id, fork->group, &fork->metrics[0], "native"));
	checks_cpu_time(&doc, "native", false, &t);
	assert_int_equal(t.samples, 11);
	checks_cpu_time(&doc, "native", true, &t);
	assert_int_equal(t.samples, 6);
	checks_run(&doc);
	assert_false(has_warning(&doc, "to other tenants"));
	assert_false(has_warning(&doc, "other processes"));
	results_free(&doc);
	make_run(&doc);
	add_cpu_time(&doc, "mem.stream", "lxc", 1, 100, 100, 200, 100);
	checks_cpu_time(&doc, "lxc", false, &t);
	assert_true(checks_steal_share(&t) == 0.5);
	checks_run(&doc);
	assert_false(has_warning(&doc, "to other tenants"));
	results_free(&doc);
}

static void test_sizes_keep_the_least(void **state)
{
	(void)state;
	struct result_entry e;
	memset(&e, 0, sizeof(e));
	assert_int_equal(results_entry_add_size(&e, "min_timed_ns", 12e6), 0);
	assert_int_equal(results_entry_add_size(&e, "min_timed_ns", 10.5e6), 0);
	assert_int_equal(results_entry_add_size(&e, "min_timed_ns", 11e6), 0);
	assert_int_equal(e.nsizes, 1);
	assert_true(results_entry_size(&e, "min_timed_ns") == 10.5e6);
	assert_int_equal(results_entry_add_size(&e, "x", NAN), -1);
	for (int i = 1; i < RESULT_MAX_SIZES; i++) {
		char name[16];
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(results_entry_add_size(&e, name, i), 0);
	}
	assert_int_equal(results_entry_add_size(&e, "one_too_many", 1), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llc_verdict_known_answers),
		cmocka_unit_test(test_latency_step_known_curves),
		cmocka_unit_test(test_checks_on_a_run),
		cmocka_unit_test(test_a_wrong_llc_is_flagged),
		cmocka_unit_test(test_checks_survive_a_round_trip),
		cmocka_unit_test(test_sizes_keep_the_least),
		cmocka_unit_test(test_noise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
