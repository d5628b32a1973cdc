/* Unit tests for analysis/results.c: round trip, atomic write, and rejection of bad files. */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "tests/unit/test-util.h"

#include "analysis/results.h"
#include "workloads/workload.h"

static const struct workload test_workload = {
	.id = "mem.latency",
	.group = "mem",
	.description = "test",
	.metrics = { { "lat_4KiB", "ns", BETTER_LOWER }, { "lat_64MiB", "ns", BETTER_LOWER } },
};

/* Names in test_dir other than . and .., joined by spaces. */
static void list_dir(char *out, size_t len)
{
	out[0] = '\0';
	DIR *d = opendir(test_dir);
	assert_non_null(d);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		strncat(out, de->d_name, len - strlen(out) - 2);
		strcat(out, " ");
	}
	closedir(d);
}

static void fill_doc(struct results_doc *doc)
{
	results_init(doc);
	snprintf(doc->start_time, sizeof(doc->start_time), "2026-11-22T04:20:00Z");
	doc->duration_s = 12.5;
	doc->interrupted = true;
	snprintf(doc->host.hostname, sizeof(doc->host.hostname), "box \"one\"\n");
	snprintf(doc->host.kernel, sizeof(doc->host.kernel), "6.1.0-27-amd64");
	snprintf(doc->host.cpu_model, sizeof(doc->host.cpu_model), "AMD EPYC 7B13");
	doc->host.packages = 1;
	doc->host.cores = 2;
	doc->host.pus = 2;
	doc->host.numa_nodes = 1;
	doc->host.l1d_bytes = 32768;
	doc->host.l2_bytes = 524288;
	doc->host.llc_bytes = 33554432;
	snprintf(doc->host.kvm, sizeof(doc->host.kvm), "pvm (ring 0 emulated)");
	snprintf(doc->host.cgroup_mode, sizeof(doc->host.cgroup_mode), "hybrid");
	doc->host.hw_counters = false;
	snprintf(doc->host.counters_note, sizeof(doc->host.counters_note), "perf: not supported");
	doc->config.suite = SUITE_QUICK;
	doc->config.cpus = 2;
	snprintf(doc->config.cpu_list, sizeof(doc->config.cpu_list), "0,1");
	doc->config.memory_bytes = 2ull << 30;
	doc->config.repeat = 5;
	doc->config.warmup = 1;
	doc->config.seed = 18446744073709551557ull; /* above 2^63: must survive exactly */
	snprintf(doc->config.baseline, sizeof(doc->config.baseline), "native");
	snprintf(doc->config.workloads, sizeof(doc->config.workloads), "mem.*");

	doc->nbackends = 2;
	doc->backends = calloc(2, sizeof(*doc->backends));
	assert_non_null(doc->backends);
	snprintf(doc->backends[0].name, sizeof(doc->backends[0].name), "native");
	doc->backends[0].ran = true;
	doc->backends[0].startup_ms = 1.25;
	doc->backends[0].host_overhead_bytes = 0;
	doc->backends[0].hello_json =
		strdup("{\"version\":\"0.1.0\",\"cpus\":2,\"isolation\":{\"pid_ns\":false}}");
	snprintf(doc->backends[1].name, sizeof(doc->backends[1].name), "kvm");
	doc->backends[1].ran = false;
	snprintf(doc->backends[1].reason, sizeof(doc->backends[1].reason),
		 "KVM is PVM: ring 0 emulated");
	doc->backends[1].startup_ms = NAN;
	doc->backends[1].host_overhead_bytes = NAN;

	struct result_entry *e = results_entry(doc, test_workload.id, test_workload.group,
					       &test_workload.metrics[0], "native");
	assert_non_null(e);
	const double samples[] = { 0.1, 1.0 / 3.0, 1e-300, 123456.789, 5e22, 71.25, 2.5 };
	for (size_t i = 0; i < sizeof(samples) / sizeof(samples[0]); i++)
		assert_int_equal(results_add_sample(e, samples[i]), 0);
	e = results_entry(doc, test_workload.id, test_workload.group, &test_workload.metrics[1],
			  "kvm");
	assert_non_null(e);
	e->status = RESULT_UNSUPPORTED;
	snprintf(e->note, sizeof(e->note), "backend did not run");
	assert_int_equal(results_add_counter(doc, "mem.latency", "native", "page_faults", 12), 0);
	assert_int_equal(results_add_counter(doc, "mem.latency", "native", "page_faults", 14), 0);
	assert_int_equal(results_add_counter(doc, "mem.latency", "native", "task_clock_ns", 1e9),
			 0);
	results_compute(doc, 42);
}

static void test_entries_and_compute(void **state)
{
	(void)state;
	struct results_doc doc;
	fill_doc(&doc);
	assert_int_equal(doc.nentries, 2);
	/* find-or-add returns the existing entry */
	assert_ptr_equal(results_entry(&doc, test_workload.id, test_workload.group,
				       &test_workload.metrics[0], "native"),
			 &doc.entries[0]);
	assert_ptr_equal(results_find(&doc, "mem.latency", "lat_64MiB", "kvm"), &doc.entries[1]);
	assert_null(results_find(&doc, "mem.latency", "lat_64MiB", "lxc"));
	struct result_entry *e = &doc.entries[0];
	assert_string_equal(e->group, "mem");
	assert_string_equal(e->unit, "ns");
	assert_int_equal(e->better, BETTER_LOWER);
	assert_float_equal(e->median, 2.5, 0);
	/* the exact order-statistic interval: 7 samples reach 95% only with [min, max], 1 - 2/128 */
	assert_true(e->ci_lo == 1e-300 && e->ci_hi == 5e22);
	assert_float_equal(e->ci_coverage, 0.984375, 1e-12);
	assert_true(e->cv > 0);
	/* 5 samples: [min, max] again, but that covers only 93.75%, and the entry says so */
	struct results_doc five;
	results_init(&five);
	struct result_entry *f = results_entry(&five, test_workload.id, test_workload.group,
					       &test_workload.metrics[0], "native");
	for (int i = 1; i <= 5; i++)
		assert_int_equal(results_add_sample(f, i), 0);
	results_compute(&five, 42);
	assert_true(f->ci_lo == 1 && f->ci_hi == 5);
	assert_float_equal(f->ci_coverage, 0.9375, 1e-12);
	char *text = results_to_json(&five, NULL);
	assert_non_null(
		strstr(text, "\"ci95\":[1,5],\"cv\":0.5270462766947299,\"ci_coverage\":0.9375"));
	free(text);
	results_free(&five);
	/* no samples: statistics are NaN */
	assert_true(isnan(doc.entries[1].median) && isnan(doc.entries[1].ci_lo));
	assert_int_equal(doc.ncounters, 2);
	assert_int_equal(doc.counters[0].nvalues, 2);
	/* reproducible from the seed */
	double lo = e->ci_lo, hi = e->ci_hi;
	results_compute(&doc, 42);
	assert_true(lo == e->ci_lo && hi == e->ci_hi);
	results_free(&doc);
}

static void test_round_trip(void **state)
{
	(void)state;
	struct results_doc doc, back;
	struct vb_error err = { 0 };
	char path[128];
	fill_doc(&doc);
	snprintf(path, sizeof(path), "%s/results.json", test_dir);
	assert_int_equal(results_write_file(&doc, path, &err), 0);
	if (results_read_file(&back, path, &err) < 0)
		fail_msg("read back: %s", err.message);

	assert_string_equal(back.schema, RESULTS_SCHEMA);
	assert_string_equal(back.version, doc.version);
	assert_string_equal(back.start_time, "2026-11-22T04:20:00Z");
	assert_float_equal(back.duration_s, 12.5, 0);
	assert_true(back.interrupted);
	assert_string_equal(back.host.hostname, "box \"one\"\n");
	assert_string_equal(back.host.kvm, "pvm (ring 0 emulated)");
	assert_int_equal(back.host.llc_bytes, 33554432);
	assert_int_equal(back.host.pus, 2);
	assert_int_equal(back.config.suite, SUITE_QUICK);
	assert_true(back.config.seed == 18446744073709551557ull);
	assert_true(back.config.memory_bytes == 2ull << 30);
	assert_string_equal(back.config.cpu_list, "0,1");
	assert_string_equal(back.config.baseline, "native");

	assert_int_equal(back.nbackends, 2);
	assert_string_equal(back.backends[0].hello_json, doc.backends[0].hello_json);
	assert_null(back.backends[1].hello_json);
	assert_false(back.backends[1].ran);
	assert_true(isnan(back.backends[1].startup_ms));
	assert_string_equal(back.backends[1].reason, doc.backends[1].reason);

	assert_int_equal(back.nentries, 2);
	const struct result_entry *a = &doc.entries[0], *b = &back.entries[0];
	assert_int_equal(b->nsamples, a->nsamples);
	for (size_t i = 0; i < a->nsamples; i++)
		assert_true(a->samples[i] == b->samples[i]); /* bit-exact */
	assert_true(a->median == b->median && a->ci_lo == b->ci_lo && a->ci_hi == b->ci_hi &&
		    a->cv == b->cv && a->ci_coverage == b->ci_coverage);
	assert_int_equal(back.entries[1].status, RESULT_UNSUPPORTED);
	assert_string_equal(back.entries[1].note, "backend did not run");
	assert_int_equal(back.ncounters, 2);
	assert_true(back.counters[1].values[0] == 1e9);

	/* the whole document serialises to identical text */
	char *t1 = results_to_json(&doc, NULL), *t2 = results_to_json(&back, NULL);
	assert_string_equal(t1, t2);
	free(t1);
	free(t2);
	results_free(&doc);
	results_free(&back);
}

static void test_nan_median_is_null(void **state)
{
	(void)state;
	struct results_doc doc, back;
	struct vb_error err = { 0 };
	fill_doc(&doc);
	size_t len;
	char *text = results_to_json(&doc, &len);
	assert_non_null(strstr(text, "\"median\":null,\"ci95\":[null,null],\"cv\":null"));
	assert_int_equal(results_parse(&back, text, len, &err), 0);
	assert_true(isnan(back.entries[1].median));
	assert_true(isnan(back.entries[1].ci_lo) && isnan(back.entries[1].ci_hi));
	free(text);
	results_free(&doc);
	results_free(&back);
}

static void test_atomic_write(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	char path[128], names[256];
	fill_doc(&doc);
	snprintf(path, sizeof(path), "%s/run.json", test_dir);
	assert_int_equal(results_write_file(&doc, path, &err), 0);
	/* overwrite in place */
	assert_int_equal(results_write_file(&doc, path, &err), 0);
	list_dir(names, sizeof(names));
	assert_string_equal(names, "run.json ");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* rename onto a directory fails: an error, and the temp file is gone */
	snprintf(path, sizeof(path), "%s/adir", test_dir);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(results_write_file(&doc, path, &err), -1);
	assert_non_null(strstr(err.message, "rename"));
	list_dir(names, sizeof(names));
	assert_true(strstr(names, ".adir") == NULL);
	/* missing directory */
	snprintf(path, sizeof(path), "%s/nope/run.json", test_dir);
	assert_int_equal(results_write_file(&doc, path, &err), -1);
	assert_non_null(strstr(err.message, "nope/run.json"));
	results_free(&doc);
}

/* Parse text and expect failure with a message containing want. */
static void expect_reject(const char *text, const char *want)
{
	struct results_doc doc;
	struct vb_error err = { 0 };
	int rc = results_parse(&doc, text, strlen(text), &err);
	if (rc == 0)
		fail_msg("accepted: %s", text);
	if (!strstr(err.message, want))
		fail_msg("message \"%s\" lacks \"%s\"", err.message, want);
	assert_int_equal(doc.nentries, 0); /* nothing half-read is left */
	results_free(&doc);
}

/* The valid document with one substring replaced. */
static char *mutate(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	assert_non_null(at);
	char *out = malloc(strlen(text) + strlen(to) + 1);
	size_t pre = (size_t)(at - text);
	memcpy(out, text, pre);
	strcpy(out + pre, to);
	strcat(out, at + strlen(from));
	return out;
}

static void test_rejects_bad_input(void **state)
{
	(void)state;
	struct results_doc doc;
	fill_doc(&doc);
	size_t len;
	char *good = results_to_json(&doc, &len);
	results_free(&doc);

	expect_reject("", "empty");
	expect_reject("[1,2,3]", "not a vbench result");
	expect_reject("{\"a\":1}", "not a vbench result");
	expect_reject("{\"schema\": \"vbench-result/1\"]", "malformed");
	expect_reject("{\"schema\":\"vbench-result/1\"} {}", "trailing");
	char *trunc = strndup(good, len / 2);
	expect_reject(trunc, "truncated");
	free(trunc);

	struct {
		const char *from, *to, *want;
	} cases[] = {
		{ "vbench-result/2", "vbench-result/3", "schema \"vbench-result/3\"" },
		{ "\"schema\":\"vbench-result/2\"", "\"schema\":1", "not a vbench result" },
		{ "\"samples\":[0.1,", "\"samples\":[\"0.1\",",
		  "results[0].samples[0] is not a number" },
		{ "\"samples\":[0.1,", "\"samples\":[null,", "results[0].samples[0] is null" },
		{ "\"samples\":[0.1,", "\"samples\":{\"a\":0.1},\"x\":[",
		  "results[0].samples is not an array" },
		{ "\"median\":2.5", "\"median\":\"2.5\"", "results[0].median is not a number" },
		{ "\"better\":\"lower\"", "\"better\":\"sideways\"",
		  "results[0].better \"sideways\"" },
		{ "\"status\":\"ok\"", "\"state\":\"ok\"", "results[0].status" },
		{ "\"results\":[", "\"results\":\"none\",\"x\":[", "results is not an array" },
		{ "\"backend\":\"native\"", "\"backend\":7", "results[0].backend is not a string" },
		{ "\"suite\":\"quick\"", "\"suite\":\"huge\"", "config.suite" },
		{ "\"seed\":18446744073709551557", "\"seed\":-1",
		  "config.seed is not a non-negative integer" },
		{ "\"seed\":18446744073709551557", "\"seed\":99999999999999999999",
		  "config.seed is out of range" },
		{ "\"ran\":true", "\"ran\":\"yes\"", "backends[0].ran is not true or false" },
		{ "\"hello\":{", "\"hello\":7,\"h\":{",
		  "backends[0].hello is not an object or null" },
		{ "\"host\":{", "\"host\":[],\"h\":{", "host is not an object" },
		{ "\"interrupted\":true", "\"interrupted\":1", "interrupted is not true or false" },
		{ "\"ci95\":[", "\"ci95\":[1,", "ci95 is not an array of two numbers" },
		{ "\"start_time\":", "\"start\":", "start_time is missing" },
		{ "\"values\":[12,14]", "\"values\":[12,true]",
		  "counters[0].values[1] is not a number" },
		{ "\"samples\":[0.1,", "\"sizes\":[1],\"samples\":[0.1,",
		  "results[0].sizes is not an object" },
		{ "\"samples\":[0.1,", "\"sizes\":{\"array_bytes\":\"big\"},\"samples\":[0.1,",
		  "results[0].sizes holds a bad name or value" },
		{ "\"results\":[", "\"warnings\":[7],\"results\":[",
		  "warnings[0] is not a string" },
		{ "\"curve_bytes\":0", "\"curve_bytes\":-4096",
		  "results[0].curve_bytes is not a size" },
		{ "\"curve_bytes\":0", "\"curve_bytes\":\"4KiB\"",
		  "results[0].curve_bytes is not a number" },
		{ "\"host_side\":false", "\"host_side\":0",
		  "results[0].host_side is not true or false" },
		{ "\"value_names\":[]", "\"value_names\":[1]",
		  "results[0].value_names holds a name too long or not a string" },
		{ "\"value_names\":[]", "\"value_names\":\"io_uring\"",
		  "results[0].value_names is not an array" },
		{ "\"bare_metal\":false", "\"bare_metal\":\"yes\"",
		  "backends[0].bare_metal is not true or false" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *bad = mutate(good, cases[i].from, cases[i].to);
		expect_reject(bad, cases[i].want);
		free(bad);
	}
	/* a file of the older schema still reads, and says which it is */
	char *old = mutate(good, "vbench-result/2", "vbench-result/1");
	struct vb_error err = { 0 };
	assert_int_equal(results_parse(&doc, old, strlen(old), &err), 0);
	assert_string_equal(doc.schema, "vbench-result/1");
	results_free(&doc);
	free(old);
	free(good);
}

/*
 * What workloads and backends declare goes into the file and comes back: bare_metal per backend;
 * host_side, io_percentile, curve_bytes and value_names per entry, from the registry's tables.
 */
static void test_declarations_round_trip(void **state)
{
	(void)state;
	struct results_doc doc, back;
	struct vb_error err = { 0 };
	fill_doc(&doc);
	doc.backends[0].bare_metal = true;
	const struct workload *lat = workload_find("mem.latency");
	const struct workload *blk = workload_find("io.blk.randread");
	const struct workload *life = workload_find("lifecycle.start");
	assert_non_null(lat);
	assert_non_null(blk);
	assert_non_null(life);
	struct result_entry *e =
		results_entry(&doc, lat->id, lat->group,
			      &lat->metrics[workload_metric_index(lat, "lat_1MiB")], "native");
	assert_float_equal(e->curve_bytes, 1048576, 0);
	assert_false(e->io_percentile);
	e = results_entry(&doc, blk->id, blk->group,
			  &blk->metrics[workload_metric_index(blk, "qd1_p99_us")], "native");
	assert_true(e->io_percentile);
	assert_float_equal(e->curve_bytes, 0, 0);
	e = results_entry(&doc, blk->id, blk->group,
			  &blk->metrics[workload_metric_index(blk, "engine")], "native");
	assert_int_equal(results_add_sample(e, 2), 0);
	assert_string_equal(results_entry_value_name(e, 1), "io_uring");
	assert_string_equal(results_entry_value_name(e, 2), "threads");
	assert_null(results_entry_value_name(e, 0));
	assert_null(results_entry_value_name(e, 1.5));
	assert_null(results_entry_value_name(e, 99));
	assert_true(life->host_side);
	e = results_entry(&doc, life->id, life->group, &life->metrics[0], "native");
	e->host_side = true; /* the harness's part: it measures these itself */
	char *text = results_to_json(&doc, NULL);
	assert_non_null(strstr(text, "\"memory_limited\":false,\"bare_metal\":true,"));
	assert_non_null(strstr(text, "\"host_side\":false,\"io_percentile\":false,"
				     "\"curve_bytes\":1048576,\"value_names\":[]"));
	assert_non_null(strstr(text, "\"value_names\":[\"\",\"io_uring\",\"threads\"]"));
	free(text);

	char path[128];
	snprintf(path, sizeof(path), "%s/declared.json", test_dir);
	assert_int_equal(results_write_file(&doc, path, &err), 0);
	if (results_read_file(&back, path, &err) < 0)
		fail_msg("read back: %s", err.message);
	assert_true(back.backends[0].bare_metal);
	assert_false(back.backends[1].bare_metal);
	assert_int_equal(back.nentries, doc.nentries);
	for (size_t i = 0; i < doc.nentries; i++) {
		const struct result_entry *a = &doc.entries[i], *b = &back.entries[i];
		assert_int_equal(a->host_side, b->host_side);
		assert_int_equal(a->io_percentile, b->io_percentile);
		assert_true(a->curve_bytes == b->curve_bytes);
		for (size_t v = 0; v < METRIC_MAX_VALUE_NAMES; v++)
			assert_string_equal(a->value_names[v], b->value_names[v]);
	}
	const struct result_entry *engine = results_find(&back, blk->id, "engine", "native");
	assert_string_equal(results_entry_value_name(engine, 2), "threads");
	assert_true(results_find(&back, life->id, "ready_ms", "native")->host_side);
	/*
	 * a file that declares is taken at its word: fill_doc's test entries are named like
	 * mem.latency's but declare no curve, and stay without one
	 */
	assert_float_equal(results_find(&back, "mem.latency", "lat_4KiB", "native")->curve_bytes, 0,
			   0);
	results_free(&doc);
	results_free(&back);
}

/* A document of the older kind: the same entries, with no declarations recorded. */
static const char old_file[] =
	"{\"schema\":\"%s\",\"vbench_version\":\"0.1\",\"start_time\":\"2026-11-20T10:00:00Z\","
	"\"host\":{},\"config\":{\"suite\":\"quick\",\"baseline\":\"lxc\"},"
	"\"backends\":[{\"name\":\"lxc\",\"ran\":true},{\"name\":\"native\",\"ran\":true}],"
	"\"results\":["
	"{\"workload\":\"lifecycle.start\",\"group\":\"lifecycle\",\"metric\":\"ready_ms\","
	"\"backend\":\"native\",\"unit\":\"ms\",\"better\":\"lower\",\"status\":\"ok\","
	"\"samples\":[1]},"
	"{\"workload\":\"mem.latency\",\"group\":\"mem\",\"metric\":\"lat_64MiB\","
	"\"backend\":\"native\",\"unit\":\"ns\",\"better\":\"lower\",\"status\":\"ok\","
	"\"samples\":[90]},"
	"{\"workload\":\"io.blk.randread\",\"group\":\"io.blk\",\"metric\":\"qd1_p99_us\","
	"\"backend\":\"native\",\"unit\":\"us\",\"better\":\"lower\",\"status\":\"ok\","
	"\"samples\":[130]},"
	"{\"workload\":\"io.blk.randread\",\"group\":\"io.blk\",\"metric\":\"engine\","
	"\"backend\":\"native\",\"unit\":\"id\",\"better\":\"lower\",\"status\":\"ok\","
	"\"samples\":[1]},"
	"{\"workload\":\"os.syscall\",\"group\":\"os\",\"metric\":\"getppid_p99_ns\","
	"\"backend\":\"native\",\"unit\":\"ns\",\"better\":\"lower\",\"status\":\"ok\","
	"\"samples\":[160]}]}";

/* Files from before the declarations (/1, and /2 without them) still read: inferred by name. */
static void test_old_files_infer_declarations(void **state)
{
	(void)state;
	static const char *const schemas[] = { "vbench-result/1", "vbench-result/2" };
	for (size_t k = 0; k < 2; k++) {
		char text[sizeof(old_file) + 32];
		snprintf(text, sizeof(text), old_file, schemas[k]);
		struct results_doc doc;
		struct vb_error err = { 0 };
		if (results_parse(&doc, text, strlen(text), &err) < 0)
			fail_msg("%s: %s", schemas[k], err.message);
		assert_false(doc.backends[0].bare_metal); /* lxc */
		assert_true(doc.backends[1].bare_metal);  /* native */
		const struct result_entry *e = &doc.entries[0];
		assert_true(e->host_side);
		assert_false(e->io_percentile);
		e = &doc.entries[1];
		assert_false(e->host_side);
		assert_float_equal(e->curve_bytes, 64.0 * 1048576, 0);
		e = &doc.entries[2];
		assert_true(e->io_percentile);
		assert_float_equal(e->curve_bytes, 0, 0);
		e = &doc.entries[3];
		assert_string_equal(results_entry_value_name(e, 1), "io_uring");
		assert_string_equal(results_entry_value_name(e, 2), "threads");
		/* a percentile outside the io groups was never drawn with them */
		assert_false(doc.entries[4].io_percentile);
		/* written again, the inferred declarations are recorded */
		char *again = results_to_json(&doc, NULL);
		assert_non_null(strstr(again, "\"name\":\"native\",\"ran\":true"));
		assert_non_null(strstr(again, "\"bare_metal\":true"));
		assert_non_null(strstr(again, "\"curve_bytes\":67108864"));
		free(again);
		results_free(&doc);
	}
}

static void test_read_file_errors(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	char path[128];
	snprintf(path, sizeof(path), "%s/missing.json", test_dir);
	assert_int_equal(results_read_file(&doc, path, &err), -1);
	assert_non_null(strstr(err.message, "missing.json"));
	results_free(&doc);

	snprintf(path, sizeof(path), "%s/wrong.json", test_dir);
	test_write_file(path, "{\"schema\":\"x\"}");
	assert_int_equal(results_read_file(&doc, path, &err), -1);
	char want[192];
	snprintf(want, sizeof(want), "%s: not a vbench result (schema \"x\"", path);
	if (!strstr(err.message, want))
		fail_msg("got \"%s\"", err.message);
	results_free(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_entries_and_compute, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_round_trip, test_dir_setup, test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_nan_median_is_null, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_atomic_write, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_rejects_bad_input, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test_setup_teardown(test_declarations_round_trip, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test(test_old_files_infer_declarations),
		cmocka_unit_test_setup_teardown(test_read_file_errors, test_dir_setup,
						test_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
