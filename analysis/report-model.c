/* What reports show, computed once from a results document: statistics, ratios, summaries. */
#include "analysis/report-model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/stats.h"

static bool report_has_name(const char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

int report_model_backend_index(const struct report_model *m, const char *name)
{
	for (size_t i = 0; i < m->nbackends; i++)
		if (!strcmp(m->backends[i], name))
			return (int)i;
	return -1;
}

const struct result_backend *report_model_backend(const struct report_model *m, const char *name)
{
	for (size_t i = 0; i < m->doc->nbackends; i++)
		if (!strcmp(m->doc->backends[i].name, name))
			return &m->doc->backends[i];
	return NULL;
}

static bool report_has_results(const struct results_doc *doc, const char *backend)
{
	for (size_t i = 0; i < doc->nentries; i++)
		if (!strcmp(doc->entries[i].backend, backend))
			return true;
	return false;
}

/*
 * The configured baseline if it has results, else the first bare-metal backend with results,
 * else the first backend seen.
 */
static const char *report_pick_baseline(const struct results_doc *doc)
{
	if (*doc->config.baseline && report_has_results(doc, doc->config.baseline))
		return doc->config.baseline;
	for (size_t i = 0; i < doc->nbackends; i++)
		if (doc->backends[i].bare_metal && report_has_results(doc, doc->backends[i].name))
			return doc->backends[i].name;
	if (doc->nbackends)
		return doc->backends[0].name;
	return doc->nentries ? doc->entries[0].backend : doc->config.baseline;
}

bool report_cell_measured(const struct report_cell *c)
{
	return c && c->entry->status == RESULT_OK && c->entry->nsamples > 0;
}

static void report_cell_compute(struct report_cell *c, const struct report_cell *base,
				uint64_t seed)
{
	const struct result_entry *e = c->entry;
	c->median = stats_median(e->samples, e->nsamples);
	c->coverage = stats_median_ci(e->samples, e->nsamples, 0.95, &c->lo, &c->hi);
	c->cv = stats_cv(e->samples, e->nsamples);
	c->ratio = c->rlo = c->rhi = c->perf = c->plo = c->phi = NAN;
	c->p = c->q = c->holm = 1.0;
	/*
	 * Only two measurements compare: a failed entry's few samples say nothing about the
	 * environment. An identifier (which I/O engine ran) is not a performance figure.
	 */
	if (!base || base == c || !report_cell_measured(c) || !report_cell_measured(base) ||
	    report_is_identifier(e->unit))
		return;
	const struct result_entry *b = base->entry;
	stats_ratio_ci(e->samples, e->nsamples, b->samples, b->nsamples, 0.05,
		       results_entry_seed(e, seed) ^ 0x5851f42d4c957f2dULL, &c->ratio, &c->rlo,
		       &c->rhi);
	if (isnan(c->ratio))
		return;
	c->has_ratio = true;
	c->p = stats_mann_whitney_exact_p(e->samples, e->nsamples, b->samples, b->nsamples);
	if (e->better == BETTER_HIGHER) {
		c->perf = c->ratio, c->plo = c->rlo, c->phi = c->rhi;
	} else {
		c->perf = 1.0 / c->ratio, c->plo = 1.0 / c->rhi, c->phi = 1.0 / c->rlo;
	}
}

static int report_compare_p(const void *a, const void *b)
{
	double x = (*(struct report_cell *const *)a)->p, y = (*(struct report_cell *const *)b)->p;
	return (x > y) - (x < y);
}

/*
 * About 60 metrics per backend at a 95% mark would flag about three by chance in every run, so a
 * mark takes false-discovery control over the backend's compared metrics (Benjamini-Hochberg on
 * the exact rank test's p). Being better than a bare-metal baseline, the machine the backend
 * itself runs on, takes more: family-wise control (Holm), so that chance alone calls no such gain
 * in 95% of runs.
 */
static int report_model_mark(struct report_model *m)
{
	struct report_cell **family = calloc(m->nrows + 1, sizeof(*family));
	if (!family)
		return -1;
	for (size_t k = 1; k < m->nbackends; k++) {
		size_t n = 0;
		for (size_t r = 0; r < m->nrows; r++)
			if (m->rows[r].cells[k] && m->rows[r].cells[k]->has_ratio)
				family[n++] = m->rows[r].cells[k];
		qsort(family, n, sizeof(*family), report_compare_p);
		double running = 1.0;
		for (size_t i = n; i > 0; i--) {
			double q = family[i - 1]->p * (double)n / (double)i;
			running = q < running ? q : running;
			family[i - 1]->q = running;
		}
		running = 0;
		for (size_t i = 0; i < n; i++) {
			double h = family[i]->p * (double)(n - i);
			running = h > running ? h : running;
			family[i]->holm = running < 1 ? running : 1;
		}
		for (size_t i = 0; i < n; i++) {
			struct report_cell *c = family[i];
			bool excludes_one = !(c->rlo <= 1.0 && c->rhi >= 1.0);
			bool gain = c->perf > 1;
			c->significant =
				excludes_one && c->q < REPORT_ALPHA &&
				(!gain || !m->baseline_bare_metal || c->holm < REPORT_ALPHA);
		}
	}
	free(family);
	return 0;
}

void report_model_chance(const struct report_model *m, int bi, struct report_chance *out)
{
	memset(out, 0, sizeof(*out));
	if (bi <= 0)
		return;
	for (size_t r = 0; r < m->nrows; r++) {
		const struct report_cell *c = m->rows[r].cells[bi];
		if (!c || !c->has_ratio)
			continue;
		out->compared++;
		out->nominal += c->p < REPORT_ALPHA;
		out->significant += c->significant;
	}
	out->expected = (double)out->compared * REPORT_ALPHA;
}

int report_model_build(struct report_model *m, const struct results_doc *doc, struct vb_error *err)
{
	memset(m, 0, sizeof(*m));
	m->doc = doc;
	m->baseline = report_pick_baseline(doc);
	const struct result_backend *base = report_model_backend(m, m->baseline);
	m->baseline_bare_metal = base && base->bare_metal;
	size_t maxb = doc->nbackends + doc->nentries + 1;
	m->backends = calloc(maxb, sizeof(*m->backends));
	m->cells = calloc(doc->nentries + 1, sizeof(*m->cells));
	m->rows = calloc(doc->nentries + 1, sizeof(*m->rows));
	m->groups = calloc(doc->nentries + 1, sizeof(*m->groups));
	if (!m->backends || !m->cells || !m->rows || !m->groups)
		goto oom;
	m->backends[m->nbackends++] = m->baseline;
	for (size_t i = 0; i < doc->nbackends; i++)
		if (!report_has_name(m->backends, m->nbackends, doc->backends[i].name))
			m->backends[m->nbackends++] = doc->backends[i].name;
	for (size_t i = 0; i < doc->nentries; i++) {
		const struct result_entry *e = &doc->entries[i];
		if (!report_has_name(m->backends, m->nbackends, e->backend))
			m->backends[m->nbackends++] = e->backend;
		if (!report_has_name(m->groups, m->ngroups, e->group))
			m->groups[m->ngroups++] = e->group;
	}
	/* backends without any entry (skipped ones) go last: summaries name them, tables do not */
	m->nmeasured = 1;
	for (size_t k = 1; k < m->nbackends; k++) {
		bool measured = false;
		for (size_t i = 0; i < doc->nentries && !measured; i++)
			measured = !strcmp(doc->entries[i].backend, m->backends[k]);
		if (!measured)
			continue;
		const char *b = m->backends[k];
		memmove(&m->backends[m->nmeasured + 1], &m->backends[m->nmeasured],
			(k - m->nmeasured) * sizeof(*m->backends));
		m->backends[m->nmeasured++] = b;
	}
	m->labels = calloc(m->nbackends + 1, sizeof(*m->labels));
	if (!m->labels)
		goto oom;
	for (size_t k = 0; k < m->nbackends; k++) {
		const struct result_backend *rb = report_model_backend(m, m->backends[k]);
		size_t len = strlen(m->backends[k]) + (rb ? strlen(rb->mode) : 0) + 4;
		if (!(m->labels[k] = malloc(len)))
			goto oom;
		if (rb && rb->mode[0])
			snprintf(m->labels[k], len, "%s (%s)", m->backends[k], rb->mode);
		else
			snprintf(m->labels[k], len, "%s", m->backends[k]);
	}
	/* rows: one per (workload, metric) in order of first appearance */
	for (size_t i = 0; i < doc->nentries; i++) {
		const struct result_entry *e = &doc->entries[i];
		m->cells[i].entry = e;
		struct report_row *row = NULL;
		for (size_t r = 0; r < m->nrows && !row; r++)
			if (!strcmp(m->rows[r].workload, e->workload) &&
			    !strcmp(m->rows[r].metric, e->metric))
				row = &m->rows[r];
		if (!row) {
			row = &m->rows[m->nrows++];
			*row = (struct report_row){ .workload = e->workload,
						    .group = e->group,
						    .metric = e->metric,
						    .unit = e->unit,
						    .better = e->better,
						    .host_side = e->host_side,
						    .io_percentile = e->io_percentile,
						    .curve_bytes = e->curve_bytes };
			if (!(row->cells = calloc(m->nbackends, sizeof(*row->cells))))
				goto oom;
		}
		row->cells[report_model_backend_index(m, e->backend)] = &m->cells[i];
	}
	for (size_t r = 0; r < m->nrows; r++) {
		struct report_cell *base = m->rows[r].cells[0];
		if (base)
			report_cell_compute(base, NULL, doc->config.seed);
		for (size_t b = 1; b < m->nbackends; b++)
			if (m->rows[r].cells[b])
				report_cell_compute(m->rows[r].cells[b], base, doc->config.seed);
	}
	if (report_model_mark(m) < 0)
		goto oom;
	return 0;
oom:
	report_model_free(m);
	return error_set(err, "out of memory building the report");
}

void report_model_free(struct report_model *m)
{
	for (size_t r = 0; r < m->nrows; r++)
		free(m->rows[r].cells);
	free(m->rows);
	free(m->cells);
	for (size_t k = 0; m->labels && k < m->nbackends; k++)
		free(m->labels[k]);
	free(m->labels);
	free(m->backends);
	free(m->groups);
	memset(m, 0, sizeof(*m));
}

bool report_is_identifier(const char *unit)
{
	return !strcmp(unit, "id");
}

void report_fmt_identifier(char *out, size_t len, const struct result_entry *e)
{
	if (!e->nsamples) {
		snprintf(out, len, "–");
		return;
	}
	for (size_t i = 1; i < e->nsamples; i++)
		if (e->samples[i] != e->samples[0]) {
			snprintf(out, len, "mixed");
			return;
		}
	const char *name = results_entry_value_name(e, e->samples[0]);
	if (name)
		snprintf(out, len, "%s", name);
	else
		snprintf(out, len, "%.0f", e->samples[0]);
}

bool report_row_measured(const struct report_model *m, const struct report_row *row)
{
	for (size_t k = 0; k < m->nbackends; k++) {
		const struct report_cell *c = row->cells[k];
		if (c && (c->entry->nsamples > 0 || c->entry->status != RESULT_OK))
			return true;
	}
	return false;
}

void report_fmt_num(char *out, size_t len, double v)
{
	double a = fabs(v);
	if (!isfinite(v))
		snprintf(out, len, "–");
	else if (a >= 1000)
		snprintf(out, len, "%.0f", v);
	else if (a >= 100)
		snprintf(out, len, "%.1f", v);
	else if (a >= 10)
		snprintf(out, len, "%.2f", v);
	else if (a >= 0.01 || a == 0)
		snprintf(out, len, "%.3f", v);
	else
		snprintf(out, len, "%.3g", v);
}

void report_fmt_ms(char *out, size_t len, double ms)
{
	if (!isfinite(ms))
		snprintf(out, len, "–");
	else if (fabs(ms) >= 1000)
		snprintf(out, len, "%.0f", ms);
	else
		snprintf(out, len, "%.3g", ms);
}

void report_fmt_bytes(char *out, size_t len, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	if (!isfinite(bytes)) {
		snprintf(out, len, "–");
		return;
	}
	size_t u = 0;
	double v = bytes;
	while (fabs(v) >= 1024 && u + 1 < sizeof(units) / sizeof(units[0]))
		v /= 1024, u++;
	if (u == 0 || v == floor(v))
		snprintf(out, len, "%.0f %s", v, units[u]);
	else
		snprintf(out, len, "%.1f %s", v, units[u]);
}

const char *report_group_title(const char *group)
{
	static const char *const names[][2] = {
		{ "cpu", "CPU" },	  { "mem", "memory" },	       { "os", "OS" },
		{ "io.blk", "disk I/O" }, { "io.net", "network I/O" }, { "lifecycle", "lifecycle" }, { "vm", "VM exits" }
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(group, names[i][0]))
			return names[i][1];
	return group;
}

/* "cpu.sha256 single +52% (better)": the largest significant differences of a group. */
static void report_summary_named(const struct report_model *m, int bi, const char *group,
				 struct report_buf *b)
{
	enum { MAX_NAMED = 3 };
	const struct report_cell *top[MAX_NAMED];
	const struct report_row *toprow[MAX_NAMED];
	size_t ntop = 0, total = 0;
	for (size_t r = 0; r < m->nrows; r++) {
		const struct report_row *row = &m->rows[r];
		const struct report_cell *c = row->cells[bi];
		if (strcmp(row->group, group) || row->curve_bytes > 0 || !c || !c->has_ratio ||
		    !c->significant)
			continue;
		total++;
		/* keep the MAX_NAMED largest changes, largest first */
		size_t k = ntop < MAX_NAMED ? ntop++ : MAX_NAMED;
		while (k > 0 && fabs(log(top[k - 1]->perf)) < fabs(log(c->perf))) {
			if (k < MAX_NAMED)
				top[k] = top[k - 1], toprow[k] = toprow[k - 1];
			k--;
		}
		if (k < MAX_NAMED)
			top[k] = c, toprow[k] = row;
	}
	for (size_t k = 0; k < ntop; k++) {
		double pct = (top[k]->ratio - 1) * 100;
		report_buf_printf(b, "%s%s %s %s%.0f%% (%s)", k ? ", " : "", toprow[k]->workload,
				  toprow[k]->metric, pct < 0 ? "−" : "+", fabs(pct),
				  top[k]->perf > 1 ? "better" : "worse");
	}
	if (total > ntop)
		report_buf_printf(b, " and %zu more", total - ntop);
}

/* "CPU within 1% of native", "disk I/O performance 29% below native", ... */
static void report_summary_group(const struct report_model *m, int bi, const char *group,
				 struct report_buf *b, bool *first, const char **same,
				 size_t *nsame)
{
	double logsum = 0;
	size_t n = 0, sig = 0, unsupported = 0, failed = 0, alone = 0;
	/* what every measured metric of the group says about itself first (a note's first part, up
	 * to "; "), if they all say the same */
	const char *shared = NULL;
	size_t shared_len = 0;
	bool mixed = false;
	for (size_t r = 0; r < m->nrows; r++) {
		const struct report_row *row = &m->rows[r];
		/* start-up and overhead have their own words at the end of the summary */
		if (strcmp(row->group, group) || row->curve_bytes > 0 || row->host_side)
			continue;
		const struct report_cell *c = row->cells[bi];
		if (c && report_cell_measured(c)) {
			const char *note = c->entry->note, *end = strstr(note, "; ");
			size_t len = end ? (size_t)(end - note) : strlen(note);
			if (!shared)
				shared = note, shared_len = len;
			else if (len != shared_len || strncmp(shared, note, len))
				mixed = true;
		}
		if (c && c->entry->status == RESULT_UNSUPPORTED)
			unsupported++;
		/* a failure on either side leaves the metric out of the comparison */
		const struct report_cell *base = row->cells[0];
		if ((c && c->entry->status == RESULT_ERROR) ||
		    (c && base && base->entry->status == RESULT_ERROR))
			failed++;
		/* measured here, with nothing on the baseline to hold it against (vm.exit) */
		if (c && report_cell_measured(c) && !(base && report_cell_measured(base)))
			alone++;
		if (!c || !c->has_ratio)
			continue;
		logsum += log(c->perf);
		n++;
		sig += c->significant;
	}
	/* ssh's io.net: "network I/O (loopback on the remote host: ...)", not a network path */
	char titled[320];
	const char *title = report_group_title(group);
	bool noted = shared_len > 0 && !mixed;
	if (noted) {
		snprintf(titled, sizeof(titled), "%s (%.*s)", title, (int)shared_len, shared);
		title = titled;
	}
	if (n == 0 && unsupported == 0 && failed == 0)
		return;
	/* groups without a difference are named together at the end, unless something failed or
	 * the group's figures carry a note of their own */
	if (n > 0 && sig == 0 && failed == 0 && !noted) {
		same[(*nsame)++] = title;
		return;
	}
	report_buf_puts(b, *first ? "" : "; ");
	*first = false;
	if (n == 0 && alone > 0 && failed == 0) {
		report_buf_printf(b, "%s: %zu metric%s measured, none on %s to compare with", title,
				  alone, alone == 1 ? "" : "s", m->baseline);
		return;
	}
	if (n == 0) {
		report_buf_printf(b, "%s %s", title,
				  !failed	 ? "unsupported"
				  : !unsupported ? "failed"
						 : "failed or unsupported");
		return;
	}
	/* a failed metric has no ratio: the figure is of the others, and says so */
	if (sig == 0) {
		report_buf_printf(b, "%s: no significant difference from %s", title, m->baseline);
		if (failed)
			report_buf_printf(b, " (%zu failed metric%s not counted)", failed,
					  failed == 1 ? "" : "s");
		return;
	}
	double gm = exp(logsum / (double)n);
	if (sig * 2 < n) {
		/* a few differences do not make a group-wide figure: name them instead */
		report_buf_printf(b, "%s: significant differences in %zu of %zu metrics: ", title,
				  sig, n);
		report_summary_named(m, bi, group, b);
	} else if (fabs(gm - 1) < 0.01) {
		report_buf_printf(b, "%s within 1%% of %s", title, m->baseline);
	} else {
		report_buf_printf(b, "%s performance %.0f%% %s %s", title, fabs(gm - 1) * 100,
				  gm < 1 ? "below" : "above", m->baseline);
	}
	if (sig * 2 >= n && sig < n)
		report_buf_printf(b, " (significant for %zu of %zu metrics)", sig, n);
	if (failed)
		report_buf_printf(b, " (%zu failed metric%s not counted)", failed,
				  failed == 1 ? "" : "s");
}

/* "memory latency +12% beyond 32 MiB": the sizes from which the latency stays changed. */
static void report_summary_latency(const struct report_model *m, int bi, struct report_buf *b,
				   bool *first)
{
	const struct report_cell *cells[64];
	double sizes[64];
	size_t n = 0;
	for (size_t r = 0; r < m->nrows && n < 64; r++) {
		const struct report_row *row = &m->rows[r];
		double bytes = row->curve_bytes;
		if (bytes <= 0 || !row->cells[bi] || !row->cells[bi]->has_ratio)
			continue;
		/* insertion by size */
		size_t k = n++;
		while (k > 0 && sizes[k - 1] > bytes) {
			sizes[k] = sizes[k - 1];
			cells[k] = cells[k - 1];
			k--;
		}
		sizes[k] = bytes;
		cells[k] = row->cells[bi];
	}
	if (n == 0)
		return;
	report_buf_puts(b, *first ? "" : "; ");
	*first = false;
	/* a change counts when significant and at least 2%: smaller shifts are within cache noise */
	size_t from = n;
	int dir = 0;
	for (size_t k = n; k-- > 0;) {
		const struct report_cell *c = cells[k];
		int d = c->ratio > 1 ? 1 : -1;
		if (!c->significant || fabs(c->ratio - 1) < 0.02 || (dir && d != dir))
			break;
		dir = d;
		from = k;
	}
	size_t sig = 0;
	for (size_t k = 0; k < n; k++)
		sig += cells[k]->significant;
	if (from == n) {
		if (sig == 0)
			report_buf_puts(b, "memory latency: no significant difference");
		else
			report_buf_puts(
				b,
				"memory latency: no significant difference at the largest sizes");
		return;
	}
	double sum = 0;
	for (size_t k = from; k < n; k++)
		sum += cells[k]->ratio - 1;
	double pct = sum / (double)(n - from) * 100;
	if (from == 0) {
		report_buf_printf(b, "memory latency %+.0f%% at every size", pct);
	} else {
		char size[32];
		report_fmt_bytes(size, sizeof(size), sizes[from - 1]);
		report_buf_printf(b, "memory latency %+.0f%% beyond %s", pct, size);
	}
}

const struct report_cell *report_model_lifecycle(const struct report_model *m, int bi,
						 const char *metric)
{
	if (bi < 0)
		return NULL;
	for (size_t r = 0; r < m->nrows; r++) {
		const struct report_cell *c = m->rows[r].cells[bi];
		if (m->rows[r].host_side && !strcmp(m->rows[r].metric, metric) && c &&
		    c->entry->status == RESULT_OK && c->entry->nsamples > 0)
			return c;
	}
	return NULL;
}

void report_model_summary(const struct report_model *m, const char *backend, struct report_buf *b)
{
	int bi = report_model_backend_index(m, backend);
	const struct result_backend *rb = report_model_backend(m, backend);
	report_buf_printf(b, "%s%s: ", backend, bi == 0 ? " (baseline)" : "");
	if (rb && !rb->ran) {
		report_buf_printf(b, "did not run (%s)",
				  *rb->reason ? rb->reason : "no reason given");
		return;
	}
	bool first = true;
	if (bi > 0) {
		const char **same = calloc(m->ngroups + 1, sizeof(*same));
		size_t nsame = 0;
		for (size_t g = 0; g < m->ngroups && same; g++)
			report_summary_group(m, bi, m->groups[g], b, &first, same, &nsame);
		for (size_t k = 0; k < nsame; k++)
			report_buf_printf(b, "%s%s",
					  k == 0	   ? (first ? "" : "; ")
					  : k + 1 == nsame ? " and "
							   : ", ",
					  same[k]);
		if (nsame) {
			report_buf_printf(b, ": no significant difference from %s", m->baseline);
			first = false;
		}
		free(same);
		report_summary_latency(m, bi, b, &first);
		/* how many of the differences chance alone would explain */
		struct report_chance ch;
		report_model_chance(m, bi, &ch);
		if (ch.compared) {
			report_buf_printf(
				b,
				"%s%zu metrics compared: %zu differ%s at the %.0f%% level "
				"(chance alone would give about %.1f), %zu after "
				"false-discovery control",
				first ? "" : "; ", ch.compared, ch.nominal,
				ch.nominal == 1 ? "s" : "", REPORT_ALPHA * 100, ch.expected,
				ch.significant);
			first = false;
		}
	}
	/* repeated starts (host-side figures) say more than the one first start the backend timed */
	char num[32];
	const struct report_cell *ready = report_model_lifecycle(m, bi, "ready_ms");
	const struct report_cell *over = report_model_lifecycle(m, bi, "host_overhead_MiB");
	double ms = ready ? ready->median : rb ? rb->startup_ms : NAN;
	double bytes = over ? over->median * 1048576.0 : rb ? rb->host_overhead_bytes : NAN;
	if (isfinite(ms)) {
		report_fmt_ms(num, sizeof(num), ms);
		report_buf_printf(b, "%sready in %s ms", first ? "" : "; ", num);
		if (ready && ready->has_ratio)
			report_buf_printf(b, " (median of restarts, %.2fx %s%s)", ready->ratio,
					  m->baseline,
					  ready->significant ? "" : ", not significant");
		else if (ready)
			report_buf_puts(b, " (median of restarts)");
		first = false;
	}
	if (isfinite(bytes)) {
		report_fmt_bytes(num, sizeof(num), bytes);
		report_buf_printf(b, "%s%s host overhead", first ? "" : "; ", num);
		if (over && over->has_ratio && over->significant)
			report_buf_printf(b, " (%.2fx %s)", over->ratio, m->baseline);
		first = false;
	}
	if (first)
		report_buf_puts(b, "no figures");
}
