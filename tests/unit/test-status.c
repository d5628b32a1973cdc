/*
 * Unit tests for what a result's status means to every reader of it: only `ok` entries get
 * ratios and count in the words (table, Markdown, HTML, CSV, diff), and an entry never measured
 * says why. The documents are crafted JSON read through results_parse, as a file would be.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/protocol.h"
#include "analysis/diff.h"
#include "analysis/report-model.h"
#include "analysis/report-parts.h"
#include "analysis/report.h"
#include "analysis/results.h"
#include "analysis/table.h"

#define SAME "[100, 101, 99, 100, 102]"
#define HALF "[50, 51, 49, 50, 52]"

/* One results entry as JSON; samples is a JSON array. */
static void entry(char *out, size_t len, const char *workload, const char *metric,
		  const char *backend, const char *status, const char *note, const char *samples)
{
	size_t used = strlen(out);
	snprintf(out + used, len - used,
		 "%s{\"workload\":\"%s\",\"group\":\"%s\",\"metric\":\"%s\",\"backend\":\"%s\","
		 "\"unit\":\"ops/s\",\"better\":\"higher\",\"status\":\"%s\",\"note\":\"%s\","
		 "\"samples\":%s}",
		 used && out[used - 1] != '[' ? "," : "", workload,
		 !strncmp(workload, "mem", 3) ? "mem" : "cpu", metric, backend, status, note,
		 samples);
}

static char doc_text[8192];

static void doc_begin(void)
{
	snprintf(
		doc_text, sizeof(doc_text),
		"{\"schema\":\"vbench-result/1\",\"vbench_version\":\"0.1.0\","
		"\"start_time\":\"2026-11-22T04:20:00Z\",\"host\":{},"
		"\"config\":{\"suite\":\"smoke\",\"repeat\":5,\"warmup\":1,\"seed\":1,"
		"\"baseline\":\"native\"},"
		"\"backends\":[{\"name\":\"native\",\"ran\":true},{\"name\":\"lxc\",\"ran\":true}],"
		"\"results\":[");
}

static void doc_end(struct results_doc *doc)
{
	size_t used = strlen(doc_text);
	snprintf(doc_text + used, sizeof(doc_text) - used, "]}");
	struct vb_error err = { 0 };
	if (results_parse(doc, doc_text, strlen(doc_text), &err) < 0)
		fail_msg("%s", err.message);
}

#define ENTRY(...) entry(doc_text, sizeof(doc_text), __VA_ARGS__)

/* Two CPU metrics alike on both backends, and a third that lxc failed after two slow samples. */
static void make_failed_doc(struct results_doc *doc)
{
	doc_begin();
	ENTRY("cpu.a", "x", "native", "ok", "", SAME);
	ENTRY("cpu.a", "x", "lxc", "ok", "", SAME);
	ENTRY("cpu.b", "y", "native", "ok", "", SAME);
	ENTRY("cpu.b", "y", "lxc", "ok", "", SAME);
	ENTRY("cpu.sha256", "single", "native", "ok", "", SAME);
	ENTRY("cpu.sha256", "single", "lxc", "error", "SHA-256 self-test gave a wrong digest",
	      "[50, 51]");
	doc_end(doc);
}

static const struct report_cell *cell(const struct report_model *m, const char *workload,
				      const char *backend)
{
	int bi = report_model_backend_index(m, backend);
	for (size_t r = 0; r < m->nrows; r++)
		if (!strcmp(m->rows[r].workload, workload))
			return bi >= 0 ? m->rows[r].cells[bi] : NULL;
	return NULL;
}

/* The line of text that holds needle, as a string of its own (static). */
static const char *line_with(const char *text, const char *needle)
{
	static char line[1024];
	const char *p = text ? strstr(text, needle) : NULL;
	if (!p)
		return NULL;
	while (p > text && p[-1] != '\n')
		p--;
	size_t n = strcspn(p, "\n");
	snprintf(line, sizeof(line), "%.*s", (int)n, p);
	return line;
}

static char *table_text(const struct results_doc *doc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	assert_non_null(f);
	table_print(f, doc, true);
	fclose(f);
	return text;
}

static void test_failed_entry_has_no_ratio(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	make_failed_doc(&doc);
	struct report_model m;
	assert_int_equal(report_model_build(&m, &doc, &err), 0);
	assert_true(cell(&m, "cpu.a", "lxc")->has_ratio);
	assert_false(cell(&m, "cpu.sha256", "lxc")->has_ratio);
	assert_true(isnan(cell(&m, "cpu.sha256", "lxc")->ratio));

	/* the words: CPU alike, the failure not counted (it was "significant differences ...") */
	struct report_buf words;
	report_buf_init(&words);
	report_model_summary(&m, "lxc", &words);
	assert_non_null(strstr(words.text, "CPU: no significant difference from native "
					   "(1 failed metric not counted)"));
	assert_null(strstr(words.text, "below"));
	assert_null(strstr(words.text, "cpu.sha256"));
	report_buf_free(&words);
	report_model_free(&m);

	/* the terminal table: "error", no interval; the note says why */
	char *text = table_text(&doc);
	const char *l = line_with(text, "cpu.sha256");
	assert_non_null(l);
	assert_non_null(strstr(l, "error"));
	assert_null(strchr(l, '['));
	assert_non_null(strstr(text, "- cpu.sha256 single on lxc: error — SHA-256 self-test gave "
				     "a wrong digest\n"));
	free(text);

	/* Markdown: no ratio in the cell beside "error" */
	struct report_run run = { .doc = &doc, .name = "crafted" };
	struct report_buf md;
	report_buf_init(&md);
	assert_int_equal(report_render_markdown(&run, 1, &md, &err), 0);
	l = line_with(md.text, "| cpu.sha256 |");
	assert_non_null(l);
	assert_non_null(strstr(l, "| error | – |"));
	report_buf_free(&md);

	/* CSV: status error, and the ratio fields empty */
	struct report_buf csv;
	report_buf_init(&csv);
	assert_int_equal(report_render_csv(&run, 1, &csv, &err), 0);
	l = line_with(csv.text, "cpu.sha256,cpu,single,lxc,");
	assert_non_null(l);
	assert_non_null(strstr(l, ",error,2,"));
	assert_non_null(strstr(l, ",native,,,,,SHA-256"));
	report_buf_free(&csv);
	results_free(&doc);
}

static void test_failed_baseline_gives_no_ratio(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	doc_begin();
	ENTRY("cpu.a", "x", "native", "error", "the agent died", "[200, 201]");
	ENTRY("cpu.a", "x", "lxc", "ok", "", SAME);
	doc_end(&doc);
	struct report_model m;
	assert_int_equal(report_model_build(&m, &doc, &err), 0);
	assert_false(cell(&m, "cpu.a", "lxc")->has_ratio);
	struct report_buf words;
	report_buf_init(&words);
	report_model_summary(&m, "lxc", &words);
	assert_non_null(strstr(words.text, "lxc: CPU failed"));
	report_buf_free(&words);
	report_model_free(&m);
	results_free(&doc);
}

/* An older vbench saved metrics it never measured as ok with no samples. */
static void test_old_ok_without_samples_reads_unsupported(void **state)
{
	(void)state;
	struct results_doc doc;
	struct vb_error err = { 0 };
	doc_begin();
	ENTRY("mem.latency", "lat_4KiB", "native", "ok", "", SAME);
	ENTRY("mem.latency", "lat_4KiB", "lxc", "ok", "", SAME);
	ENTRY("mem.latency", "lat_1GiB", "native", "ok", "", "[]");
	ENTRY("mem.latency", "lat_1GiB", "lxc", "ok", "", "[]");
	doc_end(&doc);
	const struct result_entry *e = results_find(&doc, "mem.latency", "lat_1GiB", "lxc");
	assert_non_null(e);
	assert_int_equal(e->status, RESULT_UNSUPPORTED);
	assert_string_equal(e->note, "no samples");
	assert_int_equal(results_find(&doc, "mem.latency", "lat_4KiB", "lxc")->status, RESULT_OK);

	/* shown, with why, rather than silently left out */
	char *text = table_text(&doc);
	const char *l = line_with(text, "lat_1GiB");
	assert_non_null(l);
	assert_non_null(strstr(l, "unsupp."));
	assert_non_null(
		strstr(text, "- mem.latency lat_1GiB on native: unsupported — no samples\n"));
	free(text);

	struct report_run run = { .doc = &doc, .name = "crafted" };
	struct report_buf md, csv, html;
	report_buf_init(&md);
	report_buf_init(&csv);
	report_buf_init(&html);
	assert_int_equal(report_render_markdown(&run, 1, &md, &err), 0);
	assert_non_null(
		strstr(md.text, "- mem.latency lat_1GiB on lxc: unsupported — no samples\n"));
	assert_int_equal(report_render_csv(&run, 1, &csv, &err), 0);
	l = line_with(csv.text, "lat_1GiB,lxc,");
	assert_non_null(l);
	assert_non_null(strstr(l, ",unsupported,0,"));
	assert_non_null(strstr(l, ",no samples"));
	assert_int_equal(report_render_html(&run, 1, &html, &err), 0);
	assert_non_null(strstr(html.text, "<li>mem.latency lat_1GiB on lxc: unsupported — no "
					  "samples</li>"));
	report_buf_free(&md);
	report_buf_free(&csv);
	report_buf_free(&html);
	results_free(&doc);
}

/* Notes of one workload, backend and reason come as one item listing the metrics. */
static void test_notes_grouped(void **state)
{
	(void)state;
	struct results_doc doc;
	doc_begin();
	ENTRY("mem.latency", "lat_256MiB", "native", "unsupported", "beyond this suite", "[]");
	ENTRY("mem.latency", "lat_1GiB", "native", "unsupported", "beyond this suite", "[]");
	ENTRY("mem.pagefault", "thp", "native", "unsupported", "THP disabled", "[]");
	doc_end(&doc);
	struct report_buf b;
	report_buf_init(&b);
	report_notes(&doc, REPORT_STYLE_PLAIN, &b);
	assert_string_equal(b.text,
			    "\nNotes:\n"
			    "- mem.latency lat_256MiB, lat_1GiB on native: unsupported — beyond "
			    "this suite\n"
			    "- mem.pagefault thp on native: unsupported — THP disabled\n");
	report_buf_free(&b);
	results_free(&doc);
}

static const struct diff_row *diff_row_of(const struct diff_result *d, const char *workload)
{
	for (size_t i = 0; i < d->nrows; i++)
		if (!strcmp(d->rows[i].workload, workload))
			return &d->rows[i];
	fail_msg("no diff row for %s", workload);
	return NULL;
}

static void test_diff_compares_only_ok(void **state)
{
	(void)state;
	struct results_doc base, new;
	struct diff_options o;
	struct diff_result d;
	struct vb_error err = { 0 };
	diff_options_default(&o);
	doc_begin();
	ENTRY("cpu.a", "x", "lxc", "error", "the agent died", SAME);
	ENTRY("cpu.b", "x", "lxc", "ok", "", SAME);
	ENTRY("cpu.c", "x", "lxc", "ok", "", SAME);
	ENTRY("cpu.d", "x", "lxc", "ok", "", SAME);
	doc_end(&base);
	doc_begin();
	ENTRY("cpu.a", "x", "lxc", "ok", "", HALF);
	ENTRY("cpu.b", "x", "lxc", "ok", "", "[]"); /* as an older vbench wrote it */
	ENTRY("cpu.c", "x", "lxc", "unsupported", "THP disabled", "[]");
	ENTRY("cpu.d", "x", "lxc", "error", "wrong digest", HALF);
	doc_end(&new);
	assert_int_equal(diff_compare(&base, &new, &o, &d, &err), 0);
	/* a failed BASE is no measurement to regress from, however many samples it kept */
	const struct diff_row *r = diff_row_of(&d, "cpu.a");
	assert_int_equal(r->verdict, DIFF_SKIPPED);
	assert_false(r->judged);
	assert_true(isnan(r->ratio));
	assert_true(isnan(r->base_median));
	assert_string_equal(r->why, "error in BASE: the agent died");
	r = diff_row_of(&d, "cpu.b");
	assert_int_equal(r->verdict, DIFF_SKIPPED);
	assert_string_equal(r->why, "unsupported in NEW: no samples");
	r = diff_row_of(&d, "cpu.c");
	assert_string_equal(r->why, "unsupported in NEW: THP disabled");
	r = diff_row_of(&d, "cpu.d");
	assert_int_equal(r->verdict, DIFF_REGRESSED);
	assert_true(isnan(r->ratio));
	assert_true(isnan(r->new_median));
	assert_int_equal(d.regressed, 1);
	assert_int_equal(d.skipped, 3);
	diff_free(&d);
	results_free(&base);
	results_free(&new);
}

/* The agent says why a sample's null metrics were not measured. */
static void test_sample_note_travels(void **state)
{
	(void)state;
	struct proto_msg m, back;
	struct vb_error err = { 0 };
	memset(&m, 0, sizeof(m));
	m.type = PROTO_SAMPLE;
	m.id = 7;
	proto_values_add(&m.metrics, "lat_4KiB", 1.5);
	proto_values_add(&m.metrics, "lat_1GiB", NAN);
	snprintf(m.message, sizeof(m.message), "larger than this suite's largest working set");
	size_t len;
	char *line = proto_encode(&m, &len);
	assert_non_null(line);
	assert_int_equal(proto_decode(line, len, &back, &err), 0);
	assert_string_equal(back.message, "larger than this suite's largest working set");
	double v;
	assert_int_equal(proto_values_get(&back.metrics, "lat_1GiB", &v), 0);
	assert_true(isnan(v));
	free(line);
	/* no note: none on the wire */
	m.message[0] = '\0';
	line = proto_encode(&m, &len);
	assert_null(strstr(line, "message"));
	free(line);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_failed_entry_has_no_ratio),
		cmocka_unit_test(test_failed_baseline_gives_no_ratio),
		cmocka_unit_test(test_old_ok_without_samples_reads_unsupported),
		cmocka_unit_test(test_notes_grouped),
		cmocka_unit_test(test_diff_compares_only_ok),
		cmocka_unit_test(test_sample_note_travels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
