/* Regression tracking: compare two runs entry by entry and call significant changes. */
#include "analysis/diff.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report-model.h"
#include "analysis/stats.h"

void diff_options_default(struct diff_options *o)
{
	/* a busy 2-core machine moves medians by several percent between runs of the same build */
	o->threshold_pct = 10.0;
	/* 98.4% with 5 samples a side: fewer chance misses among ~140 rows (tests/unit/test-diff.c) */
	o->alpha = 0.02;
}

const char *diff_verdict_name(enum diff_verdict v)
{
	switch (v) {
	case DIFF_UNCHANGED: return "no significant change";
	case DIFF_IMPROVED: return "improved";
	case DIFF_REGRESSED: return "regressed";
	case DIFF_SKIPPED: return "not compared";
	}
	return "?";
}

static void diff_judge(struct diff_row *r, const struct diff_options *o)
{
	if (isnan(r->ratio)) {
		r->verdict = DIFF_SKIPPED;
		snprintf(r->why, sizeof(r->why), "the base median is zero: no ratio");
		return;
	}
	r->change_pct = (r->ratio - 1) * 100;
	if (isnan(r->lo)) {
		r->verdict = DIFF_SKIPPED;
		snprintf(
			r->why, sizeof(r->why),
			"%+.1f%%, too few samples (%zu BASE, %zu NEW) for a %g%% interval (at most "
			"%.1f%%)",
			r->change_pct, r->nbase, r->nnew, (1 - o->alpha) * 100, r->coverage * 100);
		return;
	}
	r->significant = !(r->lo <= 1 && r->hi >= 1);
	double band = o->threshold_pct / 100;
	/*
	 * The interval misses the true ratio in up to 1 - coverage of rows (1.6% at 5 a side); a miss
	 * lands beyond the band when the noise is of the band's order. So a row is judged only
	 * when its noise, cv / sqrt(n), is at most what 5 samples of cv = threshold have.
	 */
	double n = (double)(r->nbase < r->nnew ? r->nbase : r->nnew);
	double cv = r->base_cv > r->new_cv ? r->base_cv : r->new_cv;
	if (!(cv / sqrt(n) <= band / sqrt(5.0))) {
		r->verdict = DIFF_SKIPPED;
		snprintf(
			r->why, sizeof(r->why),
			"%+.1f%%, too noisy to judge against a %g%% threshold (cv %.1f%% with %.0f "
			"samples): more --repeat or a larger --threshold",
			r->change_pct, o->threshold_pct, cv * 100, n);
		return;
	}
	bool beyond = r->lo > 1 + band || r->hi < 1 - band;
	/* positive "gain" is better whichever way the metric points */
	double gain = r->better == BETTER_HIGHER ? r->change_pct : -r->change_pct;
	if (beyond) {
		r->verdict = gain > 0 ? DIFF_IMPROVED : DIFF_REGRESSED;
		snprintf(r->why, sizeof(r->why),
			 "%+.1f%% (%s is better): the %.1f%% interval clears the %g%% band",
			 r->change_pct, better_name(r->better), r->coverage * 100,
			 o->threshold_pct);
	} else if (r->significant) {
		r->verdict = DIFF_UNCHANGED;
		snprintf(r->why, sizeof(r->why),
			 "%+.1f%%: the %.1f%% interval excludes 1 but reaches into the %g%% band",
			 r->change_pct, r->coverage * 100, o->threshold_pct);
	} else {
		r->verdict = DIFF_UNCHANGED;
		snprintf(r->why, sizeof(r->why), "%+.1f%%: the %.1f%% interval contains 1",
			 r->change_pct, r->coverage * 100);
	}
}

int diff_compare(const struct results_doc *base, const struct results_doc *new,
		 const struct diff_options *o, struct diff_result *out, struct vb_error *err)
{
	memset(out, 0, sizeof(*out));
	out->options = *o;
	if (!(o->alpha > 0 && o->alpha < 1))
		return error_set(err, "alpha must be between 0 and 1 (got %g)", o->alpha);
	if (!(o->threshold_pct >= 0))
		return error_set(err, "the threshold must be a percentage >= 0 (got %g)",
				 o->threshold_pct);
	out->rows = calloc(new->nentries + 1, sizeof(*out->rows));
	if (!out->rows)
		return error_set(err, "out of memory comparing runs");
	for (size_t i = 0; i < new->nentries; i++) {
		const struct result_entry *n = &new->entries[i];
		const struct result_entry *b = results_find((struct results_doc *)base, n->workload,
							    n->metric, n->backend);
		if (!b) {
			out->only_new++;
			continue;
		}
		struct diff_row *r = &out->rows[out->nrows++];
		snprintf(r->workload, sizeof(r->workload), "%s", n->workload);
		snprintf(r->metric, sizeof(r->metric), "%s", n->metric);
		snprintf(r->backend, sizeof(r->backend), "%s", n->backend);
		snprintf(r->unit, sizeof(r->unit), "%s", n->unit);
		r->better = n->better;
		r->nbase = b->nsamples;
		r->nnew = n->nsamples;
		/* only measurements compare: a failed entry's few samples are not one */
		bool base_ok = b->status == RESULT_OK && b->nsamples,
		     new_ok = n->status == RESULT_OK && n->nsamples;
		r->base_median = base_ok ? stats_median(b->samples, b->nsamples) : NAN;
		r->new_median = new_ok ? stats_median(n->samples, n->nsamples) : NAN;
		r->ratio = r->lo = r->hi = r->change_pct = r->coverage = NAN;
		r->p = 1.0;
		if (base_ok && n->status == RESULT_ERROR) {
			/* it used to measure and now fails: for CI that is the worst regression of all */
			r->verdict = DIFF_REGRESSED;
			snprintf(r->why, sizeof(r->why), "failed in NEW: %.120s",
				 *n->note ? n->note : "no reason given");
		} else if (!base_ok || !new_ok) {
			const struct result_entry *not = !base_ok ? b : n;
			r->verdict = DIFF_SKIPPED;
			snprintf(r->why, sizeof(r->why), "%s in %s: %.100s",
				 not ->status == RESULT_OK ? "no samples"
							   : result_status_name(not ->status),
				 !base_ok ? "BASE" : "NEW",
				 *not ->note ? not ->note : "no reason given");
		} else {
			/* exact, no resampling: the same two files always give the same answer */
			double base_median = r->base_median;
			r->ratio = base_median != 0 ? r->new_median / base_median : NAN;
			r->base_cv = stats_cv(b->samples, b->nsamples);
			r->new_cv = stats_cv(n->samples, n->nsamples);
			r->coverage = stats_shift_ratio_ci(n->samples, n->nsamples, b->samples,
							   b->nsamples, o->alpha, &r->lo, &r->hi);
			r->p = stats_mann_whitney_exact_p(n->samples, n->nsamples, b->samples,
							  b->nsamples);
			r->judged = true;
		}
	}
	for (size_t i = 0; i < out->nrows; i++) {
		struct diff_row *r = &out->rows[i];
		if (r->judged)
			diff_judge(r, o);
		if (r->judged && !isnan(r->lo)) {
			out->excluding_one += r->significant;
			out->by_chance += 1 - r->coverage;
		}
		switch (r->verdict) {
		case DIFF_UNCHANGED: out->unchanged++; break;
		case DIFF_IMPROVED: out->improved++; break;
		case DIFF_REGRESSED: out->regressed++; break;
		case DIFF_SKIPPED: out->skipped++; break;
		}
	}
	for (size_t i = 0; i < base->nentries; i++) {
		const struct result_entry *b = &base->entries[i];
		if (!results_find((struct results_doc *)new, b->workload, b->metric, b->backend))
			out->only_base++;
	}
	return 0;
}

bool diff_same_machine(const struct results_doc *base, const struct results_doc *new, char *why,
		       size_t len)
{
	bool same_name = !strcmp(base->host.hostname, new->host.hostname);
	bool same_cpu = !strcmp(base->host.cpu_model, new->host.cpu_model);
	if (same_name && same_cpu) {
		snprintf(why, len, "%s", "");
		return true;
	}
	snprintf(why, len, "BASE ran on %s (%s) and NEW on %s (%s): different %s",
		 *base->host.hostname ? base->host.hostname : "?",
		 *base->host.cpu_model ? base->host.cpu_model : "unknown CPU",
		 *new->host.hostname ? new->host.hostname : "?",
		 *new->host.cpu_model ? new->host.cpu_model : "unknown CPU",
		 !same_name && !same_cpu ? "machines and CPUs"
		 : same_name		 ? "CPUs under one host name"
					 : "host names");
	return false;
}

void diff_caveats(const struct results_doc *base, const struct results_doc *new,
		  struct report_buf *b)
{
	if (base->config.suite != new->config.suite)
		report_buf_printf(
			b, "BASE ran the %s suite and NEW the %s suite: workload sizes differ\n",
			suite_name(base->config.suite), suite_name(new->config.suite));
	if (strcmp(base->host.cpu_model, new->host.cpu_model) ||
	    strcmp(base->host.hostname, new->host.hostname))
		report_buf_printf(b, "the runs come from different hosts (%s, %s / %s, %s)\n",
				  base->host.hostname, base->host.cpu_model, new->host.hostname,
				  new->host.cpu_model);
	if (base->config.cpus != new->config.cpus ||
	    base->config.memory_bytes != new->config.memory_bytes)
		report_buf_printf(
			b,
			"the backends got different resources (%u CPUs, %llu MiB / %u CPUs, %llu "
			"MiB)\n",
			base->config.cpus, (unsigned long long)(base->config.memory_bytes >> 20),
			new->config.cpus, (unsigned long long)(new->config.memory_bytes >> 20));
	if (strcmp(base->schema, new->schema))
		report_buf_printf(
			b,
			"BASE is a %s file and NEW a %s file: os.ctxsw's metrics were renamed "
			"(not paired), counters were cumulative and kvm's start-up and disk "
			"figures were measured differently before vbench-result/2\n",
			base->schema, new->schema);
}

void diff_free(struct diff_result *d)
{
	free(d->rows);
	memset(d, 0, sizeof(*d));
}

static void diff_fmt_ratio(char *out, size_t len, const struct diff_row *r)
{
	if (isnan(r->ratio))
		snprintf(out, len, "–");
	else
		snprintf(out, len, "%.3f [%.3f, %.3f]", r->ratio, r->lo, r->hi);
}

static void diff_summary_line(const struct diff_result *d, struct report_buf *b)
{
	report_buf_printf(
		b, "%zu regressed, %zu improved, %zu without significant change, %zu not compared",
		d->regressed, d->improved, d->unchanged, d->skipped);
	if (d->only_base || d->only_new)
		report_buf_printf(b, "; %zu only in BASE, %zu only in NEW", d->only_base,
				  d->only_new);
	report_buf_printf(b, " (threshold %g%%, alpha %g)", d->options.threshold_pct,
			  d->options.alpha);
	/* many more intervals excluding 1 than chance gives: the runs differ as a whole (load?) */
	report_buf_printf(b, ". %zu interval(s) exclude 1 where chance alone would give about %.1f",
			  d->excluding_one, d->by_chance);
}

void diff_render_text(const struct diff_result *d, struct report_buf *b)
{
	report_buf_printf(b, "%-12s %-28s %-10s %12s %12s  %-26s %s\n", "verdict",
			  "workload/metric", "backend", "base", "new", "new/base [CI]", "why");
	for (size_t i = 0; i < d->nrows; i++) {
		const struct diff_row *r = &d->rows[i];
		char name[128], base[32], new[32], ratio[64];
		snprintf(name, sizeof(name), "%s/%s", r->workload, r->metric);
		report_fmt_num(base, sizeof(base), r->base_median);
		report_fmt_num(new, sizeof(new), r->new_median);
		diff_fmt_ratio(ratio, sizeof(ratio), r);
		const char *v = r->verdict == DIFF_UNCHANGED ? "unchanged"
				: r->verdict == DIFF_SKIPPED ? "skipped"
							     : diff_verdict_name(r->verdict);
		report_buf_printf(b, "%-12s %-28s %-10s %12s %12s  %-26s %s\n", v, name, r->backend,
				  base, new, ratio, r->why);
	}
	diff_summary_line(d, b);
	report_buf_puts(b, "\n");
}

void diff_render_markdown(const struct diff_result *d, const char *base_name, const char *new_name,
			  struct report_buf *b)
{
	report_buf_puts(b, "# vbench diff\n\nBASE: `");
	report_buf_md(b, base_name);
	report_buf_puts(b, "`  \nNEW: `");
	report_buf_md(b, new_name);
	report_buf_puts(b, "`\n\n");
	diff_summary_line(d, b);
	double t = d->options.threshold_pct;
	report_buf_printf(
		b,
		".\n\nA change is called regressed or improved when the interval of NEW / BASE "
		"lies wholly outside [%g, %g] (the threshold, %g%%, either way); whether it is a "
		"regression follows the metric's direction. The interval is distribution-free: "
		"the k-th smallest and k-th largest of the pairwise ratios NEW sample / BASE "
		"sample, with k from the exact Mann-Whitney distribution so that it covers the "
		"true ratio with at least %g%% probability (with 5 samples a side: 98.4%%); rows "
		"with too few samples for that are not compared. No p-value adjustment is made: "
		"with 5 samples a side the smallest possible p (0.0079) could not pass one. "
		"Instead a row is called only when its whole interval clears the band, which a "
		"row that did not change does only when its noise or the runs' drift is of the "
		"order of the threshold; rows noisier than that (the larger cv of the two sides "
		"divided by the square root of the smaller sample count above threshold / "
		"sqrt(5)) are not compared and say why. The p column (exact two-sided "
		"Mann-Whitney, unadjusted) is for reading, not deciding. An entry measured in "
		"BASE and failing in NEW is a regression. With 140 rows, one of them 30%% slower "
		"at 4%% noise, simulation (tests/unit/test-diff.c) calls it in 99%% of runs and "
		"anything else in about 2%% (5%% when every median also drifts by 2%% between "
		"runs).\n\n",
		1 - t / 100, 1 + t / 100, t, (1 - d->options.alpha) * 100);
	report_buf_puts(
		b,
		"| verdict | workload | metric | backend | unit | better | BASE median | NEW "
		"median "
		"| NEW / BASE [CI] | p | why |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
	/* regressions first: they are what the reader came for */
	static const enum diff_verdict order[] = { DIFF_REGRESSED, DIFF_IMPROVED, DIFF_UNCHANGED,
						   DIFF_SKIPPED };
	for (size_t o = 0; o < 4; o++) {
		for (size_t i = 0; i < d->nrows; i++) {
			const struct diff_row *r = &d->rows[i];
			if (r->verdict != order[o])
				continue;
			char base[32], new[32], ratio[64];
			report_fmt_num(base, sizeof(base), r->base_median);
			report_fmt_num(new, sizeof(new), r->new_median);
			diff_fmt_ratio(ratio, sizeof(ratio), r);
			report_buf_printf(b, "| %s%s%s | ",
					  r->verdict == DIFF_REGRESSED ? "**" : "",
					  diff_verdict_name(r->verdict),
					  r->verdict == DIFF_REGRESSED ? "**" : "");
			const char *cells[] = { r->workload, r->metric, r->backend, r->unit };
			for (size_t c = 0; c < 4; c++) {
				report_buf_md(b, cells[c]);
				report_buf_puts(b, " | ");
			}
			report_buf_printf(b, "%s | %s | %s | %s | %.3g | ", better_name(r->better),
					  base, new, ratio, r->p);
			report_buf_md(b, r->why);
			report_buf_puts(b, " |\n");
		}
	}
}

static void diff_xml(struct report_buf *b, const char *s)
{
	/* report_buf_html escapes the five XML specials too */
	report_buf_html(b, s);
}

void diff_render_junit(const struct diff_result *d, struct report_buf *b)
{
	report_buf_printf(
		b,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<testsuites name=\"vbench diff\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n"
		"<testsuite name=\"vbench diff\" tests=\"%zu\" failures=\"%zu\" skipped=\"%zu\">\n",
		d->nrows, d->regressed, d->skipped, d->nrows, d->regressed, d->skipped);
	for (size_t i = 0; i < d->nrows; i++) {
		const struct diff_row *r = &d->rows[i];
		report_buf_puts(b, "<testcase classname=\"");
		diff_xml(b, r->workload);
		report_buf_puts(b, "\" name=\"");
		diff_xml(b, r->metric);
		report_buf_puts(b, " on ");
		diff_xml(b, r->backend);
		report_buf_puts(b, "\">");
		if (r->verdict == DIFF_REGRESSED) {
			report_buf_puts(b, "<failure message=\"regressed: ");
			diff_xml(b, r->why);
			report_buf_puts(b, "\"/>");
		} else if (r->verdict == DIFF_SKIPPED) {
			report_buf_puts(b, "<skipped message=\"");
			diff_xml(b, r->why);
			report_buf_puts(b, "\"/>");
		} else {
			report_buf_puts(b, "<system-out>");
			diff_xml(b, diff_verdict_name(r->verdict));
			report_buf_puts(b, ": ");
			diff_xml(b, r->why);
			report_buf_puts(b, "</system-out>");
		}
		report_buf_puts(b, "</testcase>\n");
	}
	report_buf_puts(b, "</testsuite>\n</testsuites>\n");
}
