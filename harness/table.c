/* The table `run` and `compare` print: medians, intervals and ratios to the baseline. */
#include "harness/table.h"

#include <math.h>
#include <string.h>

#include "harness/stats.h"

/* Values from 0.001 to 10^9 in a readable width. */
static void format_value(char *out, size_t len, double v)
{
	if (isnan(v))
		snprintf(out, len, "-");
	else if (fabs(v) >= 1e6)
		snprintf(out, len, "%.4g", v);
	else if (fabs(v) >= 100)
		snprintf(out, len, "%.1f", v);
	else if (fabs(v) >= 1)
		snprintf(out, len, "%.3f", v);
	else
		snprintf(out, len, "%.4g", v);
}

static const struct result_entry *find_entry(const struct results_doc *doc, const char *workload,
					     const char *metric, const char *backend)
{
	for (size_t i = 0; i < doc->nentries; i++) {
		const struct result_entry *e = &doc->entries[i];
		if (!strcmp(e->workload, workload) && !strcmp(e->metric, metric) &&
		    !strcmp(e->backend, backend))
			return e;
	}
	return NULL;
}

void table_print(FILE *out, const struct results_doc *doc, bool ratios)
{
	const char *baseline = doc->config.baseline;
	const char *cols[16];
	size_t ncols = 0;
	for (size_t b = 0; b < doc->nbackends && ncols < 16; b++)
		if (doc->backends[b].ran)
			cols[ncols++] = doc->backends[b].name;
	bool show_ratio = ratios && ncols > 1;

	fprintf(out, "\n%-16s %-16s %-17s", "workload", "metric", "unit");
	for (size_t c = 0; c < ncols; c++) {
		if (show_ratio && strcmp(cols[c], baseline) != 0) {
			char h[64];
			snprintf(h, sizeof(h), "%s / %s [95%% CI]", cols[c], baseline);
			fprintf(out, " %12s %-26s", cols[c], h);
		} else {
			fprintf(out, " %12s %-6s", cols[c], "cv");
		}
	}
	fprintf(out, "\n");

	for (size_t i = 0; i < doc->nentries; i++) {
		const struct result_entry *e = &doc->entries[i];
		/* one row per (workload, metric): print when meeting its first backend */
		bool first = true;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(doc->entries[k].workload, e->workload) &&
			    !strcmp(doc->entries[k].metric, e->metric))
				first = false;
		if (!first)
			continue;
		/* metrics this suite does not measure (e.g. latency beyond its largest size) */
		bool any = false;
		for (size_t k = i; k < doc->nentries; k++)
			if (!strcmp(doc->entries[k].workload, e->workload) &&
			    !strcmp(doc->entries[k].metric, e->metric) &&
			    (doc->entries[k].nsamples > 0 || doc->entries[k].status != RESULT_OK))
				any = true;
		if (!any)
			continue;
		char unit[24];
		snprintf(unit, sizeof(unit), "%s%s", e->unit, e->better == BETTER_HIGHER ? " ^" : " v");
		fprintf(out, "%-16s %-20s %-17s", e->workload, e->metric, unit);
		const struct result_entry *base = find_entry(doc, e->workload, e->metric, baseline);
		for (size_t c = 0; c < ncols; c++) {
			const struct result_entry *x = find_entry(doc, e->workload, e->metric, cols[c]);
			char v[32], cv[16], ratio[64] = "";
			if (!x || x->status != RESULT_OK || x->nsamples == 0) {
				snprintf(v, sizeof(v), "%s",
					 !x ? "-" : x->status == RESULT_UNSUPPORTED ? "unsupp." :
					 x->status == RESULT_ERROR ? "error" : "-");
				snprintf(cv, sizeof(cv), " ");
			} else {
				format_value(v, sizeof(v), x->median);
				snprintf(cv, sizeof(cv), "%.1f%%", x->cv * 100);
				if (isnan(x->cv))
					snprintf(cv, sizeof(cv), "-");
				if (show_ratio && base && base->status == RESULT_OK && base->nsamples &&
				    strcmp(cols[c], baseline) != 0) {
					double rt, lo, hi;
					stats_ratio_ci(x->samples, x->nsamples, base->samples, base->nsamples, 0.05,
						       doc->config.seed, &rt, &lo, &hi);
					if (isfinite(rt))
						snprintf(ratio, sizeof(ratio), "%.3f [%.3f, %.3f]", rt, lo, hi);
					else
						snprintf(ratio, sizeof(ratio), "-");
				}
			}
			if (show_ratio && strcmp(cols[c], baseline) != 0)
				fprintf(out, " %12s %-26s", v, ratio);
			else
				fprintf(out, " %12s %-6s", v, cv);
		}
		fprintf(out, "\n");
	}
	fprintf(out, "\n^ higher is better, v lower is better. Medians of %u samples after %u warm-up;\n"
		     "ratios are medians over the baseline (%s) with a 95%% bootstrap interval.\n",
		doc->config.repeat, doc->config.warmup, baseline);
	for (size_t b = 0; b < doc->nbackends; b++) {
		const struct result_backend *rb = &doc->backends[b];
		if (rb->ran)
			fprintf(out, "%-7s ready in %.0f ms; %s\n", rb->name, rb->startup_ms, rb->details);
		else
			fprintf(out, "%-7s skipped: %s\n", rb->name, rb->reason);
	}
}
