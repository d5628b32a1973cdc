/* The table `run` and `compare` print: medians, intervals and ratios to the baseline. */
#include "analysis/table.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report-model.h"
#include "analysis/report-parts.h"

/* Cells are plain ASCII so that printf widths line up on every terminal. */
#define TABLE_CELL 48

/* The reports' number format, with an ASCII dash for no value so printf widths line up. */
static void table_fmt_value(char *out, size_t len, double v)
{
	if (!isfinite(v))
		snprintf(out, len, "-");
	else
		report_fmt_num(out, len, v);
}

/* Interval ends can be far from the ratio (a noisy p99): keep them short. */
static void table_fmt_ratio_end(char *out, size_t len, double v)
{
	double a = fabs(v);
	if (isinf(v))
		snprintf(out, len, "inf");
	else if (!isfinite(v))
		snprintf(out, len, "?");
	else if (a >= 1000)
		snprintf(out, len, "%.0f", v);
	else if (a >= 10)
		snprintf(out, len, "%.1f", v);
	else
		snprintf(out, len, "%.3f", v);
}

static void table_fmt_ratio(char *out, size_t len, const struct report_cell *c)
{
	if (!c || !c->has_ratio || !isfinite(c->ratio)) {
		snprintf(out, len, "-");
		return;
	}
	char r[12], lo[12], hi[12];
	table_fmt_ratio_end(r, sizeof(r), c->ratio);
	table_fmt_ratio_end(lo, sizeof(lo), c->rlo);
	table_fmt_ratio_end(hi, sizeof(hi), c->rhi);
	snprintf(out, len, "%.11s [%.11s, %.11s]%s", r, lo, hi, c->significant ? "" : " n.s.");
}

static void table_fmt_cell(char *out, size_t len, const struct report_cell *c)
{
	if (!c)
		snprintf(out, len, "-");
	else if (c->entry->status == RESULT_UNSUPPORTED)
		snprintf(out, len, "unsupp.");
	else if (c->entry->status == RESULT_ERROR)
		snprintf(out, len, "error");
	else if (!c->entry->nsamples)
		snprintf(out, len, "-");
	else if (report_is_identifier(c->entry->unit))
		report_fmt_identifier(out, len, c->entry);
	else
		table_fmt_value(out, len, c->median);
}

static void table_fmt_cv(char *out, size_t len, const struct report_cell *c)
{
	if (!c || c->entry->status != RESULT_OK || c->entry->nsamples < 2 || !isfinite(c->cv) ||
	    report_is_identifier(c->entry->unit))
		snprintf(out, len, "-");
	else
		snprintf(out, len, "%.1f%%", c->cv * 100);
}

/*
 * Columns: workload, metric, unit, then per backend its median and either its cv (the baseline,
 * or every backend when there are no ratios) or its ratio to the baseline.
 */
struct table_layout {
	size_t ncols;
	char (*text)[TABLE_CELL]; /* [(nrows + 1) * ncols], row 0 = header */
	int *width;
	bool *left;
};

static void table_print_line(FILE *out, const struct table_layout *t, size_t row)
{
	for (size_t c = 0; c < t->ncols; c++) {
		const char *s = t->text[row * t->ncols + c];
		bool last = c + 1 == t->ncols;
		if (t->left[c])
			fprintf(out, "%s%-*s", c ? "  " : "", last ? 0 : t->width[c], s);
		else
			fprintf(out, "%s%*s", c ? "  " : "", t->width[c], s);
	}
	fprintf(out, "\n");
}

void table_print(FILE *out, const struct results_doc *doc, bool ratios)
{
	struct report_model m;
	struct vb_error err;
	if (report_model_build(&m, doc, &err) < 0) {
		fprintf(out, "(no table: %s)\n", err.message);
		return;
	}
	bool show_ratio = ratios && m.nmeasured > 1;
	struct table_layout t = { 0 };
	t.ncols = 3 + 2 * m.nmeasured;
	t.text = calloc((m.nrows + 1) * t.ncols, sizeof(*t.text));
	t.width = calloc(t.ncols, sizeof(*t.width));
	t.left = calloc(t.ncols, sizeof(*t.left));
	if (!t.text || !t.width || !t.left) {
		fprintf(out, "(no table: out of memory)\n");
		goto out;
	}
	t.left[0] = t.left[1] = t.left[2] = true;
	size_t c = 0;
	snprintf(t.text[c++], TABLE_CELL, "workload");
	snprintf(t.text[c++], TABLE_CELL, "metric");
	snprintf(t.text[c++], TABLE_CELL, "unit");
	for (size_t k = 0; k < m.nmeasured; k++) {
		snprintf(t.text[c++], TABLE_CELL, "%s", m.labels[k]);
		if (k == 0 || !show_ratio) {
			snprintf(t.text[c++], TABLE_CELL, "cv");
		} else {
			t.left[c] = true;
			snprintf(t.text[c++], TABLE_CELL, "%.22s/%.14s [95%% CI]", m.labels[k],
				 m.baseline);
		}
	}
	size_t nlines = 1;
	for (size_t r = 0; r < m.nrows; r++) {
		const struct report_row *row = &m.rows[r];
		/* a row with neither a sample nor a status to show (an entry not yet finished) */
		if (!report_row_measured(&m, row))
			continue;
		char(*cell)[TABLE_CELL] = &t.text[nlines++ * t.ncols];
		c = 0;
		snprintf(cell[c++], TABLE_CELL, "%s", row->workload);
		snprintf(cell[c++], TABLE_CELL, "%s", row->metric);
		/* an identifier is neither better higher nor lower */
		snprintf(cell[c++], TABLE_CELL, "%s%s", row->unit,
			 report_is_identifier(row->unit) ? ""
			 : row->better == BETTER_HIGHER	 ? " ^"
							 : " v");
		for (size_t k = 0; k < m.nmeasured; k++) {
			table_fmt_cell(cell[c++], TABLE_CELL, row->cells[k]);
			if (k == 0 || !show_ratio)
				table_fmt_cv(cell[c++], TABLE_CELL, row->cells[k]);
			else
				table_fmt_ratio(cell[c++], TABLE_CELL, row->cells[k]);
		}
	}
	for (size_t l = 0; l < nlines; l++)
		for (c = 0; c < t.ncols; c++) {
			int w = (int)strlen(t.text[l * t.ncols + c]);
			if (w > t.width[c])
				t.width[c] = w;
		}
	fprintf(out, "\n");
	for (size_t l = 0; l < nlines; l++)
		table_print_line(out, &t, l);

	fprintf(out,
		"\n^ higher is better, v lower is better. Medians of %u samples after %u warm-up",
		doc->config.repeat, doc->config.warmup);
	char holm[96] = "";
	if (m.baseline_bare_metal)
		snprintf(holm, sizeof(holm), "; faster than %s needs Holm's family-wise 5%%",
			 m.baseline);
	if (show_ratio)
		fprintf(out,
			";\nratio = median / %s's median with a 95%% bootstrap interval; n.s. = "
			"not significant: the interval contains 1, or the difference does not "
			"survive\nfalse-discovery control over the backend's metrics (Benjamini-"
			"Hochberg at 5%%%s)",
			m.baseline, holm);
	fprintf(out, ".\n");
	if (show_ratio && strcmp(m.baseline, doc->config.baseline) != 0)
		fprintf(out, "The baseline asked for, %s, has no results: ratios are to %s.\n",
			doc->config.baseline, m.baseline);
	for (size_t b = 0; b < doc->nbackends; b++) {
		const struct result_backend *rb = &doc->backends[b];
		if (rb->ran)
			/* "NAME ready in N ms; details": tests/rig/compare.sh reads this line */
			fprintf(out, "%-7s ready in %.0f ms; %s\n", rb->name, rb->startup_ms,
				rb->details);
		else
			fprintf(out, "%-7s skipped: %s\n", rb->name, rb->reason);
	}
	struct report_buf env;
	report_buf_init(&env);
	report_environments(doc, REPORT_STYLE_PLAIN, &env);
	if (env.text)
		fputs(env.text, out);
	report_buf_free(&env);
	/* why a cell says unsupp. or error: the reports' notes */
	struct report_buf notes;
	report_buf_init(&notes);
	report_notes(doc, REPORT_STYLE_PLAIN, &notes);
	if (notes.text)
		fputs(notes.text, out);
	report_buf_free(&notes);
	if (*doc->host.llc_check)
		fprintf(out, "LLC check: %s\n", doc->host.llc_check);
	for (size_t i = 0; i < doc->nwarnings; i++)
		fprintf(out, "warning: %s\n", doc->warnings[i]);
	/* the same words as the report's summary, so that a terminal user gets the gist too */
	if (show_ratio) {
		struct report_buf words;
		report_buf_init(&words);
		for (size_t k = 1; k < m.nmeasured; k++)
			report_summary_item(&m, m.backends[k], false, &words);
		if (words.text)
			fprintf(out, "\nIn words, against %s:\n%s", m.baseline, words.text);
		report_buf_free(&words);
	}
out:
	free(t.text);
	free(t.width);
	free(t.left);
	report_model_free(&m);
}
