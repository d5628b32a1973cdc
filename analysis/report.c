/* Reports of one or more runs: Markdown, a self-contained HTML page with charts, CSV. */
#include "analysis/report.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/checks.h"
#include "analysis/report-chart.h"
#include "analysis/report-model.h"
#include "analysis/report-parts.h"
#include "analysis/results-merge.h"
#include "common/json.h"

int report_parse_formats(const char *list, unsigned *formats, struct vb_error *err)
{
	*formats = 0;
	const char *p = list;
	while (*p) {
		size_t n = strcspn(p, ",");
		if (n == 2 && !strncmp(p, "md", 2))
			*formats |= REPORT_MARKDOWN;
		else if (n == 8 && !strncmp(p, "markdown", 8))
			*formats |= REPORT_MARKDOWN;
		else if (n == 4 && !strncmp(p, "html", 4))
			*formats |= REPORT_HTML;
		else if (n == 3 && !strncmp(p, "csv", 3))
			*formats |= REPORT_CSV;
		else if (n > 0)
			return error_set(
				err, "unknown report format \"%.*s\" (expected md, html or csv)",
				(int)n, p);
		p += n;
		if (*p == ',')
			p++;
	}
	if (!*formats)
		return error_set(err, "no report format given (expected md, html or csv)");
	return 0;
}

/* ---- pieces shared by Markdown and HTML ---- */

void report_run_facts(const struct results_doc *doc, struct report_buf *b)
{
	const struct result_host *h = &doc->host;
	const struct result_config *c = &doc->config;
	char mem[32], llc[32];
	report_fmt_bytes(mem, sizeof(mem), (double)c->memory_bytes);
	report_fmt_bytes(llc, sizeof(llc), (double)h->llc_bytes);
	report_buf_printf(
		b,
		"Started %s, %s suite, %u samples per measurement after %u warm-up, seed %llu, "
		"vbench %s.",
		doc->start_time, suite_name(c->suite), c->repeat, c->warmup,
		(unsigned long long)c->seed, doc->version);
	if (doc->interrupted)
		report_buf_puts(
			b, " The run was interrupted: only what was measured before is shown.");
	report_buf_printf(b,
			  "\n\nHost %s: %s (%u package(s), %u cores, %u hardware threads, LLC %s), "
			  "kernel %s, KVM %s, cgroup %s; ",
			  *h->hostname ? h->hostname : "?",
			  *h->cpu_model ? h->cpu_model : "unknown CPU", h->packages, h->cores,
			  h->pus, llc, *h->kernel ? h->kernel : "?", *h->kvm ? h->kvm : "?",
			  *h->cgroup_mode ? h->cgroup_mode : "?");
	/* the note may already say "hardware counters unavailable: ..." */
	if (h->hw_counters)
		report_buf_puts(b, "hardware counters available");
	else if (!strncmp(h->counters_note, "hardware counters", 17))
		report_buf_puts(b, h->counters_note);
	else
		report_buf_printf(b, "hardware counters unavailable%s%s",
				  *h->counters_note ? ": " : "", h->counters_note);
	report_buf_puts(b, ".");
	if (*h->llc_check)
		report_buf_printf(b, " LLC check: %s.", h->llc_check);
	report_buf_puts(b, "\n\n");
	report_buf_printf(b, "Every backend got %u CPU(s) (host CPUs %s); memory: --memory %s",
			  c->cpus, *c->cpu_list ? c->cpu_list : "?", mem);
	/* what each environment could really use: native is not limited */
	bool known = false;
	for (size_t i = 0; i < doc->nbackends; i++) {
		const struct result_backend *rb = &doc->backends[i];
		if (!rb->ran || !(rb->memory_seen_bytes > 0))
			continue;
		char seen[32];
		report_fmt_bytes(seen, sizeof(seen), rb->memory_seen_bytes);
		report_buf_printf(b, "%s %s %s (it could use %s)", known ? "," : ";", rb->name,
				  rb->memory_limited ? "limited" : "NOT limited", seen);
		known = true;
	}
	report_buf_puts(b, known ? "; workloads are sized for --memory in every backend.\n"
				 : " (where the backend enforces a limit).\n");
	for (size_t i = 0; i < doc->nwarnings; i++)
		report_buf_printf(b, "\nWarning: %s.\n", doc->warnings[i]);
}

void report_fmt_ci(char *out, size_t len, double v, double lo, double hi)
{
	char a[32], l[32], h[32];
	report_fmt_num(a, sizeof(a), v);
	if (isnan(lo) || isnan(hi)) {
		snprintf(out, len, "%s", a);
		return;
	}
	report_fmt_num(l, sizeof(l), lo);
	report_fmt_num(h, sizeof(h), hi);
	snprintf(out, len, "%s [%s, %s]", a, l, h);
}

void report_fmt_ratio(char *out, size_t len, const struct report_cell *c)
{
	if (!c || !c->has_ratio) {
		snprintf(out, len, "–");
		return;
	}
	snprintf(out, len, "%.3f [%.3f, %.3f]%s", c->ratio, c->rlo, c->rhi,
		 c->significant ? "" : " n.s.");
}

void report_fmt_cell(char *out, size_t len, const struct report_cell *c)
{
	if (!c)
		snprintf(out, len, "–");
	else if (c->entry->status != RESULT_OK)
		snprintf(out, len, "%s", result_status_name(c->entry->status));
	else if (report_is_identifier(c->entry->unit))
		report_fmt_identifier(out, len, c->entry);
	else
		report_fmt_ci(out, len, c->median, c->lo, c->hi);
}

/* 2 / C(2r, r): the exact rank test's smallest two-sided p with r samples a side. */
static double report_smallest_p(unsigned r)
{
	double c = 1;
	for (unsigned i = 1; i <= r; i++)
		c = c * (double)(r + i) / (double)i;
	return 2 / c;
}

void report_method_text(const struct report_model *m, struct report_buf *b)
{
	double worst = 1;
	size_t worst_n = 0;
	for (size_t i = 0; i < m->doc->nentries; i++) {
		const struct report_cell *c = &m->cells[i];
		if (c->entry->nsamples > 0 && !report_is_identifier(c->entry->unit) &&
		    c->coverage < worst)
			worst = c->coverage, worst_n = c->entry->nsamples;
	}
	report_buf_puts(b, "Each cell is the median with an exact order-statistic interval (from "
			   "the k-th smallest to the k-th largest sample) that covers the true "
			   "median with at least 95% probability");
	if (worst < 0.95)
		report_buf_printf(b,
				  "; with as few as %zu samples no interval reaches 95%%, and such "
				  "a cell's interval covers it only %.2f%% of the time",
				  worst_n, worst * 100);
	size_t most = 0;
	for (size_t k = 1; k < m->nbackends; k++) {
		struct report_chance ch;
		report_model_chance(m, (int)k, &ch);
		most = ch.compared > most ? ch.compared : most;
	}
	report_buf_printf(b,
			  ". Ratios are medians relative to %s with a 95%% bootstrap interval. "
			  "A ratio is marked significant only when its interval excludes 1 and "
			  "the difference survives false-discovery control over the backend's "
			  "compared metrics (Benjamini-Hochberg at %.0f%% on the exact "
			  "Mann-Whitney test)",
			  m->baseline, REPORT_ALPHA * 100);
	if (most)
		report_buf_printf(b,
				  ": with %zu metrics, unadjusted marks at %.0f%% would flag "
				  "about %.1f by chance alone in every run",
				  most, REPORT_ALPHA * 100, (double)most * REPORT_ALPHA);
	report_buf_puts(b, ".");
	if (m->baseline_bare_metal)
		report_buf_printf(b,
				  " A backend faster than %s, the machine it runs on, is marked "
				  "only under family-wise control (Holm at 5%%).",
				  m->baseline);
	unsigned r = m->doc->config.repeat;
	if (r > 0 && report_smallest_p(r) > REPORT_ALPHA / 10)
		report_buf_printf(b,
				  " With %u samples a side the smallest possible p is %.3g, so a "
				  "difference is called only when several metrics differ together: "
				  "more --repeat gives more power.",
				  r, report_smallest_p(r));
	report_buf_puts(b, " \"n.s.\" (not significant) marks the rest. A group's figure in "
			   "the summary is the geometric mean of its metrics' ratios. How each "
			   "metric is measured and sized, and what it can and cannot show: "
			   "results/METHODS.md in vbench's sources.");
}

bool report_baseline_moved(const struct report_model *m)
{
	return *m->doc->config.baseline && strcmp(m->doc->config.baseline, m->baseline) != 0;
}

void report_summary_item(const struct report_model *m, const char *backend, bool html,
			 struct report_buf *b)
{
	void (*text)(struct report_buf *, const char *) = html ? report_buf_html : report_buf_md;
	struct report_buf line;
	report_buf_init(&line);
	report_model_summary(m, backend, &line);
	const char *s = line.text ? line.text : "";
	const struct result_backend *rb = report_model_backend(m, backend);
	size_t head = strlen(backend) +
		      (report_model_backend_index(m, backend) == 0 ? strlen(" (baseline)") : 0);
	size_t parts = 1;
	for (const char *p = s; (p = strstr(p, "; ")); p += 2)
		parts++;
	/* a skipped backend's reason may hold "; " of its own: it stays one sentence */
	if (parts <= 2 || (rb && !rb->ran) || strncmp(s + head, ": ", 2) != 0) {
		report_buf_puts(b, html ? "<li>" : "- ");
		text(b, s);
		report_buf_puts(b, html ? "</li>\n" : "\n");
		report_buf_free(&line);
		return;
	}
	char *copy = strdup(s);
	if (!copy) {
		report_buf_free(&line);
		return;
	}
	copy[head] = '\0';
	report_buf_puts(b, html ? "<li>" : "- ");
	text(b, copy);
	report_buf_puts(b, html ? "\n<ul>\n" : "\n");
	for (char *p = copy + head + 2, *next; p; p = next) {
		next = strstr(p, "; ");
		if (next)
			*next = '\0', next += 2;
		report_buf_puts(b, html ? "<li>" : "  - ");
		text(b, p);
		report_buf_puts(b, html ? "</li>\n" : "\n");
	}
	if (html)
		report_buf_puts(b, "</ul></li>\n");
	free(copy);
	report_buf_free(&line);
}

/* ---- Markdown ---- */

static void report_md_backends(const struct report_model *m, struct report_buf *b)
{
	report_buf_puts(b, "| backend | ran | first start ready (ms) | host memory overhead | "
			   "details, or why it did not run |\n"
			   "|---|---|--:|--:|---|\n");
	for (size_t i = 0; i < m->doc->nbackends; i++) {
		const struct result_backend *rb = &m->doc->backends[i];
		char ms[32], over[32];
		report_fmt_ms(ms, sizeof(ms), rb->startup_ms);
		report_fmt_bytes(over, sizeof(over), rb->host_overhead_bytes);
		report_buf_puts(b, "| ");
		report_buf_md(b, rb->name);
		report_buf_printf(b, " | %s | %s | %s | ", rb->ran ? "yes" : "no", ms, over);
		report_buf_md(b, rb->ran ? rb->details : rb->reason);
		report_buf_puts(b, " |\n");
	}
}

static void report_md_group(const struct report_model *m, const char *group, struct report_buf *b)
{
	report_buf_printf(b, "\n### %s (`%s`)\n\n| workload | metric | unit | better |",
			  report_group_title(group), group);
	for (size_t k = 0; k < m->nmeasured; k++) {
		report_buf_printf(b, " %s |", m->labels[k]);
		if (k > 0)
			report_buf_printf(b, " %s / %s |", m->labels[k], m->baseline);
	}
	report_buf_puts(b, "\n|---|---|---|---|");
	for (size_t k = 0; k < m->nmeasured; k++)
		report_buf_puts(b, k > 0 ? "--:|--:|" : "--:|");
	report_buf_puts(b, "\n");
	for (size_t r = 0; r < m->nrows; r++) {
		const struct report_row *row = &m->rows[r];
		if (strcmp(row->group, group) || !report_row_measured(m, row))
			continue;
		report_buf_puts(b, "| ");
		report_buf_md(b, row->workload);
		report_buf_puts(b, " | ");
		report_buf_md(b, row->metric);
		report_buf_puts(b, " | ");
		report_buf_md(b, row->unit);
		report_buf_printf(b, " | %s |",
				  report_is_identifier(row->unit) ? "–" : better_name(row->better));
		for (size_t k = 0; k < m->nmeasured; k++) {
			char cell[96];
			report_fmt_cell(cell, sizeof(cell), row->cells[k]);
			report_buf_printf(b, " %s |", cell);
			if (k > 0) {
				report_fmt_ratio(cell, sizeof(cell), row->cells[k]);
				report_buf_printf(b, " %s |", cell);
			}
		}
		report_buf_puts(b, "\n");
	}
}

/* Whether two entries share one note: the same workload, backend, status and reason. */
static bool report_same_note(const struct result_entry *a, const struct result_entry *b)
{
	return a->status == b->status && !strcmp(a->workload, b->workload) &&
	       !strcmp(a->backend, b->backend) && !strcmp(a->note, b->note);
}

void report_notes(const struct results_doc *doc, enum report_style style, struct report_buf *b)
{
	static const char *const open[] = { "\nNotes:\n", "\n### Notes\n\n",
					    "<h3>Notes</h3>\n<ul>\n" };
	static const char *const item[][2] = { { "- ", "\n" },
					       { "- ", "\n" },
					       { "<li>", "</li>\n" } };
	size_t n = 0;
	for (size_t i = 0; i < doc->nentries; i++) {
		const struct result_entry *e = &doc->entries[i];
		bool seen = e->status == RESULT_OK && !*e->note;
		for (size_t j = 0; j < i && !seen; j++)
			seen = report_same_note(&doc->entries[j], e);
		if (seen)
			continue;
		/* "mem.latency lat_256MiB, lat_1GiB on kvm: unsupported — larger than ..." */
		struct report_buf line;
		report_buf_init(&line);
		report_buf_printf(&line, "%s ", e->workload);
		for (size_t k = i, nm = 0; k < doc->nentries; k++)
			if (report_same_note(&doc->entries[k], e))
				report_buf_printf(&line, "%s%s", nm++ ? ", " : "",
						  doc->entries[k].metric);
		report_buf_printf(&line, " on %s: %s", e->backend, result_status_name(e->status));
		if (*e->note)
			report_buf_printf(&line, " — %s", e->note);
		report_buf_puts(b, n++ ? "" : open[style]);
		report_buf_puts(b, item[style][0]);
		if (style == REPORT_STYLE_HTML)
			report_buf_html(b, line.text ? line.text : "");
		else if (style == REPORT_STYLE_MARKDOWN)
			report_buf_md(b, line.text ? line.text : "");
		else
			report_buf_puts(b, line.text ? line.text : "");
		report_buf_puts(b, item[style][1]);
		b->failed |= line.failed;
		report_buf_free(&line);
	}
	if (n && style == REPORT_STYLE_HTML)
		report_buf_puts(b, "</ul>\n");
}

void report_backend_environment(const struct results_doc *doc, const struct result_backend *rb,
				char *out, size_t len)
{
	char summary[256] = "";
	struct json_doc j;
	out[0] = '\0';
	if (!rb->ran)
		return;
	if (rb->hello_json && json_parse(&j, rb->hello_json, strlen(rb->hello_json), NULL) == 0) {
		int env = json_find(&j, 0, "environment");
		if (env >= 0 && json_is_object(&j, env))
			json_member_string(&j, env, "summary", summary, sizeof(summary));
		json_doc_free(&j);
	}
	struct checks_cpu_time t;
	checks_cpu_time(doc, rb->name, false, &t);
	double steal = checks_steal_share(&t);
	if (isnan(steal))
		snprintf(out, len, "%s", summary);
	else
		snprintf(out, len, "%s%ssteal %.1f%% of %.1f s CPU time", summary,
			 *summary ? "; " : "", 100 * steal, (t.busy_ms + t.steal_ms) / 1000);
}

void report_environments(const struct results_doc *doc, enum report_style style,
			 struct report_buf *b)
{
	static const char *const open[] = {
		"",
		"\nSeen from inside (what each agent found where it ran; steal: the CPU time "
		"other tenants took, over its samples):\n\n",
		"<p>Seen from inside (what each agent found where it ran; steal: the CPU time "
		"other "
		"tenants took, over its samples):</p>\n<ul>\n"
	};
	size_t n = 0;
	for (size_t i = 0; i < doc->nbackends; i++) {
		const struct result_backend *rb = &doc->backends[i];
		char env[384];
		report_backend_environment(doc, rb, env, sizeof(env));
		if (!*env)
			continue;
		report_buf_puts(b, n++ ? "" : open[style]);
		if (style == REPORT_STYLE_HTML) {
			report_buf_puts(b, "<li>");
			report_buf_html(b, rb->name);
			report_buf_puts(b, " — ");
			report_buf_html(b, env);
			report_buf_puts(b, "</li>\n");
		} else if (style == REPORT_STYLE_MARKDOWN) {
			report_buf_puts(b, "- ");
			report_buf_md(b, rb->name);
			report_buf_puts(b, " — ");
			report_buf_md(b, env);
			report_buf_puts(b, "\n");
		} else {
			report_buf_printf(b, "%-7s seen from inside: %s\n", rb->name, env);
		}
	}
	if (n && style == REPORT_STYLE_HTML)
		report_buf_puts(b, "</ul>\n");
}

static int report_md_run(const struct report_run *run, struct report_buf *b, struct vb_error *err)
{
	struct report_model m;
	if (report_model_build(&m, run->doc, err) < 0)
		return -1;
	if (run->nsources) {
		report_buf_printf(b, "## %zu runs side by side\n\n", run->nsources);
		report_buf_puts(b,
				"Each backend is named after the host its run was on "
				"(HOST:LABEL) and compared with the baseline like the backends of "
				"one run.\n\n");
		for (size_t i = 0; i < run->nsources; i++) {
			report_buf_printf(b, "### Run %s (", run->sources[i].doc->start_time);
			report_buf_md(b, run->sources[i].name);
			report_buf_puts(b, ")\n\n");
			report_run_facts(run->sources[i].doc, b);
			report_buf_puts(b, "\n");
		}
		report_buf_puts(b, "### Caveats of the comparison\n\n");
		for (size_t i = 0; i < run->doc->nwarnings; i++) {
			report_buf_puts(b, "- ");
			report_buf_md(b, run->doc->warnings[i]);
			report_buf_puts(b, "\n");
		}
		if (!run->doc->nwarnings)
			report_buf_puts(b, "None: the same host, suite and configuration.\n");
	} else {
		report_buf_printf(b, "## Run %s (%s)\n\n", run->doc->start_time, run->name);
		report_run_facts(run->doc, b);
	}
	report_buf_puts(b, "\n### Summary\n\n");
	for (size_t k = 0; k < m.nbackends; k++)
		report_summary_item(&m, m.backends[k], false, b);
	report_buf_puts(b, "\n");
	report_method_text(&m, b);
	report_buf_printf(b, "%s%s%s\n\n",
			  report_baseline_moved(&m) ? " The baseline asked for, " : "",
			  report_baseline_moved(&m) ? run->doc->config.baseline : "",
			  report_baseline_moved(&m) ? ", has no results." : "");
	report_buf_puts(b, "### Backends\n\n");
	report_md_backends(&m, b);
	report_environments(run->doc, REPORT_STYLE_MARKDOWN, b);
	report_buf_puts(b, "\n" REPORT_STARTUP_DEFINITION "\n");
	for (size_t g = 0; g < m.ngroups; g++)
		report_md_group(&m, m.groups[g], b);
	report_notes(run->doc, REPORT_STYLE_MARKDOWN, b);
	report_buf_puts(b, "\n");
	report_model_free(&m);
	return 0;
}

int report_render_markdown(const struct report_run *runs, size_t n, struct report_buf *out,
			   struct vb_error *err)
{
	report_buf_puts(out,
			"# vbench report\n\nCharts are in the HTML version of this report.\n\n");
	for (size_t i = 0; i < n; i++)
		if (report_md_run(&runs[i], out, err) < 0)
			return -1;
	return out->failed ? error_set(err, "out of memory rendering Markdown") : 0;
}

/* ---- CSV ---- */

static void report_csv_num(struct report_buf *b, double v)
{
	if (isfinite(v))
		report_buf_printf(b, ",%.10g", v);
	else
		report_buf_puts(b, ",");
}

int report_render_csv(const struct report_run *runs, size_t n, struct report_buf *out,
		      struct vb_error *err)
{
	report_buf_puts(out,
			"run,start_time,workload,group,metric,backend,unit,better,status,samples,"
			"median,ci95_lo,ci95_hi,ci_coverage,cv,baseline,ratio,ratio_lo,ratio_hi,"
			"significant,"
			"note\n");
	for (size_t i = 0; i < n; i++) {
		struct report_model m;
		if (report_model_build(&m, runs[i].doc, err) < 0)
			return -1;
		/* runs side by side: each row names the file its entry came from */
		const struct results_doc **sources = calloc(runs[i].nsources + 1, sizeof(*sources));
		if (!sources) {
			report_model_free(&m);
			return error_set(err, "out of memory rendering CSV");
		}
		for (size_t s = 0; s < runs[i].nsources; s++)
			sources[s] = runs[i].sources[s].doc;
		for (size_t k = 0; k < runs[i].doc->nentries; k++) {
			const struct report_cell *c = &m.cells[k];
			const struct result_entry *e = c->entry;
			int from = results_merge_source(sources, runs[i].nsources, e->backend);
			const struct report_run *run =
				from >= 0 ? &runs[i].sources[from] : &runs[i];
			const char *fields[] = { run->name,
						 run->doc->start_time,
						 e->workload,
						 e->group,
						 e->metric,
						 e->backend,
						 e->unit,
						 better_name(e->better),
						 result_status_name(e->status) };
			for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
				if (f)
					report_buf_puts(out, ",");
				report_buf_csv(out, fields[f]);
			}
			report_buf_printf(out, ",%zu", e->nsamples);
			report_csv_num(out, c->median);
			report_csv_num(out, c->lo);
			report_csv_num(out, c->hi);
			report_csv_num(out, c->coverage);
			report_csv_num(out, c->cv);
			report_buf_puts(out, ",");
			report_buf_csv(out, m.baseline);
			report_csv_num(out, c->ratio);
			report_csv_num(out, c->rlo);
			report_csv_num(out, c->rhi);
			report_buf_puts(out,
					c->has_ratio ? (c->significant ? ",yes," : ",no,") : ",,");
			report_buf_csv(out, e->note);
			report_buf_puts(out, "\n");
		}
		free(sources);
		report_model_free(&m);
	}
	return out->failed ? error_set(err, "out of memory rendering CSV") : 0;
}

/* ---- writing files ---- */

int report_write(const struct report_run *runs, size_t n, const char *dir, unsigned formats,
		 struct vb_error *err)
{
	static const struct {
		unsigned format;
		const char *file;
		int (*render)(const struct report_run *, size_t, struct report_buf *,
			      struct vb_error *);
	} kinds[] = { { REPORT_MARKDOWN, "report.md", report_render_markdown },
		      { REPORT_HTML, "report.html", report_render_html },
		      { REPORT_CSV, "report.csv", report_render_csv } };
	if (report_mkdirs(dir, err) < 0)
		return -1;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		if (!(formats & kinds[k].format))
			continue;
		char path[PATH_MAX];
		if (snprintf(path, sizeof(path), "%s/%s", dir, kinds[k].file) >= (int)sizeof(path))
			return error_set(err, "%s: path too long", dir);
		struct report_buf b;
		report_buf_init(&b);
		int rc = kinds[k].render(runs, n, &b, err);
		if (rc == 0)
			rc = report_buf_write_file(&b, path, err);
		report_buf_free(&b);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int report_write_default(const struct results_doc *doc, const char *dir, char *out_path, size_t len,
			 struct vb_error *err)
{
	/* the start time names the folder; ':' is awkward in paths on some systems */
	char stamp[sizeof(doc->start_time)];
	snprintf(stamp, sizeof(stamp), "%s", *doc->start_time ? doc->start_time : "run");
	for (char *p = stamp; *p; p++)
		if (*p == ':' || *p == '/')
			*p = '-';
	char sub[PATH_MAX];
	if (snprintf(sub, sizeof(sub), "%s/%s", dir, stamp) >= (int)sizeof(sub))
		return error_set(err, "%s: path too long", dir);
	struct report_run run = { .doc = doc, .name = "this run" };
	if (report_write(&run, 1, sub, REPORT_MARKDOWN | REPORT_HTML, err) < 0)
		return -1;
	if (out_path && snprintf(out_path, len, "%s/report.html", sub) >= (int)len)
		return error_set(err, "%s: path too long", sub);
	return 0;
}
