/* History of many runs: results files of a folder in time order, tables and trend charts. */
#include "analysis/report-history.h"

#include <dirent.h>
#include <fnmatch.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report-chart.h"
#include "analysis/report-model.h"
#include "analysis/report-parts.h"
#include "analysis/stats.h"

struct history_item {
	struct results_doc doc;
	char *path;
};

static int history_compare(const void *a, const void *b)
{
	const struct history_item *x = a, *y = b;
	int c = strcmp(x->doc.start_time, y->doc.start_time);
	return c ? c : strcmp(x->path, y->path);
}

static bool history_is_json(const char *name)
{
	size_t l = strlen(name);
	return l > 5 && !strcmp(name + l - 5, ".json") && name[0] != '.';
}

bool history_comparable(const struct results_doc *a, const struct results_doc *b)
{
	return !strcmp(a->host.hostname, b->host.hostname) &&
	       !strcmp(a->host.cpu_model, b->host.cpu_model) &&
	       a->config.suite == b->config.suite && a->config.cpus == b->config.cpus &&
	       a->config.memory_bytes == b->config.memory_bytes;
}

void history_set_name(size_t set, char *out, size_t len)
{
	if (set < 26)
		snprintf(out, len, "%c", (char)('A' + set));
	else
		snprintf(out, len, "S%zu", set + 1);
}

/* Number the comparable sets in order of their first run. */
static int history_group(struct history *h)
{
	if (!(h->set = calloc(h->n + 1, sizeof(*h->set))))
		return -1;
	for (size_t r = 0; r < h->n; r++) {
		size_t s = h->nsets;
		for (size_t q = 0; q < r && s == h->nsets; q++)
			if (history_comparable(&h->docs[q], &h->docs[r]))
				s = h->set[q];
		h->set[r] = s;
		h->nsets += s == h->nsets;
	}
	return 0;
}

int history_load(struct history *h, const char *dir, struct report_buf *warnings,
		 struct vb_error *err)
{
	memset(h, 0, sizeof(*h));
	/* "results/" and "results" name the same folder: its files print as results/x.json */
	size_t dirlen = strlen(dir);
	while (dirlen > 1 && dir[dirlen - 1] == '/')
		dirlen--;
	DIR *d = opendir(dir);
	if (!d)
		return error_set_errno(err, "%s: cannot open folder", dir);
	struct history_item *items = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int rc = 0;
	while ((de = readdir(d))) {
		if (!history_is_json(de->d_name))
			continue;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct history_item *ni = realloc(items, ncap * sizeof(*ni));
			if (!ni) {
				rc = error_set(err, "out of memory");
				break;
			}
			items = ni;
			cap = ncap;
		}
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%.*s%s%s", (int)dirlen, dir,
			 dir[dirlen - 1] == '/' ? "" : "/", de->d_name);
		struct vb_error ferr = { 0 };
		if (results_read_file(&items[n].doc, path, &ferr) < 0) {
			report_buf_printf(warnings, "skipped %s\n", ferr.message);
			continue;
		}
		if (!(items[n].path = strdup(path))) {
			results_free(&items[n].doc);
			rc = error_set(err, "out of memory");
			break;
		}
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(items, n, sizeof(*items), history_compare);
	h->docs = calloc(n + 1, sizeof(*h->docs));
	h->paths = calloc(n + 1, sizeof(*h->paths));
	if (!h->docs || !h->paths) {
		rc = error_set(err, "out of memory");
	} else {
		for (size_t i = 0; i < n; i++) {
			h->docs[i] = items[i].doc; /* moves ownership of the arrays inside */
			h->paths[i] = items[i].path;
		}
		h->n = n;
		n = 0;
		if (history_group(h) < 0)
			rc = error_set(err, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		results_free(&items[i].doc);
		free(items[i].path);
	}
	free(items);
	if (rc < 0)
		history_free(h);
	return rc;
}

void history_free(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		results_free(&h->docs[i]);
		free(h->paths[i]);
	}
	free(h->docs);
	free(h->paths);
	free(h->set);
	memset(h, 0, sizeof(*h));
}

/* A metric across runs: its names and the backends seen. */
struct history_key {
	const char *workload, *metric, *unit;
	enum better better;
	const char *backends[16];
	size_t nbackends;
};

static bool history_matches(const char *pattern, const struct result_entry *e)
{
	if (!pattern)
		return true;
	char key[128];
	snprintf(key, sizeof(key), "%s/%s", e->workload, e->metric);
	return !fnmatch(pattern, key, 0) || !fnmatch(pattern, e->workload, 0) ||
	       !fnmatch(pattern, e->metric, 0);
}

static size_t history_keys(const struct history *h, const char *pattern, struct history_key **out)
{
	size_t n = 0, cap = 0;
	struct history_key *keys = NULL;
	for (size_t r = 0; r < h->n; r++) {
		for (size_t i = 0; i < h->docs[r].nentries; i++) {
			const struct result_entry *e = &h->docs[r].entries[i];
			if (!history_matches(pattern, e))
				continue;
			struct history_key *k = NULL;
			for (size_t j = 0; j < n && !k; j++)
				if (!strcmp(keys[j].workload, e->workload) &&
				    !strcmp(keys[j].metric, e->metric))
					k = &keys[j];
			if (!k) {
				if (n == cap) {
					size_t ncap = cap ? cap * 2 : 32;
					struct history_key *nk = realloc(keys, ncap * sizeof(*nk));
					if (!nk)
						break;
					keys = nk;
					cap = ncap;
				}
				k = &keys[n++];
				*k = (struct history_key){ .workload = e->workload,
							   .metric = e->metric,
							   .unit = e->unit,
							   .better = e->better };
			}
			bool seen = false;
			for (size_t b = 0; b < k->nbackends; b++)
				seen |= !strcmp(k->backends[b], e->backend);
			if (!seen && k->nbackends < sizeof(k->backends) / sizeof(k->backends[0]))
				k->backends[k->nbackends++] = e->backend;
		}
	}
	*out = keys;
	return n;
}

static void history_point(const struct results_doc *doc, const struct history_key *k,
			  const char *backend, double *median, double *lo, double *hi)
{
	*median = *lo = *hi = NAN;
	const struct result_entry *e =
		results_find((struct results_doc *)doc, k->workload, k->metric, backend);
	/* a failed entry's few samples are not a point of the trend */
	if (!e || e->status != RESULT_OK || !e->nsamples)
		return;
	*median = stats_median(e->samples, e->nsamples);
	stats_median_ci(e->samples, e->nsamples, 0.95, lo, hi);
}

static void history_runs_table(const struct history *h, struct report_buf *md)
{
	report_buf_puts(md, "| # | start time | set | file | suite | host | note |\n"
			    "|---|---|---|---|---|---|---|\n");
	for (size_t r = 0; r < h->n; r++) {
		const struct results_doc *d = &h->docs[r];
		char set[24];
		history_set_name(h->set[r], set, sizeof(set));
		report_buf_printf(md, "| %zu | %s | %s | ", r + 1, d->start_time, set);
		report_buf_md(md, h->paths[r]);
		report_buf_printf(md, " | %s | ", suite_name(d->config.suite));
		report_buf_md(md, d->host.hostname);
		report_buf_printf(md, " | %s |\n", d->interrupted ? "interrupted" : "");
	}
}

/* What each set is, in one paragraph: trends are drawn within a set only. */
static void history_sets_text(const struct history *h, struct report_buf *md)
{
	report_buf_printf(md,
			  "\n%zu set(s) of comparable runs (the same host and CPU, suite, CPUs and "
			  "memory); a trend runs only through the runs of one set:",
			  h->nsets);
	for (size_t s = 0; s < h->nsets; s++) {
		const struct results_doc *d = NULL;
		size_t count = 0;
		for (size_t r = 0; r < h->n; r++)
			if (h->set[r] == s)
				d = d ? d : &h->docs[r], count++;
		char name[24], mem[32];
		history_set_name(s, name, sizeof(name));
		report_fmt_bytes(mem, sizeof(mem), (double)d->config.memory_bytes);
		report_buf_printf(md, "%s %s = ", s ? ";" : "", name);
		report_buf_md(md, *d->host.hostname ? d->host.hostname : "?");
		report_buf_puts(md, " (");
		report_buf_md(md, *d->host.cpu_model ? d->host.cpu_model : "unknown CPU");
		report_buf_printf(md, "), %s suite, %u CPU(s), --memory %s: %zu run(s)",
				  suite_name(d->config.suite), d->config.cpus, mem, count);
	}
	report_buf_puts(md, ".\n");
}

/*
 * Whether any run measured the metric or failed at it: suites leave some unmeasured (the largest
 * latencies in smoke are unsupported there), and a trend of only those says nothing.
 */
static bool history_measured(const struct history *h, const struct history_key *k)
{
	for (size_t r = 0; r < h->n; r++)
		for (size_t b = 0; b < k->nbackends; b++) {
			const struct result_entry *e =
				results_find((struct results_doc *)&h->docs[r], k->workload,
					     k->metric, k->backends[b]);
			if (e &&
			    ((e->status == RESULT_OK && e->nsamples) || e->status == RESULT_ERROR))
				return true;
		}
	return false;
}

/* "(MB/s, higher is better)", or for an identifier such as io.blk's engine "(which one ran)" */
static void history_heading_unit(const struct history_key *k, char *out, size_t len)
{
	if (report_is_identifier(k->unit))
		snprintf(out, len, "which one ran");
	else
		snprintf(out, len, "%s, %s is better", k->unit, better_name(k->better));
}

static void history_metric_table(const struct history *h, const struct history_key *k,
				 struct report_buf *md)
{
	char what[64];
	history_heading_unit(k, what, sizeof(what));
	report_buf_printf(md, "\n## %s / %s (%s)\n\n| start time | set |", k->workload, k->metric,
			  what);
	for (size_t b = 0; b < k->nbackends; b++)
		report_buf_printf(md, " %s |", k->backends[b]);
	report_buf_puts(md, "\n|---|---|");
	for (size_t b = 0; b < k->nbackends; b++)
		report_buf_puts(md, "---|");
	report_buf_puts(md, "\n");
	for (size_t r = 0; r < h->n; r++) {
		char set[24];
		history_set_name(h->set[r], set, sizeof(set));
		report_buf_printf(md, "| %s | %s |", h->docs[r].start_time, set);
		for (size_t b = 0; b < k->nbackends; b++) {
			double m, lo, hi;
			char cell[96];
			const struct result_entry *e =
				results_find((struct results_doc *)&h->docs[r], k->workload,
					     k->metric, k->backends[b]);
			history_point(&h->docs[r], k, k->backends[b], &m, &lo, &hi);
			if (e && e->status != RESULT_OK)
				snprintf(cell, sizeof(cell), "%s", result_status_name(e->status));
			else if (e && report_is_identifier(k->unit))
				report_fmt_identifier(cell, sizeof(cell), e);
			else
				report_fmt_ci(cell, sizeof(cell), m, lo, hi);
			report_buf_printf(md, " %s |", cell);
		}
		report_buf_puts(md, "\n");
	}
}

/*
 * One line per (set, backend) with a point: a line joins only comparable runs, and a run of
 * another set is a gap in it, never a point.
 */
static void history_metric_chart(const struct history *h, const struct history_key *k,
				 struct report_buf *html)
{
	size_t n = h->n, nb = k->nbackends, maxs = h->nsets * nb, ns = 0;
	double *x = calloc(n + 1, sizeof(double));
	/* each [series][run], the series packed from 0: the chart reads the first ns */
	double *val = calloc((n + 1) * (maxs + 1), sizeof(double));
	double *lo = calloc((n + 1) * (maxs + 1), sizeof(double));
	double *hi = calloc((n + 1) * (maxs + 1), sizeof(double));
	const char **labels = calloc(n + 1, sizeof(*labels));
	char(*names)[20] = calloc(n + 1, sizeof(*names));
	const char **series = calloc(maxs + 1, sizeof(*series));
	char(*snames)[48] = calloc(maxs + 1, sizeof(*snames));
	if (!x || !val || !lo || !hi || !labels || !names || !series || !snames)
		goto out;
	for (size_t r = 0; r < n; r++) {
		x[r] = (double)(r + 1);
		/* "2026-11-22T04:20:00Z" -> "2026-11-22 04:20": short enough for a tic label */
		snprintf(names[r], sizeof(names[r]), "%.16s", h->docs[r].start_time);
		if (strlen(names[r]) > 10 && names[r][10] == 'T')
			names[r][10] = ' ';
		labels[r] = names[r];
	}
	for (size_t set = 0; set < h->nsets; set++) {
		for (size_t b = 0; b < nb; b++) {
			bool any = false;
			for (size_t r = 0; r < n; r++) {
				size_t i = ns * n + r;
				val[i] = lo[i] = hi[i] = NAN;
				if (h->set[r] == set)
					history_point(&h->docs[r], k, k->backends[b], &val[i],
						      &lo[i], &hi[i]);
				any |= !isnan(val[i]);
			}
			if (!any)
				continue;
			char name[24];
			history_set_name(set, name, sizeof(name));
			if (h->nsets > 1)
				snprintf(snames[ns], sizeof(snames[ns]), "%s: %s", name,
					 k->backends[b]);
			else
				snprintf(snames[ns], sizeof(snames[ns]), "%s", k->backends[b]);
			series[ns] = snames[ns];
			ns++;
		}
	}
	if (ns == 0)
		goto out;
	char title[160], ylabel[96];
	snprintf(title, sizeof(title), "%s / %s over time (%s is better)", k->workload, k->metric,
		 better_name(k->better));
	snprintf(ylabel, sizeof(ylabel), "median (%s), %s is better", k->unit,
		 better_name(k->better));
	struct report_chart_lines chart = {
		.title = title,
		.xlabel = "run (start time)",
		.ylabel = ylabel,
		.npoints = n,
		.nseries = ns,
		.x = x,
		.xlabels = labels,
		.series = series,
		.val = val,
		.lo = lo,
		.hi = hi,
	};
	struct vb_error cerr = { 0 };
	char *svg = report_chart_lines(&chart, &cerr);
	if (svg) {
		report_buf_puts(html, "<figure>\n");
		report_buf_puts(html, svg);
		report_buf_puts(html, "</figure>\n");
		free(svg);
	} else {
		report_buf_puts(html, "<p class=\"note\">The trend chart could not be drawn: ");
		report_buf_html(html, cerr.message);
		report_buf_puts(html, "</p>\n");
	}
out:
	free(x);
	free(val);
	free(lo);
	free(hi);
	free(labels);
	free(names);
	free(series);
	free(snames);
}

/* Markdown table text as an HTML table: the history page reuses the Markdown it already built. */
static void history_md_table_to_html(const char *md, struct report_buf *html)
{
	report_buf_puts(html, "<table>\n");
	bool header = true;
	for (const char *line = md; *line;) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);
		if (len > 0 && line[0] == '|' && strncmp(line, "|---", 4) != 0) {
			report_buf_puts(html, "<tr>");
			const char *p = line + 1;
			while (p < line + len) {
				const char *bar = memchr(p, '|', (size_t)(line + len - p));
				if (!bar)
					break;
				char cell[512];
				size_t cl = (size_t)(bar - p);
				if (cl >= sizeof(cell))
					cl = sizeof(cell) - 1;
				memcpy(cell, p, cl);
				cell[cl] = '\0';
				report_buf_puts(html, header ? "<th>" : "<td>");
				report_buf_html(html, cell);
				report_buf_puts(html, header ? "</th>" : "</td>");
				p = bar + 1;
			}
			report_buf_puts(html, "</tr>\n");
			header = false;
		}
		line += len + (end ? 1 : 0);
	}
	report_buf_puts(html, "</table>\n");
}

size_t history_render(const struct history *h, const char *pattern, struct report_buf *md,
		      struct report_buf *html)
{
	struct history_key *keys = NULL;
	size_t nkeys = history_keys(h, pattern, &keys);
	char why[256] = "";
	bool charts = html && report_chart_available(why, sizeof(why));
	report_buf_printf(md, "# vbench history\n\n%zu run(s) in start-time order", h->n);
	if (pattern)
		report_buf_printf(md, "; metrics matching `%s`", pattern);
	report_buf_puts(md,
			". Cells are medians with exact order-statistic intervals: at least 95% "
			"coverage from 6 samples on, and [min, max] below that (5 samples: "
			"93.75%).\n\n");
	struct report_buf part;
	report_buf_init(&part);
	history_runs_table(h, &part);
	report_buf_puts(md, part.text ? part.text : "");
	struct report_buf sets;
	report_buf_init(&sets);
	history_sets_text(h, &sets);
	report_buf_puts(md, sets.text ? sets.text : "");
	if (html) {
		report_buf_puts(
			html,
			"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			"<title>vbench "
			"history</title>\n<style>body{font-family:sans-serif;max-width:1200px;"
			"margin:2em auto;padding:0 "
			"1em}table{border-collapse:collapse;font-size:90%}"
			"th,td{border:1px solid #ccc;padding:.25em .5em}th{background:#f0f0f0}"
			".note{background:#fff4d6;padding:.5em}svg{max-width:100%;height:auto}</"
			"style>\n"
			"</head>\n<body>\n<h1>vbench history</h1>\n");
		if (!charts) {
			report_buf_puts(html, "<p class=\"note\">");
			report_buf_html(html, why);
			report_buf_puts(html, "</p>\n");
		}
		history_md_table_to_html(part.text ? part.text : "", html);
		report_buf_puts(html, "<p>");
		report_buf_html(html, sets.text ? sets.text + 1 : "");
		report_buf_puts(html, "</p>\n");
	}
	report_buf_free(&sets);
	report_buf_free(&part);
	for (size_t k = 0; k < nkeys; k++) {
		if (!history_measured(h, &keys[k]))
			continue;
		report_buf_init(&part);
		history_metric_table(h, &keys[k], &part);
		report_buf_puts(md, part.text ? part.text : "");
		if (html) {
			report_buf_puts(html, "<h2>");
			report_buf_html(html, keys[k].workload);
			report_buf_puts(html, " / ");
			report_buf_html(html, keys[k].metric);
			char what[64];
			history_heading_unit(&keys[k], what, sizeof(what));
			report_buf_puts(html, " (");
			report_buf_html(html, what);
			report_buf_puts(html, ")</h2>\n");
			if (charts && !report_is_identifier(keys[k].unit))
				history_metric_chart(h, &keys[k], html);
			history_md_table_to_html(part.text ? part.text : "", html);
		}
		report_buf_free(&part);
	}
	if (html)
		report_buf_puts(html, "</body>\n</html>\n");
	free(keys);
	return nkeys;
}
