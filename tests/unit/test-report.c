/* Unit tests for the reports: golden Markdown, HTML with real gnuplot SVG, CSV, history, errors. */
#include <fcntl.h>
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

#include "cli/commands.h"
#include "analysis/report-chart.h"
#include "analysis/report-history.h"
#include "analysis/report-model.h"
#include "analysis/report.h"
#include "analysis/results-merge.h"
#include "analysis/results.h"
#include "analysis/report-parts.h"
#include "analysis/table.h"
#include "common/rng.h"

/* Tests run from the repository root (make check, tests/run-tests.sh). */
#define FIXTURE_A "tests/fixtures/run-a.json"
#define FIXTURE_B "tests/fixtures/run-b.json"
#define GOLDEN_MD "tests/fixtures/run-a.report.md"

/* Every test's directory goes, and the gnuplot a test put in its place with it. */
static int remove_dir(void **state)
{
	unsetenv("VBENCH_GNUPLOT");
	return test_dir_teardown(state);
}

static void load(struct results_doc *doc, const char *path)
{
	struct vb_error err = { 0 };
	if (results_read_file(doc, path, &err) < 0)
		fail_msg("%s", err.message);
}

static void test_markdown_golden(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	load(&doc, FIXTURE_A);
	struct report_run run = { .doc = &doc, .name = FIXTURE_A };
	struct report_buf md;
	report_buf_init(&md);
	assert_int_equal(report_render_markdown(&run, 1, &md, &err), 0);
	/* VBENCH_UPDATE_GOLDEN=1 rewrites the golden file after an intended change */
	if (getenv("VBENCH_UPDATE_GOLDEN"))
		assert_int_equal(report_buf_write_file(&md, GOLDEN_MD, &err), 0);
	char *golden = test_read_file(GOLDEN_MD);
	assert_non_null(golden);
	assert_string_equal(md.text, golden);
	/* rendering twice gives the same bytes: no clock, no randomness */
	struct report_buf again;
	report_buf_init(&again);
	assert_int_equal(report_render_markdown(&run, 1, &again, &err), 0);
	assert_string_equal(md.text, again.text);
	free(golden);
	report_buf_free(&md);
	report_buf_free(&again);
	results_free(&doc);
}

static void test_summary_in_words(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	load(&doc, FIXTURE_A);
	struct report_model m;
	assert_int_equal(report_model_build(&m, &doc, &err), 0);
	assert_string_equal(m.baseline, "native");
	struct report_buf kvm, lxc;
	report_buf_init(&kvm);
	report_buf_init(&lxc);
	report_model_summary(&m, "kvm", &kvm);
	report_model_summary(&m, "lxc", &lxc);
	/* the fixture's VM: latency 12% higher beyond the 16 MiB working set, disk 27% slower */
	assert_non_null(strstr(kvm.text, "memory latency +12% beyond 16 MiB"));
	assert_non_null(strstr(kvm.text, "disk I/O performance 27% below native"));
	assert_non_null(strstr(kvm.text, "ready in 310 ms"));
	assert_non_null(strstr(kvm.text, "9 MiB host overhead"));
	assert_non_null(strstr(kvm.text, "network I/O unsupported"));
	/*
	 * differences whose interval contains 1 are not significant, and neither is lxc's getppid
	 * 1.036 [1.001, 1.070]: one of 15 metrics at p = 0.04 is what chance alone gives
	 */
	assert_non_null(strstr(
		lxc.text, "CPU, memory, OS and disk I/O: no significant difference from native"));
	assert_non_null(strstr(lxc.text, "15 metrics compared: 1 differs at the 5% level (chance "
					 "alone would give about 0.8), 0 after false-discovery "
					 "control"));
	assert_non_null(strstr(kvm.text, "15 metrics compared: 8 differ at the 5% level"));
	assert_non_null(strstr(lxc.text, "memory latency: no significant difference"));
	report_buf_free(&kvm);
	report_buf_free(&lxc);
	report_model_free(&m);
	results_free(&doc);
}

static void test_skipped_backend(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	load(&doc, FIXTURE_A);
	/* a backend that was asked for but could not run: named in the summary, no empty columns */
	struct result_backend *more = realloc(doc.backends, (doc.nbackends + 1) * sizeof(*more));
	assert_non_null(more);
	doc.backends = more;
	memset(&doc.backends[doc.nbackends], 0, sizeof(*more));
	snprintf(doc.backends[doc.nbackends].name, sizeof(more->name), "qemu");
	snprintf(doc.backends[doc.nbackends].reason, sizeof(more->reason),
		 "qemu-system-x86_64 not found");
	doc.backends[doc.nbackends].startup_ms = NAN;
	doc.backends[doc.nbackends].host_overhead_bytes = NAN;
	doc.nbackends++;
	/* compare's default baseline is the last backend named: here the one that could not run */
	snprintf(doc.config.baseline, sizeof(doc.config.baseline), "qemu");
	struct report_run run = { .doc = &doc, .name = "run-a.json" };
	struct report_buf md;
	report_buf_init(&md);
	assert_int_equal(report_render_markdown(&run, 1, &md, &err), 0);
	assert_non_null(strstr(md.text, "- qemu: did not run (qemu-system-x86_64 not found)"));
	assert_non_null(strstr(md.text, "| qemu | no | – | – | qemu-system-x86_64 not found |"));
	assert_null(strstr(md.text, "| qemu / native |"));
	assert_non_null(strstr(md.text, "| kvm | kvm / native |\n"));
	assert_non_null(strstr(md.text, "relative to native with a 95% bootstrap interval"));
	assert_non_null(strstr(md.text, "The baseline asked for, qemu, has no results."));
	report_buf_free(&md);
	results_free(&doc);
}

static void test_model_helpers(void **state)
{
	(void)state;
	char b[32];
	report_fmt_bytes(b, sizeof(b), 9437184);
	assert_string_equal(b, "9 MiB");
	report_fmt_bytes(b, sizeof(b), 1572864);
	assert_string_equal(b, "1.5 MiB");
	report_fmt_num(b, sizeof(b), NAN);
	assert_string_equal(b, "–");
	/* identifiers print by the names declared, and say so when the samples disagree */
	double v[] = { 1, 1, 2 };
	struct result_entry e = { .workload = "io.blk.randread",
				  .metric = "engine",
				  .unit = "id",
				  .samples = v,
				  .nsamples = 2,
				  .value_names = { "", "io_uring", "threads" } };
	assert_true(report_is_identifier(e.unit));
	assert_false(report_is_identifier("ns"));
	report_fmt_identifier(b, sizeof(b), &e);
	assert_string_equal(b, "io_uring");
	e.nsamples = 3;
	report_fmt_identifier(b, sizeof(b), &e);
	assert_string_equal(b, "mixed");
	e.samples = v + 2, e.nsamples = 1;
	report_fmt_identifier(b, sizeof(b), &e);
	assert_string_equal(b, "threads");
	/* what the entry declares counts, not its workload's name */
	snprintf(e.workload, sizeof(e.workload), "other.thing");
	report_fmt_identifier(b, sizeof(b), &e);
	assert_string_equal(b, "threads");
	snprintf(e.value_names[2], sizeof(e.value_names[2]), "%s", "");
	report_fmt_identifier(b, sizeof(b), &e);
	assert_string_equal(b, "2");
}

static void test_html_has_charts(void **state)
{
	(void)state;
	char why[256];
	if (!report_chart_available(why, sizeof(why)))
		fail_msg(
			"gnuplot is needed for this test (scripts/install-deps.sh installs it): %s",
			why);
	struct results_doc doc;
	struct vb_error err = { 0 };
	load(&doc, FIXTURE_A);
	struct report_run run = { .doc = &doc, .name = "run-a.json" };
	struct report_buf html;
	report_buf_init(&html);
	assert_int_equal(report_render_html(&run, 1, &html, &err), 0);
	/* four group ratio charts, latency curve, I/O percentiles, start-up, overhead */
	size_t svgs = 0;
	for (const char *p = html.text; (p = strstr(p, "<svg")); p++)
		svgs++;
	assert_int_equal(svgs, 8);
	assert_null(strstr(html.text, "could not be drawn"));
	assert_null(strstr(html.text, "<?xml")); /* inline SVG, no XML prolog in the page */
	assert_null(strstr(html.text,
			   "http://www.w3.org/1999/xlink\" href=\"http")); /* nothing fetched */
	assert_non_null(strstr(html.text, "Memory latency by working-set size (lower is better)"));
	assert_non_null(strstr(
		html.text, "CPU: performance relative to native (right of the line is better)"));
	assert_non_null(strstr(html.text, "filled marker: significant, hollow: not significant"));
	assert_non_null(strstr(html.text, "I/O latency percentiles (left is better)"));
	assert_non_null(strstr(html.text, "Host memory overhead (lower is better)"));
	/* the reference line at ratio 1 is labelled, and the ratio axis is symmetric around it */
	assert_non_null(strstr(html.text, "native = 1"));
	assert_non_null(strstr(html.text, ">1/2x<"));
	assert_non_null(strstr(html.text, ">2x<"));
	assert_non_null(strstr(html.text, "</html>"));
	report_buf_free(&html);
	results_free(&doc);
}

static void test_html_without_gnuplot(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	load(&doc, FIXTURE_A);
	setenv("VBENCH_GNUPLOT", "/nonexistent/gnuplot", 1);
	struct report_run run = { .doc = &doc, .name = "run-a.json" };
	struct report_buf html;
	report_buf_init(&html);
	assert_int_equal(report_render_html(&run, 1, &html, &err), 0);
	unsetenv("VBENCH_GNUPLOT");
	assert_null(strstr(html.text, "<svg"));
	assert_non_null(
		strstr(html.text, "charts are not included: /nonexistent/gnuplot was not found"));
	/* the tables are all there */
	assert_non_null(strstr(html.text, "<td>lat_256MiB</td>"));
	report_buf_free(&html);
	results_free(&doc);
}

static void test_csv(void **state)
{
	(void)state;
	struct results_doc a, b;
	struct vb_error err = { 0 };
	load(&a, FIXTURE_A);
	load(&b, FIXTURE_B);
	struct report_run runs[] = { { .doc = &a, .name = "a,1.json" },
				     { .doc = &b, .name = "b.json" } };
	struct report_buf csv;
	report_buf_init(&csv);
	assert_int_equal(report_render_csv(runs, 2, &csv, &err), 0);
	size_t lines = 0;
	for (const char *p = csv.text; *p; p++)
		lines += *p == '\n';
	assert_int_equal(lines, 1 + a.nentries + b.nentries);
	assert_true(!strncmp(csv.text, "run,start_time,workload,group,metric,backend,", 45));
	assert_non_null(strstr(
		csv.text,
		"\"a,1.json\",2026-11-20T10:00:00Z,cpu.int,cpu,ops,native,Mops/s,higher,ok,9,"));
	report_buf_free(&csv);
	results_free(&a);
	results_free(&b);
}

static void test_write_default(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	load(&doc, FIXTURE_A);
	char out[256], want[256];
	assert_int_equal(report_write_default(&doc, test_dir, out, sizeof(out), &err), 0);
	snprintf(want, sizeof(want), "%s/2026-11-20T10-00-00Z/report.html", test_dir);
	assert_string_equal(out, want);
	assert_int_equal(access(out, R_OK), 0);
	snprintf(want, sizeof(want), "%s/2026-11-20T10-00-00Z/report.md", test_dir);
	assert_int_equal(access(want, R_OK), 0);
	results_free(&doc);
}

static void test_report_command(void **state)
{
	(void)state;
	char msg[1024], out[160], path[192], bad[160];
	snprintf(out, sizeof(out), "%s/rep", test_dir);
	char *ok[] = { "report", FIXTURE_A, FIXTURE_B, "--out", out, "--format", "md,csv", NULL };
	assert_int_equal(test_run_command(cmd_report, ok, msg, sizeof(msg)), 0);
	snprintf(path, sizeof(path), "%s/report.md", out);
	assert_int_equal(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/report.csv", out);
	assert_int_equal(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/report.html", out);
	assert_int_equal(access(path, R_OK), -1); /* not asked for */

	char *fmt[] = { "report", FIXTURE_A, "--format", "pdf", NULL };
	assert_int_equal(test_run_command(cmd_report, fmt, msg, sizeof(msg)), 2);
	assert_non_null(strstr(msg, "unknown report format \"pdf\""));
	char *none[] = { "report", NULL };
	assert_int_equal(test_run_command(cmd_report, none, msg, sizeof(msg)), 2);
	assert_non_null(strstr(msg, "no results file given"));
	char *help[] = { "report", "--help", NULL };
	assert_int_equal(test_run_command(cmd_report, help, msg, sizeof(msg)), 0);

	static const struct {
		const char *name, *text, *want;
	} cases[] = {
		{ "corrupt.json", "{\"schema\":\"vbench-result/1\"]",
		  "corrupt.json: JSON is malformed" },
		{ "truncated.json", "{\"schema\":\"vbench-result/1\",\"host\":{\"kernel\":\"6.1\"",
		  "truncated.json: truncated JSON" },
		{ "schema.json", "{\"schema\":\"vbench-result/9\",\"results\":[]}",
		  "schema.json: not a vbench result (schema \"vbench-result/9\"" },
		{ "type.json", "{\"schema\":\"vbench-result/1\",\"vbench_version\":1}",
		  "type.json: vbench_version is not a string" },
		{ "empty.json", "", "empty.json: empty file" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(bad, sizeof(bad), "%s/%s", test_dir, cases[i].name);
		test_write_file(bad, cases[i].text);
		char *argv[] = { "report", bad, "--out", out, NULL };
		assert_int_equal(test_run_command(cmd_report, argv, msg, sizeof(msg)), 2);
		if (!strstr(msg, cases[i].want))
			fail_msg("\"%s\" lacks \"%s\"", msg, cases[i].want);
	}
}

/* Two machines side by side: host-qualified names, ratios to the chosen baseline, caveats. */
static void test_report_side_by_side(void **state)
{
	(void)state;
	struct results_doc a, b, merged;
	struct vb_error err = { 0 };
	load(&a, FIXTURE_A);
	load(&b, FIXTURE_B);
	snprintf(a.host.hostname, sizeof(a.host.hostname), "hostA");
	snprintf(b.host.hostname, sizeof(b.host.hostname), "hostB");
	b.config.suite = SUITE_SMOKE;
	const struct results_doc *docs[] = { &a, &b };
	const char *names[] = { "a.json", "b.json" };

	assert_int_equal(results_merge(&merged, docs, names, 2, "hostA:native", &err), 0);
	assert_int_equal(merged.nentries, a.nentries + b.nentries);
	assert_int_equal(merged.nbackends, 6);
	assert_string_equal(merged.backends[0].name, "hostA:native");
	assert_string_equal(merged.backends[3].name, "hostB:native");
	assert_string_equal(merged.config.baseline, "hostA:native");
	/* every entry keeps its raw samples */
	struct result_entry *e = results_find(&merged, "os.syscall", "getppid", "hostB:kvm");
	const struct result_entry *orig = results_find(&b, "os.syscall", "getppid", "kvm");
	assert_non_null(e);
	assert_int_equal(e->nsamples, orig->nsamples);
	assert_memory_equal(e->samples, orig->samples, e->nsamples * sizeof(double));
	/* what differs is said: suite, seed, the machines; not what is alike (CPUs, memory) */
	bool suite = false, seed = false, machines = false, cpus = false;
	for (size_t i = 0; i < merged.nwarnings; i++) {
		suite |= strstr(merged.warnings[i], "suite") &&
			 strstr(merged.warnings[i], "smoke (b.json)");
		seed |= strstr(merged.warnings[i], "differ in seed: 1 (a.json), 2 (b.json)") !=
			NULL;
		machines |= strstr(merged.warnings[i], "different machines") != NULL;
		cpus |= strstr(merged.warnings[i], "CPUs per backend") != NULL;
	}
	assert_true(suite && seed && machines);
	assert_false(cpus);

	/* the report: one table, a column per host and label, ratios to hostA:native */
	struct report_run runs[] = { { .doc = &a, .name = "a.json" },
				     { .doc = &b, .name = "b.json" } };
	struct report_run side = {
		.doc = &merged, .name = "side by side", .sources = runs, .nsources = 2
	};
	struct report_buf md, csv;
	report_buf_init(&md);
	report_buf_init(&csv);
	assert_int_equal(report_render_markdown(&side, 1, &md, &err), 0);
	assert_non_null(strstr(md.text, "## 2 runs side by side"));
	assert_non_null(strstr(md.text, "### Run 2026-11-20T10:00:00Z (a.json)"));
	assert_non_null(strstr(md.text, "Host hostB: AMD EPYC 7B13"));
	assert_non_null(strstr(md.text, "### Caveats of the comparison"));
	assert_non_null(strstr(md.text, "| hostA:native | hostA:lxc | hostA:lxc / hostA:native |"));
	assert_non_null(strstr(md.text, "| hostB:kvm | hostB:kvm / hostA:native |"));
	assert_non_null(strstr(md.text, "- hostA:native (baseline)"));
	/* the row of os.syscall: hostB's kvm against hostA's native, with its interval */
	const char *row = strstr(md.text, "| os.syscall | getppid |");
	assert_non_null(row);
	const char *end = strchr(row, '\n');
	char line[1024];
	snprintf(line, sizeof(line), "%.*s", (int)(end - row), row);
	assert_non_null(strstr(line, "| 48.18 [46.79, 49.66] |"));
	assert_non_null(strstr(line, "| 105.1 [102.7, 109.8] | 2.181 [2.110, 2.280] |"));
	assert_int_equal(report_render_csv(&side, 1, &csv, &err), 0);
	assert_non_null(strstr(csv.text, "\nb.json,2026-11-22T10:00:00Z,os.syscall,os,getppid,"
					 "hostB:kvm,ns,lower,ok,9,"));
	assert_non_null(strstr(csv.text, "\na.json,2026-11-20T10:00:00Z,os.syscall,os,getppid,"
					 "hostA:kvm,"));
	assert_non_null(strstr(csv.text, ",hostA:native,2.18"));
	report_buf_free(&md);
	report_buf_free(&csv);
	results_free(&merged);

	/* a label only one run has names its backend; one both runs have is ambiguous */
	snprintf(b.backends[2].name, sizeof(b.backends[2].name), "qemu");
	for (size_t i = 0; i < b.nentries; i++)
		if (!strcmp(b.entries[i].backend, "kvm"))
			snprintf(b.entries[i].backend, sizeof(b.entries[i].backend), "qemu");
	assert_int_equal(results_merge(&merged, docs, names, 2, "qemu", &err), 0);
	assert_string_equal(merged.config.baseline, "hostB:qemu");
	results_free(&merged);
	assert_int_equal(results_merge(&merged, docs, names, 2, "native", &err), -1);
	assert_non_null(strstr(err.message, "--baseline native is ambiguous"));
	assert_int_equal(results_merge(&merged, docs, names, 2, "hostC:kvm", &err), -1);
	assert_non_null(strstr(err.message, "no backend named \"hostC:kvm\""));
	/* no --baseline: the first run's, qualified */
	assert_int_equal(results_merge(&merged, docs, names, 2, NULL, &err), 0);
	assert_string_equal(merged.config.baseline, "hostA:native");
	results_free(&merged);
	/* one host twice: the second run's names tell it apart */
	snprintf(b.host.hostname, sizeof(b.host.hostname), "hostA");
	assert_int_equal(results_merge(&merged, docs, names, 2, NULL, &err), 0);
	assert_string_equal(merged.backends[3].name, "hostA#2:native");
	results_free(&merged);
	results_free(&a);
	results_free(&b);
}

/* `vbench report A B --baseline`: written side by side; a wrong baseline is a usage error. */
static void test_report_command_side_by_side(void **state)
{
	(void)state;
	char out[160], msg[1024], path[192];
	snprintf(out, sizeof(out), "%s/side", test_dir);
	char *argv[] = { "report",   FIXTURE_A, FIXTURE_B, "--baseline", "bench1#2:native",
			 "--format", "md",	"--out",   out,		 NULL };
	assert_int_equal(test_run_command(cmd_report, argv, msg, sizeof(msg)), 0);
	snprintf(path, sizeof(path), "%s/report.md", out);
	char *md = test_read_file(path);
	assert_non_null(md);
	assert_non_null(strstr(md, "| bench1:lxc / bench1#2:native |"));
	assert_non_null(strstr(md, "- bench1#2:native (baseline)"));
	free(md);
	char *bad[] = { "report", FIXTURE_A, FIXTURE_B, "--baseline", "kvm", "--out", out, NULL };
	assert_int_equal(test_run_command(cmd_report, bad, msg, sizeof(msg)), 2);
	assert_non_null(strstr(msg, "ambiguous"));
	char *one[] = { "report", FIXTURE_A, "--baseline", "nope", "--out", out, NULL };
	assert_int_equal(test_run_command(cmd_report, one, msg, sizeof(msg)), 2);
	assert_non_null(strstr(msg, "no backend named \"nope\""));
}

/* FIXTURE_A as if run elsewhere or otherwise: host, suite and start time changed. */
static void write_variant(const char *dir, const char *file, const char *host, enum suite suite,
			  const char *start)
{
	struct results_doc doc;
	struct vb_error err = { 0 };
	char path[256];
	load(&doc, FIXTURE_A);
	snprintf(doc.host.hostname, sizeof(doc.host.hostname), "%s", host);
	snprintf(doc.start_time, sizeof(doc.start_time), "%s", start);
	doc.config.suite = suite;
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	assert_int_equal(results_write_file(&doc, path, &err), 0);
	results_free(&doc);
}

static void test_history_sets(void **state)
{
	(void)state;
	char dir[160], slash[170], want[256];
	snprintf(dir, sizeof(dir), "%s/runs", test_dir);
	snprintf(slash, sizeof(slash), "%s/", dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	write_variant(dir, "1.json", "bench1", SUITE_QUICK, "2026-11-20T10:00:00Z");
	write_variant(dir, "2.json", "vps-b", SUITE_QUICK, "2026-11-21T10:00:00Z");
	write_variant(dir, "3.json", "bench1", SUITE_SMOKE, "2026-11-22T10:00:00Z");
	write_variant(dir, "4.json", "bench1", SUITE_QUICK, "2026-11-23T10:00:00Z");

	struct history h;
	struct report_buf warnings, md, html;
	struct vb_error err = { 0 };
	report_buf_init(&warnings);
	report_buf_init(&md);
	report_buf_init(&html);
	/* a folder given with a trailing slash: its files still print as DIR/x.json */
	assert_int_equal(history_load(&h, slash, &warnings, &err), 0);
	assert_int_equal(h.n, 4);
	snprintf(want, sizeof(want), "%s/1.json", dir);
	assert_string_equal(h.paths[0], want);
	assert_null(strstr(h.paths[3], "//"));
	/* the quick runs of bench1 share a set; another host and another suite each have theirs */
	assert_int_equal(h.nsets, 3);
	assert_int_equal(h.set[0], 0);
	assert_int_equal(h.set[1], 1);
	assert_int_equal(h.set[2], 2);
	assert_int_equal(h.set[3], 0);
	assert_true(history_comparable(&h.docs[0], &h.docs[3]));
	assert_false(history_comparable(&h.docs[0], &h.docs[1]));
	assert_false(history_comparable(&h.docs[0], &h.docs[2]));
	h.docs[3].config.cpus++;
	assert_false(history_comparable(&h.docs[0], &h.docs[3]));
	h.docs[3].config.cpus--;

	assert_int_equal(history_render(&h, "os.syscall/getppid", &md, &html), 1);
	assert_null(strstr(md.text, "//"));
	assert_non_null(strstr(md.text, "| 2 | 2026-11-21T10:00:00Z | B | "));
	assert_non_null(strstr(md.text, "3 set(s) of comparable runs"));
	assert_non_null(strstr(md.text, "B = vps-b (AMD EPYC 7B13), quick suite"));
	assert_non_null(strstr(md.text, "C = bench1 (AMD EPYC 7B13), smoke suite"));
	assert_non_null(strstr(md.text, "| 2026-11-23T10:00:00Z | A | 48.18"));
	/* one trend line per set and backend, named so in the chart's key */
	if (strstr(html.text, "<svg")) {
		assert_non_null(strstr(html.text, "A: native"));
		assert_non_null(strstr(html.text, "B: kvm"));
		assert_non_null(strstr(html.text, "C: lxc"));
	}
	history_free(&h);
	report_buf_free(&warnings);
	report_buf_free(&md);
	report_buf_free(&html);
}

static void test_history(void **state)
{
	(void)state;
	char dir[160], out[160], msg[1024], path[192];
	snprintf(dir, sizeof(dir), "%s/runs", test_dir);
	snprintf(out, sizeof(out), "%s/hist", test_dir);
	assert_int_equal(mkdir(dir, 0755), 0);
	/* written in reverse order of start time: history sorts by start time, not by name */
	char *a = test_read_file(FIXTURE_A), *b = test_read_file(FIXTURE_B);
	snprintf(path, sizeof(path), "%s/1-newer.json", dir);
	test_write_file(path, b);
	snprintf(path, sizeof(path), "%s/2-older.json", dir);
	test_write_file(path, a);
	snprintf(path, sizeof(path), "%s/junk.json", dir);
	test_write_file(path, "not json");
	free(a);
	free(b);

	struct history h;
	struct report_buf warnings, md, html;
	struct vb_error err = { 0 };
	report_buf_init(&warnings);
	report_buf_init(&md);
	report_buf_init(&html);
	assert_int_equal(history_load(&h, dir, &warnings, &err), 0);
	assert_int_equal(h.n, 2);
	assert_string_equal(h.docs[0].start_time, "2026-11-20T10:00:00Z");
	assert_non_null(strstr(warnings.text, "junk.json"));
	assert_int_equal(history_render(&h, "os.syscall/*", &md, &html), 1);
	const char *section = strstr(md.text, "## os.syscall / getppid (ns, lower is better)");
	assert_non_null(section);
	const char *older = strstr(section, "| 2026-11-20T10:00:00Z | A | 48.18");
	const char *newer = strstr(section, "| 2026-11-22T10:00:00Z |");
	assert_non_null(older);
	assert_non_null(newer);
	assert_true(older < newer);
	assert_non_null(strstr(html.text, "<svg"));
	assert_int_equal(history_render(&h, "nothing-matches", &md, NULL), 0);
	history_free(&h);
	report_buf_free(&warnings);
	report_buf_free(&md);
	report_buf_free(&html);

	char *argv[] = { "history", dir, "--metric", "p99", "--out", out, NULL };
	assert_int_equal(test_run_command(cmd_history, argv, msg, sizeof(msg)), 0);
	assert_non_null(strstr(msg, "skipped"));
	snprintf(path, sizeof(path), "%s/history.html", out);
	assert_int_equal(access(path, R_OK), 0);
	char *empty[] = { "history", out, NULL }; /* holds no .json */
	assert_int_equal(test_run_command(cmd_history, empty, msg, sizeof(msg)), 2);
	assert_non_null(strstr(msg, "no vbench results files"));
	char *missing[] = { "history", "/nonexistent-dir", NULL };
	assert_int_equal(test_run_command(cmd_history, missing, msg, sizeof(msg)), 2);
	assert_non_null(strstr(msg, "/nonexistent-dir: cannot open folder"));
}

/* Append an entry with these samples (copied) to a loaded document. */
static struct result_entry *add_entry(struct results_doc *doc, const char *workload,
				      const char *group, const char *metric, const char *backend,
				      const char *unit, enum better better, const double *v,
				      size_t n)
{
	struct result_entry *more = realloc(doc->entries, (doc->nentries + 1) * sizeof(*more));
	assert_non_null(more);
	doc->entries = more;
	struct result_entry *e = &doc->entries[doc->nentries++];
	memset(e, 0, sizeof(*e));
	snprintf(e->workload, sizeof(e->workload), "%s", workload);
	snprintf(e->group, sizeof(e->group), "%s", group);
	snprintf(e->metric, sizeof(e->metric), "%s", metric);
	snprintf(e->backend, sizeof(e->backend), "%s", backend);
	snprintf(e->unit, sizeof(e->unit), "%s", unit);
	e->better = better;
	e->samples = calloc(n + 1, sizeof(double));
	assert_non_null(e->samples);
	memcpy(e->samples, v, n * sizeof(double));
	e->nsamples = e->cap = n;
	return e;
}

/* A backend that ran, as the harness records it (bare_metal from its backend_ops). */
static void add_backend(struct results_doc *doc, const char *name, bool bare_metal)
{
	struct result_backend *more = realloc(doc->backends, (doc->nbackends + 1) * sizeof(*more));
	assert_non_null(more);
	doc->backends = more;
	struct result_backend *b = &doc->backends[doc->nbackends++];
	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->ran = true;
	b->bare_metal = bare_metal;
	b->startup_ms = b->host_overhead_bytes = b->memory_seen_bytes = NAN;
}

/* The line of a printed table that holds both words, or NULL. */
static const char *table_line(const char *text, const char *a, const char *b)
{
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		size_t n = strcspn(l, "\n");
		char line[512];
		snprintf(line, sizeof(line), "%.*s", (int)n, l);
		if (strstr(line, a) && strstr(line, b))
			return l;
	}
	return NULL;
}

/* What each agent said of where it ran, and the steal over its samples, per backend. */
static void test_environment_lines(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	load(&doc, FIXTURE_A);
	struct result_backend *kvm = NULL;
	for (size_t i = 0; i < doc.nbackends; i++)
		if (!strcmp(doc.backends[i].name, "kvm"))
			kvm = &doc.backends[i];
	assert_non_null(kvm);
	free(kvm->hello_json);
	kvm->hello_json = strdup("{\"version\":\"0.1.0\",\"environment\":{\"summary\":\"KVM "
				 "guest, 2 vCPUs, 1.9 GiB, Intel Xeon Platinum 8375C\"}}");
	/* 2 of 4 samples: 30 ms stolen of 970 ms busy; the others' steal was not read */
	for (int i = 0; i < 4; i++) {
		results_add_counter(&doc, "cpu.sha256", "kvm", "steal_ms", i < 2 ? 30 : NAN);
		results_add_counter(&doc, "cpu.sha256", "kvm", "cpus_busy_ms", 970);
		results_add_counter(&doc, "cpu.sha256", "kvm", "cpus_total_ms", 2000);
		results_add_counter(&doc, "cpu.sha256", "kvm", "task_clock_ns", 9.6e8);
	}
	char env[384];
	report_backend_environment(&doc, kvm, env, sizeof(env));
	assert_string_equal(env, "KVM guest, 2 vCPUs, 1.9 GiB, Intel Xeon Platinum 8375C; steal "
				 "3.0% of 2.0 s CPU time");
	/* no environment in its hello (an older agent) and no /proc/stat figures: nothing */
	for (size_t i = 0; i < doc.nbackends; i++) {
		if (&doc.backends[i] == kvm)
			continue;
		report_backend_environment(&doc, &doc.backends[i], env, sizeof(env));
		assert_string_equal(env, "");
	}

	struct report_run run = { .doc = &doc, .name = "run-a.json" };
	struct report_buf md, html;
	report_buf_init(&md);
	report_buf_init(&html);
	assert_int_equal(report_render_markdown(&run, 1, &md, &err), 0);
	assert_non_null(strstr(md.text,
			       "\n- kvm — KVM guest, 2 vCPUs, 1.9 GiB, Intel Xeon Platinum "
			       "8375C; steal 3.0% of 2.0 s CPU time\n"));
	unsetenv("VBENCH_GNUPLOT");
	assert_int_equal(report_render_html(&run, 1, &html, &err), 0);
	assert_non_null(strstr(html.text, "<li>kvm — KVM guest, 2 vCPUs"));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	table_print(f, &doc, true);
	fclose(f);
	assert_non_null(strstr(text,
			       "\nkvm     seen from inside: KVM guest, 2 vCPUs, 1.9 GiB, Intel "
			       "Xeon Platinum 8375C; steal 3.0% of 2.0 s CPU time\n"));
	free(text);
	report_buf_free(&md);
	report_buf_free(&html);
	results_free(&doc);
}

static void test_terminal_table(void **state)
{
	(void)state;
	struct results_doc doc;
	load(&doc, FIXTURE_A);
	const double engine[] = { 1, 1, 1 }, zero[] = { 0, 0, 0 }, some[] = { 0.18, 0.17, 0.18 },
		     clock[] = { 31.7, 31.6, 32.5 };
	const char *names[] = { "native", "lxc", "kvm" };
	for (size_t k = 0; k < 3; k++) {
		struct result_entry *e = add_entry(&doc, "io.blk.randread", "io.blk", "engine",
						   names[k], "id", BETTER_LOWER, engine, 3);
		snprintf(e->value_names[1], sizeof(e->value_names[1]), "io_uring");
		add_entry(&doc, "lifecycle.start", "lifecycle", "host_overhead_MiB", names[k],
			  "MiB", BETTER_LOWER, k == 0 ? zero : some, 3)
			->host_side = true;
		add_entry(&doc, "os.clock", "os", "clock_gettime_p50_ns", names[k], "ns",
			  BETTER_LOWER, clock, 3);
	}
	/* the baseline asked for did not run: ratios fall back to native, and the table says so */
	snprintf(doc.config.baseline, sizeof(doc.config.baseline), "qemu");
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	table_print(f, &doc, true);
	fclose(f);
	assert_non_null(strstr(text, "lxc/native [95% CI]"));
	assert_non_null(strstr(text, "kvm/native [95% CI]"));
	assert_non_null(strstr(
		text, "The baseline asked for, qemu, has no results: ratios are to native."));
	assert_null(strstr(text, "nan"));
	assert_null(strstr(text, "inf"));
	/* an identifier shows what ran, with no direction and no ratio */
	const char *l = table_line(text, "engine", "io_uring");
	assert_non_null(l);
	assert_true(strcspn(l, "[") > strcspn(l, "\n"));
	assert_true(strcspn(l, "^") > strcspn(l, "\n"));
	/* a baseline of 0 gives no ratio */
	l = table_line(text, "host_overhead_MiB", "0.180");
	assert_non_null(l);
	assert_true(strcspn(l, "[") > strcspn(l, "\n"));
	assert_non_null(table_line(text, "io.net.tcp", "unsupp."));
	/* the summary in words follows, as in the reports */
	assert_non_null(strstr(text, "\nIn words, against native:\n- lxc\n"));
	assert_non_null(strstr(text, "  - disk I/O performance 27% below native\n"));
	/* columns line up whatever the name lengths, and 3 backends fit 160 columns */
	const char *head = table_line(text, "workload", "metric");
	const char *row = table_line(text, "clock_gettime_p50_ns", "ns v");
	assert_non_null(head);
	assert_non_null(row);
	assert_int_equal(strstr(head, "unit") - head, strstr(row, "ns v") - row);
	assert_int_equal(strstr(head, "metric") - head, strstr(row, "clock_gettime_p50_ns") - row);
	for (const char *p = head; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (strncmp(p, "kvm ", 4) && strncmp(p, "lxc ", 4) && strncmp(p, "native ", 7))
			assert_true(strcspn(p, "\n") <= 160);
	free(text);
	results_free(&doc);
}

static void test_summary_names_few_differences(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	load(&doc, FIXTURE_A);
	/*
	 * one clear difference among otherwise equal CPU metrics: named, not spread over the group;
	 * 9 samples a side (p = 2/48620) are strong enough evidence even for faster than native
	 */
	const double same[] = { 100, 101, 99, 100, 102, 98, 100.5, 99.5, 101.5 };
	const double fast[] = { 150, 151, 149, 152, 150, 148, 150.5, 149.5, 151.5 };
	const char *metrics[] = { "a", "b", "c" };
	for (size_t i = 0; i < 3; i++) {
		add_entry(&doc, "cpu.extra", "cpu", metrics[i], "native", "ops/s", BETTER_HIGHER,
			  same, 9);
		add_entry(&doc, "cpu.extra", "cpu", metrics[i], "lxc", "ops/s", BETTER_HIGHER,
			  i == 1 ? fast : same, 9);
	}
	const double ready[] = { 12, 13, 12.5, 12.2, 12.8 };
	add_entry(&doc, "lifecycle.start", "lifecycle", "ready_ms", "lxc", "ms", BETTER_LOWER,
		  ready, 5)
		->host_side = true;
	struct report_model m;
	assert_int_equal(report_model_build(&m, &doc, &err), 0);
	struct report_buf lxc;
	report_buf_init(&lxc);
	report_model_summary(&m, "lxc", &lxc);
	assert_non_null(strstr(
		lxc.text,
		"CPU: significant differences in 1 of 5 metrics: cpu.extra b +50% (better)"));
	/* repeated starts replace the single first start the backend timed (11.2 ms) */
	assert_non_null(strstr(lxc.text, "ready in 12.5 ms (median of restarts)"));
	assert_null(strstr(lxc.text, "11.2"));
	report_buf_free(&lxc);
	report_model_free(&m);
	results_free(&doc);
}

/*
 * What every measured metric of a group says first (ssh's io.net: loopback on the remote host)
 * goes with the group's name in the summary, not into the list of groups without a difference.
 */
static void test_summary_carries_group_note(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	load(&doc, FIXTURE_A);
	const double v[] = { 100, 101, 99, 100, 102 };
	const char *metrics[] = { "rr1_tps", "stream_mbps" };
	const char *label = "loopback on the remote host: no network path between hosts measured";
	for (size_t i = 0; i < 2; i++) {
		add_entry(&doc, "io.net.x", "io.net", metrics[i], "native", "ops/s", BETTER_HIGHER,
			  v, 5);
		struct result_entry *e = add_entry(&doc, "io.net.x", "io.net", metrics[i], "lxc",
						   "ops/s", BETTER_HIGHER, v, i ? 5 : 4);
		snprintf(e->note, sizeof(e->note), i ? "%s" : "%s; not measured in 1 of 5 samples",
			 label);
	}
	struct report_model m;
	assert_int_equal(report_model_build(&m, &doc, &err), 0);
	struct report_buf lxc;
	report_buf_init(&lxc);
	report_model_summary(&m, "lxc", &lxc);
	assert_non_null(strstr(lxc.text, "network I/O (loopback on the remote host: no network path "
					 "between hosts measured): no significant difference from "
					 "native;"));
	assert_non_null(strstr(
		lxc.text, "CPU, memory, OS and disk I/O: no significant difference from native"));
	report_buf_free(&lxc);
	/* metrics that say different things first: no group-wide words */
	snprintf(doc.entries[doc.nentries - 1].note, sizeof(doc.entries[0].note), "other");
	report_model_free(&m);
	assert_int_equal(report_model_build(&m, &doc, &err), 0);
	report_buf_init(&lxc);
	report_model_summary(&m, "lxc", &lxc);
	assert_null(strstr(lxc.text, "loopback"));
	assert_non_null(strstr(lxc.text, "disk I/O and network I/O: no significant difference"));
	report_buf_free(&lxc);
	report_model_free(&m);
	results_free(&doc);
}

/*
 * Reports decide by what the results declare, not by names: the fixture (an old file, whose
 * declarations the reader infers from its names) with its bare-metal backend, its latency curve
 * and its lifecycle figures renamed reads the same.
 */
static void test_declarations_not_names(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	load(&doc, FIXTURE_A);
	assert_true(doc.backends[0].bare_metal && !strcmp(doc.backends[0].name, "native"));
	snprintf(doc.backends[0].name, sizeof(doc.backends[0].name), "metal");
	doc.config.baseline[0] = '\0'; /* the default: the bare-metal backend */
	for (size_t i = 0; i < doc.nentries; i++) {
		struct result_entry *e = &doc.entries[i];
		if (!strcmp(e->backend, "native"))
			snprintf(e->backend, sizeof(e->backend), "metal");
		if (!strcmp(e->workload, "mem.latency"))
			snprintf(e->workload, sizeof(e->workload), "mem.chain");
		/* the I/O percentile chart takes what declares itself one, whatever its group */
		if (e->io_percentile)
			snprintf(e->group, sizeof(e->group), "disk");
	}
	const double ready[] = { 12, 13, 12.5, 12.2, 12.8 }, metal[] = { 1, 1.1, 1.2, 1.05, 1.15 };
	add_entry(&doc, "boot.again", "boot", "ready_ms", "lxc", "ms", BETTER_LOWER, ready, 5)
		->host_side = true;
	add_entry(&doc, "boot.again", "boot", "ready_ms", "metal", "ms", BETTER_LOWER, metal, 5)
		->host_side = true;
	struct report_model m;
	assert_int_equal(report_model_build(&m, &doc, &err), 0);
	assert_string_equal(m.baseline, "metal");
	assert_true(m.baseline_bare_metal);
	size_t curve = 0, percentiles = 0;
	for (size_t r = 0; r < m.nrows; r++) {
		curve += m.rows[r].curve_bytes > 0;
		percentiles += m.rows[r].io_percentile;
	}
	assert_int_equal(curve, 7);	  /* mem.latency's seven sizes in the fixture */
	assert_int_equal(percentiles, 2); /* io.blk.randread p50, p99 */
	struct report_buf kvm, lxc, md;
	report_buf_init(&kvm);
	report_buf_init(&lxc);
	report_buf_init(&md);
	report_model_summary(&m, "kvm", &kvm);
	report_model_summary(&m, "lxc", &lxc);
	assert_non_null(strstr(kvm.text, "memory latency +12% beyond 16 MiB"));
	assert_non_null(strstr(lxc.text, "ready in 12.5 ms (median of restarts, "));
	/* a host-side figure is no group's performance: "boot" gets no words of its own */
	assert_null(strstr(lxc.text, "boot"));
	report_method_text(&m, &md);
	assert_non_null(strstr(md.text, "A backend faster than metal, the machine it runs on"));
	report_buf_free(&kvm);
	report_buf_free(&lxc);
	report_buf_free(&md);
	report_model_free(&m);
	/* and a backend named native that does not declare itself bare metal is not taken for it */
	snprintf(doc.backends[0].name, sizeof(doc.backends[0].name), "native");
	doc.backends[0].bare_metal = false;
	for (size_t i = 0; i < doc.nentries; i++)
		if (!strcmp(doc.entries[i].backend, "metal"))
			snprintf(doc.entries[i].backend, sizeof(doc.entries[i].backend), "native");
	snprintf(doc.config.baseline, sizeof(doc.config.baseline), "native");
	assert_int_equal(report_model_build(&m, &doc, &err), 0);
	assert_false(m.baseline_bare_metal);
	report_buf_init(&md);
	report_method_text(&m, &md);
	assert_null(strstr(md.text, "the machine it runs on"));
	report_buf_free(&md);
	report_model_free(&m);
	results_free(&doc);
}

/* Standard normal draws from the seeded generator (Box-Muller). */
/* A run of 60 metrics on native and lxc, 5 lognormal samples each, lxc's scaled by factor[i]. */
static void null_run(struct results_doc *doc, struct rng *rng, const double *factor)
{
	results_init(doc);
	snprintf(doc->config.baseline, sizeof(doc->config.baseline), "native");
	doc->config.repeat = 5;
	add_backend(doc, "native", true);
	add_backend(doc, "lxc", false);
	for (size_t i = 0; i < 60; i++) {
		char metric[16];
		snprintf(metric, sizeof(metric), "m%zu", i);
		/* noise from 0.5% to 6%, as the suite's metrics have */
		double cv = 0.005 + 0.055 * (double)i / 59;
		double v[5];
		for (size_t k = 0; k < 2; k++) {
			for (size_t s = 0; s < 5; s++)
				v[s] = 100 * (k ? factor[i] : 1) * exp(cv * rng_normal(rng));
			add_entry(doc, "cpu.sim", "cpu", metric, k ? "lxc" : "native", "ops/s",
				  BETTER_HIGHER, v, 5);
		}
	}
}

/*
 * Point 17: with 60 metrics and no real difference, marks at 95% flag about three in every run.
 * Over 100 seeded runs of identical distributions, false-discovery control marks something in
 * at most 5% of runs (the level it controls), where an unadjusted interval would in most.
 */
static void test_marks_control_false_discoveries(void **state)
{
	(void)state;
	struct rng rng;
	rng_seed(&rng, 17);
	double ones[60];
	for (size_t i = 0; i < 60; i++)
		ones[i] = 1;
	size_t runs = 100, runs_marked = 0, runs_nominal = 0;
	for (size_t r = 0; r < runs; r++) {
		struct results_doc doc;
		struct report_model m;
		struct vb_error err = { 0 };
		null_run(&doc, &rng, ones);
		assert_int_equal(report_model_build(&m, &doc, &err), 0);
		struct report_chance ch;
		report_model_chance(&m, report_model_backend_index(&m, "lxc"), &ch);
		assert_int_equal(ch.compared, 60);
		assert_float_equal(ch.expected, 3.0, 1e-12);
		bool excluded = false;
		for (size_t i = 0; i < doc.nentries; i++)
			excluded |= m.cells[i].has_ratio &&
				    !(m.cells[i].rlo <= 1 && m.cells[i].rhi >= 1);
		runs_nominal += excluded;
		runs_marked += ch.significant > 0;
		report_model_free(&m);
		results_free(&doc);
	}
	/* seen: 0 of 100 marked; an interval excluding 1 in 85 of them */
	assert_true(runs_marked * 20 <= runs);
	assert_true(runs_nominal * 4 >= runs * 3);
}

/* A container 8% faster than native on one metric with 5 samples: not reported as faster. */
static void test_no_faster_than_native_by_chance(void **state)
{
	(void)state;
	struct rng rng;
	rng_seed(&rng, 18);
	double factor[60];
	for (size_t i = 0; i < 60; i++)
		factor[i] = 1;
	factor[3] = 1.08; /* 1.4% noise: completely separated, p = 2/252 */
	struct results_doc doc;
	struct report_model m;
	struct vb_error err = { 0 };
	null_run(&doc, &rng, factor);
	assert_int_equal(report_model_build(&m, &doc, &err), 0);
	const struct report_cell *c = m.rows[3].cells[report_model_backend_index(&m, "lxc")];
	assert_string_equal(m.rows[3].metric, "m3");
	assert_true(c->rlo > 1);		    /* its interval alone would call it */
	assert_float_equal(c->p, 2.0 / 252, 1e-12); /* as strong as 5 samples can be */
	assert_false(c->significant);
	struct report_buf lxc;
	report_buf_init(&lxc);
	report_model_summary(&m, "lxc", &lxc);
	assert_null(strstr(lxc.text, "better"));
	assert_null(strstr(lxc.text, "above native"));
	assert_non_null(strstr(lxc.text, "CPU: no significant difference from native"));
	assert_non_null(strstr(lxc.text, "(chance alone would give about 3.0), 0 after"));
	report_buf_free(&lxc);
	/* and the report says why: the smallest p these samples allow, the chance count */
	struct report_buf md;
	report_buf_init(&md);
	report_method_text(&m, &md);
	assert_non_null(
		strstr(md.text, "With 5 samples a side the smallest possible p is 0.00794"));
	assert_non_null(strstr(md.text, "with 60 metrics, unadjusted marks at 5% would flag about "
					"3.0 by chance alone"));
	report_buf_free(&md);
	report_model_free(&m);
	results_free(&doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marks_control_false_discoveries),
		cmocka_unit_test(test_no_faster_than_native_by_chance),
		cmocka_unit_test(test_markdown_golden),
		cmocka_unit_test(test_summary_in_words),
		cmocka_unit_test(test_skipped_backend),
		cmocka_unit_test(test_model_helpers),
		cmocka_unit_test(test_declarations_not_names),
		cmocka_unit_test(test_terminal_table),
		cmocka_unit_test(test_environment_lines),
		cmocka_unit_test(test_summary_names_few_differences),
		cmocka_unit_test(test_summary_carries_group_note),
		cmocka_unit_test(test_html_has_charts),
		cmocka_unit_test_setup_teardown(test_html_without_gnuplot, test_dir_setup,
						remove_dir),
		cmocka_unit_test(test_csv),
		cmocka_unit_test_setup_teardown(test_write_default, test_dir_setup, remove_dir),
		cmocka_unit_test_setup_teardown(test_report_command, test_dir_setup, remove_dir),
		cmocka_unit_test_setup_teardown(test_history, test_dir_setup, remove_dir),
		cmocka_unit_test_setup_teardown(test_history_sets, test_dir_setup, remove_dir),
		cmocka_unit_test(test_report_side_by_side),
		cmocka_unit_test_setup_teardown(test_report_command_side_by_side, test_dir_setup,
						remove_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
