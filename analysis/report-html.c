/* The HTML report: one self-contained page, tables plus gnuplot SVG charts inline. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report-chart.h"
#include "analysis/report-model.h"
#include "analysis/report-parts.h"
#include "analysis/report.h"
#include "common/cleanup.h"

static const char report_html_style[] =
	"body{font-family:sans-serif;max-width:1200px;margin:2em auto;padding:0 1em;color:#222}"
	"table{border-collapse:collapse;margin:1em 0;font-size:90%}"
	"th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}"
	".n{text-align:right;white-space:nowrap}"
	"th{background:#f0f0f0}.ns{color:#777}.note{background:#fff4d6;padding:.5em}"
	"figure{margin:1em 0}svg{max-width:100%;height:auto}";

/* Whether gnuplot is there at all, and why not. */
struct report_html_charts {
	bool available;
	char why[256];
};

static void report_html_chart(struct report_buf *b, char *svg, const char *what,
			      struct vb_error *cerr)
{
	if (!svg) {
		report_buf_puts(b, "<p class=\"note\">The chart of ");
		report_buf_html(b, what);
		report_buf_puts(b, " could not be drawn: ");
		report_buf_html(b, cerr->message);
		report_buf_puts(b, "</p>\n");
		return;
	}
	/* the chart's own title for the SVG's, which screen readers and tooltips show */
	report_buf_puts(b, "<figure>\n");
	char *t = strstr(svg, "<title>Gnuplot</title>");
	if (t) {
		report_buf_put(b, svg, (size_t)(t - svg));
		report_buf_puts(b, "<title>");
		report_buf_html(b, what);
		report_buf_puts(b, "</title>");
		report_buf_puts(b, t + strlen("<title>Gnuplot</title>"));
	} else {
		report_buf_puts(b, svg);
	}
	report_buf_puts(b, "</figure>\n");
	free(svg);
}

/* Per group: every backend's performance relative to the baseline, 95% error bars. */
static void report_html_ratio_chart(const struct report_model *m, const char *group, double span,
				    struct report_buf *b)
{
	size_t nser = m->nmeasured - 1, ncat = 0;
	if (nser == 0)
		return;
	cleanup_free const char **cats = calloc(m->nrows + 1, sizeof(*cats));
	cleanup_free char(*names)[112] = calloc(m->nrows + 1, sizeof(*names));
	cleanup_free const struct report_row **rows = calloc(m->nrows + 1, sizeof(*rows));
	cleanup_free double *val = calloc((m->nrows + 1) * nser * 3, sizeof(double));
	if (!cats || !names || !rows || !val)
		return;
	for (size_t r = 0; r < m->nrows; r++) {
		const struct report_row *row = &m->rows[r];
		bool any = false;
		for (size_t k = 1; k < m->nmeasured; k++)
			any |= row->cells[k] && row->cells[k]->has_ratio;
		if (strcmp(row->group, group) || !any)
			continue;
		snprintf(names[ncat], sizeof(names[ncat]), "%s %s", row->workload, row->metric);
		cats[ncat] = names[ncat];
		rows[ncat++] = row;
	}
	if (ncat == 0)
		return;
	double *lo = val + ncat * nser, *hi = lo + ncat * nser;
	for (size_t c = 0; c < ncat; c++) {
		for (size_t k = 1; k < m->nmeasured; k++) {
			const struct report_cell *cell = rows[c]->cells[k];
			size_t i = (k - 1) * ncat + c;
			bool ok = cell && cell->has_ratio;
			val[i] = ok ? cell->perf : NAN;
			lo[i] = ok ? cell->plo : NAN;
			hi[i] = ok ? cell->phi : NAN;
		}
	}
	cleanup_free bool *sig = calloc(ncat * nser + 1, sizeof(bool));
	if (!sig)
		return;
	for (size_t c = 0; c < ncat; c++)
		for (size_t k = 1; k < m->nmeasured; k++) {
			const struct report_cell *cell = rows[c]->cells[k];
			sig[(k - 1) * ncat + c] = cell && cell->significant;
		}
	char title[160], xlabel[200], ref[64];
	snprintf(title, sizeof(title),
		 "%s: performance relative to %s (right of the line is better)",
		 report_group_title(group), m->baseline);
	snprintf(xlabel, sizeof(xlabel),
		 "x %s, log scale, 95%% CI (lower-is-better metrics inverted); "
		 "filled marker: significant, hollow: not significant",
		 m->baseline);
	snprintf(ref, sizeof(ref), "%s = 1", m->baseline);
	struct report_chart_dots chart = {
		.title = title,
		.xlabel = xlabel,
		.ncats = ncat,
		.nseries = nser,
		.cats = cats,
		.series = m->backends + 1,
		.val = val,
		.lo = lo,
		.hi = hi,
		.sig = sig,
		.logx = true,
		.reference_one = true,
		.reference_label = ref,
		.span = span,
		.first_color = 2,
	};
	struct vb_error cerr = { 0 };
	report_html_chart(b, report_chart_dots(&chart, &cerr), title, &cerr);
}

/* Whether a chart has a point to draw for the row: a backend measured it (status ok). */
static bool report_html_row_measured(const struct report_model *m, const struct report_row *row)
{
	for (size_t k = 0; k < m->nmeasured; k++)
		if (report_cell_measured(row->cells[k]))
			return true;
	return false;
}

/*
 * The chart points of n rows for nb backends: val[k * n + i] the median of backend k on row i, and
 * its interval at *lo and *hi (the next two blocks of val, which holds 3 * n * nb); NAN where not
 * measured.
 */
static void report_html_medians(const struct report_row **rows, size_t n, size_t nb, double *val,
				double **lo, double **hi)
{
	*lo = val + n * nb;
	*hi = *lo + n * nb;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < nb; k++) {
			const struct report_cell *c = rows[i]->cells[k];
			bool ok = report_cell_measured(c);
			val[k * n + i] = ok ? c->median : NAN;
			(*lo)[k * n + i] = ok ? c->lo : NAN;
			(*hi)[k * n + i] = ok ? c->hi : NAN;
		}
	}
}

/* Memory latency over working-set size, one line per backend. */
static void report_html_latency_chart(const struct report_model *m, struct report_buf *b)
{
	size_t n = 0, nb = m->nmeasured;
	cleanup_free const struct report_row **rows = calloc(m->nrows + 1, sizeof(*rows));
	cleanup_free double *x = calloc(m->nrows + 1, sizeof(double));
	cleanup_free double *val = calloc((m->nrows + 1) * nb * 3, sizeof(double));
	cleanup_free const char **labels = calloc(m->nrows + 1, sizeof(*labels));
	cleanup_free char(*sizes)[32] = calloc(m->nrows + 1, sizeof(*sizes));
	if (!rows || !x || !val || !labels || !sizes)
		return;
	for (size_t r = 0; r < m->nrows; r++) {
		double bytes = m->rows[r].curve_bytes;
		if (bytes <= 0 || !report_html_row_measured(m, &m->rows[r]))
			continue;
		size_t k = n++;
		while (k > 0 && x[k - 1] > bytes) {
			x[k] = x[k - 1];
			rows[k] = rows[k - 1];
			k--;
		}
		x[k] = bytes;
		rows[k] = &m->rows[r];
	}
	if (n < 2)
		return;
	/* "4KiB": the working set each point declares, without the space to keep labels short */
	for (size_t i = 0; i < n; i++) {
		report_fmt_bytes(sizes[i], sizeof(sizes[i]), x[i]);
		char *space = strchr(sizes[i], ' ');
		if (space)
			memmove(space, space + 1, strlen(space));
		labels[i] = sizes[i];
	}
	double *lo, *hi;
	report_html_medians(rows, n, nb, val, &lo, &hi);
	char ylabel[64];
	snprintf(ylabel, sizeof(ylabel), "latency (%s), lower is better", rows[0]->unit);
	const char *title = "Memory latency by working-set size (lower is better)";
	struct report_chart_lines chart = {
		.title = title,
		.xlabel = "working set (log scale)",
		.ylabel = ylabel,
		.npoints = n,
		.nseries = nb,
		.x = x,
		.xlabels = labels,
		.series = m->backends,
		.val = val,
		.lo = lo,
		.hi = hi,
		.logx = true,
		.logy = true,
	};
	struct vb_error cerr = { 0 };
	report_html_chart(b, report_chart_lines(&chart, &cerr), title, &cerr);
}

/* I/O latency percentiles: median per backend with intervals. */
static void report_html_io_chart(const struct report_model *m, struct report_buf *b)
{
	size_t n = 0, nb = m->nmeasured;
	cleanup_free const char **cats = calloc(m->nrows + 1, sizeof(*cats));
	cleanup_free char(*names)[112] = calloc(m->nrows + 1, sizeof(*names));
	cleanup_free const struct report_row **rows = calloc(m->nrows + 1, sizeof(*rows));
	cleanup_free double *val = calloc((m->nrows + 1) * nb * 3, sizeof(double));
	if (!cats || !names || !rows || !val)
		return;
	for (size_t r = 0; r < m->nrows; r++) {
		/* one axis, one unit: rows in another unit than the first would be misread */
		if (!m->rows[r].io_percentile || !report_html_row_measured(m, &m->rows[r]) ||
		    (n && strcmp(m->rows[r].unit, rows[0]->unit)))
			continue;
		rows[n] = &m->rows[r];
		snprintf(names[n], sizeof(names[n]), "%s %s", m->rows[r].workload,
			 m->rows[r].metric);
		cats[n] = names[n];
		n++;
	}
	if (n == 0)
		return;
	double *lo, *hi;
	report_html_medians(rows, n, nb, val, &lo, &hi);
	char xlabel[96];
	snprintf(xlabel, sizeof(xlabel),
		 "latency (%s), log scale, median with 95%% CI; lower is better", rows[0]->unit);
	const char *title = "I/O latency percentiles (left is better)";
	struct report_chart_dots chart = {
		.title = title,
		.xlabel = xlabel,
		.ncats = n,
		.nseries = nb,
		.cats = cats,
		.series = m->backends,
		.val = val,
		.lo = lo,
		.hi = hi,
		.logx = true,
	};
	struct vb_error cerr = { 0 };
	report_html_chart(b, report_chart_dots(&chart, &cerr), title, &cerr);
}

/*
 * Start-up time and host memory overhead per backend: the medians of repeated starts
 * (lifecycle.start) with their intervals when measured, else the one first start each backend timed.
 */
static void report_html_backend_charts(const struct report_model *m, struct report_buf *b)
{
	size_t nb = m->nbackends, n;
	cleanup_free const char **cats = calloc(nb + 1, sizeof(*cats));
	cleanup_free double *val = calloc(3 * (nb + 1), sizeof(double));
	if (!cats || !val)
		return;
	double *lo = val + nb + 1, *hi = lo + nb + 1;
	for (int which = 0; which < 2; which++) {
		const char *metric = which == 0 ? "ready_ms" : "host_overhead_MiB";
		bool repeated = false;
		for (size_t k = 0; k < nb; k++)
			repeated |= report_model_lifecycle(m, (int)k, metric) != NULL;
		n = 0;
		for (size_t k = 0; k < nb; k++) {
			const struct result_backend *rb = report_model_backend(m, m->backends[k]);
			const struct report_cell *c = report_model_lifecycle(m, (int)k, metric);
			double v = NAN;
			if (repeated && c)
				v = c->median, lo[n] = c->lo, hi[n] = c->hi;
			else if (!repeated && rb && rb->ran)
				v = which == 0 ? rb->startup_ms
					       : rb->host_overhead_bytes / 1048576.0,
				lo[n] = hi[n] = v;
			if (!isfinite(v))
				continue;
			cats[n] = m->labels[k];
			val[n++] = v;
		}
		if (n == 0)
			continue;
		const char *series[] = { which == 0 ? "start-up" : "host overhead" };
		char title[128];
		snprintf(title, sizeof(title), "%s (lower is better)",
			 which == 0
				 ? (repeated
					    ? "Start-up time until the agent is ready, median of "
					      "restarts"
					    : "Start-up time until the agent is ready, first start")
				 : (repeated ? "Host memory overhead, median of restarts"
					     : "Host memory overhead"));
		struct report_chart_bars chart = {
			.title = title,
			.xlabel = "backend",
			.ylabel = which == 0 ? (repeated ? "milliseconds, 95% CI; lower is better"
							 : "milliseconds, lower is better")
					     : (repeated ? "MiB, 95% CI; lower is better"
							 : "MiB, lower is better"),
			.ncats = n,
			.nseries = 1,
			.cats = cats,
			.series = series,
			.val = val,
			.lo = repeated ? lo : NULL,
			.hi = repeated ? hi : NULL,
		};
		struct vb_error cerr = { 0 };
		report_html_chart(b, report_chart_bars(&chart, &cerr), title, &cerr);
	}
}

static void report_html_table(const struct report_model *m, const char *group, struct report_buf *b)
{
	report_buf_puts(b, "<h3>");
	report_buf_html(b, report_group_title(group));
	report_buf_puts(b, " (<code>");
	report_buf_html(b, group);
	report_buf_puts(b, "</code>)</h3>\n<table>\n<tr><th>workload</th><th>metric</th><th>unit</"
			   "th><th>better</th>");
	for (size_t k = 0; k < m->nmeasured; k++) {
		report_buf_puts(b, "<th class=\"n\">");
		report_buf_html(b, m->labels[k]);
		report_buf_puts(b, "</th>");
		if (k > 0) {
			report_buf_puts(b, "<th class=\"n\">");
			report_buf_html(b, m->labels[k]);
			report_buf_puts(b, " / ");
			report_buf_html(b, m->baseline);
			report_buf_puts(b, "</th>");
		}
	}
	report_buf_puts(b, "</tr>\n");
	for (size_t r = 0; r < m->nrows; r++) {
		const struct report_row *row = &m->rows[r];
		if (strcmp(row->group, group) || !report_row_measured(m, row))
			continue;
		const char *text[] = { row->workload, row->metric, row->unit,
				       report_is_identifier(row->unit) ? "–"
								       : better_name(row->better) };
		report_buf_puts(b, "<tr>");
		for (size_t t = 0; t < 4; t++) {
			report_buf_puts(b, "<td>");
			report_buf_html(b, text[t]);
			report_buf_puts(b, "</td>");
		}
		for (size_t k = 0; k < m->nmeasured; k++) {
			char cell[96];
			report_fmt_cell(cell, sizeof(cell), row->cells[k]);
			report_buf_puts(b, "<td class=\"n\">");
			report_buf_html(b, cell);
			report_buf_puts(b, "</td>");
			if (k > 0) {
				const struct report_cell *c = row->cells[k];
				report_fmt_ratio(cell, sizeof(cell), c);
				report_buf_puts(b, c && c->has_ratio && !c->significant
							   ? "<td class=\"n ns\">"
							   : "<td class=\"n\">");
				report_buf_html(b, cell);
				report_buf_puts(b, "</td>");
			}
		}
		report_buf_puts(b, "</tr>\n");
	}
	report_buf_puts(b, "</table>\n");
}

/* "Run <start> (<name>)" under a heading of level tag, and the run's facts as paragraphs. */
static void report_html_facts(const struct report_run *run, const char *tag, struct report_buf *b)
{
	struct report_buf facts;
	report_buf_init(&facts);
	report_run_facts(run->doc, &facts);
	report_buf_printf(b, "<%s>Run ", tag);
	report_buf_html(b, run->doc->start_time);
	report_buf_puts(b, " (");
	report_buf_html(b, run->name);
	report_buf_printf(b, ")</%s>\n<p>", tag);
	/* the facts come as paragraphs (blank-line separated), as Markdown shows them */
	for (char *p = facts.text, *next; p && *p; p = next) {
		next = strstr(p, "\n\n");
		if (next)
			*next = '\0', next += 2;
		if (p != facts.text)
			report_buf_puts(b, "</p>\n<p>");
		report_buf_html(b, p);
	}
	report_buf_puts(b, "</p>\n");
	b->failed |= facts.failed;
	report_buf_free(&facts);
}

static int report_html_run(const struct report_run *run, const struct report_html_charts *charts,
			   struct report_buf *b, struct vb_error *err)
{
	struct report_model m;
	if (report_model_build(&m, run->doc, err) < 0)
		return -1;
	if (run->nsources) {
		report_buf_printf(
			b,
			"<h2>%zu runs side by side</h2>\n<p>Each backend is named after the "
			"host its run was on (HOST:LABEL) and compared with the baseline like "
			"the backends of one run.</p>\n",
			run->nsources);
		for (size_t i = 0; i < run->nsources; i++)
			report_html_facts(&run->sources[i], "h3", b);
		report_buf_puts(b, "<h3>Caveats of the comparison</h3>\n<ul>\n");
		for (size_t i = 0; i < run->doc->nwarnings; i++) {
			report_buf_puts(b, "<li>");
			report_buf_html(b, run->doc->warnings[i]);
			report_buf_puts(b, "</li>\n");
		}
		if (!run->doc->nwarnings)
			report_buf_puts(b,
					"<li>None: the same host, suite and configuration.</li>\n");
		report_buf_puts(b, "</ul>\n");
	} else {
		report_html_facts(run, "h2", b);
	}
	report_buf_puts(b, "<h3>Summary</h3>\n<ul>\n");
	for (size_t k = 0; k < m.nbackends; k++)
		report_summary_item(&m, m.backends[k], true, b);
	report_buf_puts(b, "</ul>\n<p>");
	struct report_buf method;
	report_buf_init(&method);
	report_method_text(&m, &method);
	report_buf_html(b, method.text ? method.text : "");
	report_buf_free(&method);
	if (report_baseline_moved(&m)) {
		report_buf_puts(b, " The baseline asked for, ");
		report_buf_html(b, run->doc->config.baseline);
		report_buf_puts(b, ", has no results.");
	}
	report_buf_puts(b, "</p>\n<h3>Charts</h3>\n");
	if (charts->available) {
		/* one axis for every group's chart, so that positions compare across charts */
		double span = 0;
		for (size_t k = 0; k < m.nrows * m.nmeasured; k++) {
			const struct report_cell *c =
				m.rows[k / m.nmeasured].cells[k % m.nmeasured];
			if (c && c->has_ratio)
				span = fmax(span, report_chart_ratio_span(
							  (const double[]){ c->plo, c->phi }, 2));
		}
		for (size_t g = 0; g < m.ngroups; g++)
			report_html_ratio_chart(&m, m.groups[g], span, b);
		report_html_latency_chart(&m, b);
		report_html_io_chart(&m, b);
		report_html_backend_charts(&m, b);
	} else {
		report_buf_puts(b, "<p class=\"note\">");
		report_buf_html(b, charts->why);
		report_buf_puts(b, "</p>\n");
	}
	report_buf_puts(b, "<h3>Backends</h3>\n<table>\n<tr><th>backend</th><th>ran</th>"
			   "<th class=\"n\">first start ready (ms)</th><th class=\"n\">host memory "
			   "overhead</th>"
			   "<th>details, or why it did not run</th></tr>\n");
	for (size_t i = 0; i < run->doc->nbackends; i++) {
		const struct result_backend *rb = &run->doc->backends[i];
		char ms[32], over[32];
		report_fmt_ms(ms, sizeof(ms), rb->startup_ms);
		report_fmt_bytes(over, sizeof(over), rb->host_overhead_bytes);
		report_buf_puts(b, "<tr><td>");
		report_buf_html(b, rb->name);
		report_buf_printf(
			b, "</td><td>%s</td><td class=\"n\">%s</td><td class=\"n\">%s</td><td>",
			rb->ran ? "yes" : "no", ms, over);
		report_buf_html(b, rb->ran ? rb->details : rb->reason);
		report_buf_puts(b, "</td></tr>\n");
	}
	report_buf_puts(b, "</table>\n");
	report_environments(run->doc, REPORT_STYLE_HTML, b);
	report_buf_puts(b, "<p class=\"note\">" REPORT_STARTUP_DEFINITION "</p>\n");
	for (size_t g = 0; g < m.ngroups; g++)
		report_html_table(&m, m.groups[g], b);
	report_notes(run->doc, REPORT_STYLE_HTML, b);
	report_model_free(&m);
	return 0;
}

int report_render_html(const struct report_run *runs, size_t n, struct report_buf *out,
		       struct vb_error *err)
{
	struct report_html_charts charts = { 0 };
	charts.available = report_chart_available(charts.why, sizeof(charts.why));
	/* a title that tells browser tabs apart: what ran, and when */
	report_buf_puts(out,
			"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
			"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
			"<title>vbench report");
	if (n > 0) {
		const struct results_doc *d = runs[0].doc;
		bool first = true;
		for (size_t i = 0; i < d->nbackends; i++) {
			if (!d->backends[i].ran)
				continue;
			report_buf_puts(out, first ? ": " : ", ");
			report_buf_html(out, d->backends[i].name);
			first = false;
		}
		report_buf_puts(out, " (");
		report_buf_html(out, d->start_time);
		report_buf_puts(out, n > 1 ? ", ...)" : ")");
	}
	report_buf_printf(out,
			  "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>vbench report</h1>\n",
			  report_html_style);
	if (!charts.available) {
		report_buf_puts(out, "<p class=\"note\">");
		report_buf_html(out, charts.why);
		report_buf_puts(out, "</p>\n");
	}
	for (size_t i = 0; i < n; i++)
		if (report_html_run(&runs[i], &charts, out, err) < 0)
			return -1;
	report_buf_puts(out, "</body>\n</html>\n");
	return out->failed ? error_set(err, "out of memory rendering HTML") : 0;
}
