/* Checks on a finished run that say when its numbers need a caveat: sizes, clocks, limits. */
#include "analysis/checks.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"
#include "analysis/report-model.h"

/* STREAM's rule, and HPCC's for its table: at least this many times the last-level cache. */
#define CHECKS_LLC_MULTIPLE 4.0
/* The share of a region that must be on huge pages for "asked for huge pages" to hold. */
#define CHECKS_HUGE_SHARE 0.9
/* A VM's kernel reports a little less RAM than it was given; a cgroup limit is exact. */
#define CHECKS_MEMORY_SLACK 1.0625
/* Steal above this share of the CPU time a backend's samples used or lost: its CPU figures are
 * noisy (the threshold of issue 16, and where cloud guidance starts to worry). */
#define CHECKS_STEAL_SHARE 0.01
/* Other processes busy on a bare-metal backend's CPUs above this share of their time. */
#define CHECKS_OTHERS_SHARE 0.05
/* /proc/stat counts whole 10 ms ticks: below this much CPU time a share says too little. */
#define CHECKS_CPU_TIME_MIN_MS 2000.0

/* Append text to an entry's note ("; " between notes), once. */
static void checks_note(struct result_entry *e, const char *text)
{
	if (strstr(e->note, text))
		return;
	size_t used = strlen(e->note);
	snprintf(e->note + used, sizeof(e->note) - used, "%s%s", used ? "; " : "", text);
}

int checks_latency_step(const double *ns, const size_t *bytes, size_t n, size_t *below,
			size_t *above)
{
	double top = 0;
	for (size_t i = 0; i < n; i++)
		if (isfinite(ns[i]) && ns[i] > top)
			top = ns[i];
	/* The first point at half the memory level or more, if the point before is clearly lower. */
	size_t prev = n;
	for (size_t i = 0; i < n; i++) {
		if (!isfinite(ns[i]) || ns[i] <= 0)
			continue;
		if (ns[i] >= top / 2) {
			if (prev == n || ns[i] < 1.5 * ns[prev])
				return 0;
			*below = bytes[prev];
			*above = bytes[i];
			return 1;
		}
		prev = i;
	}
	return 0;
}

static void checks_entry_sizes(struct results_doc *doc, struct result_entry *e)
{
	char a[32], b[32], text[256];
	double multiple = results_entry_size(e, "llc_multiple");
	double llc = results_entry_size(e, "llc_bytes");
	if (multiple < CHECKS_LLC_MULTIPLE && llc > 0) {
		/* STREAM's rule is about each array, HPCC's about the table */
		const char *what =
			isnan(results_entry_size(e, "array_bytes")) ? "working set" : "each array";
		report_fmt_bytes(a, sizeof(a), multiple * llc);
		report_fmt_bytes(b, sizeof(b), llc);
		snprintf(text, sizeof(text),
			 "%s %s is %.2gx the LLC (%s), below 4x: partly measures the cache", what,
			 a, multiple, b);
		checks_note(e, text);
		results_add_warning(doc,
				    "%s: %s %s is below 4x the LLC (%s): the suite's max_bytes or "
				    "the --memory budget caps it, so it partly measures the cache",
				    e->workload, what, a, b);
	}
	double asked = results_entry_size(e, "thp_asked");
	double got = results_entry_size(e, "thp_bytes");
	double ws = results_entry_size(e, "working_set_bytes");
	if (isnan(ws))
		ws = results_entry_size(e, "working_set_max_bytes");
	if (asked == 1 && got >= 0 && ws > 0 && got < CHECKS_HUGE_SHARE * ws) {
		report_fmt_bytes(a, sizeof(a), got);
		report_fmt_bytes(b, sizeof(b), ws);
		snprintf(text, sizeof(text), "asked for huge pages, got %s of %s", a, b);
		checks_note(e, text);
	} else if (asked == 0 && got > 0) {
		report_fmt_bytes(a, sizeof(a), got);
		snprintf(text, sizeof(text), "asked for base pages, got %s on huge pages", a);
		checks_note(e, text);
	}
}

int checks_llc_verdict(uint64_t llc, uint64_t step_lo, uint64_t step_hi, uint64_t top, char *out,
		       size_t len)
{
	char l[32], lo[32], hi[32], t[32];
	report_fmt_bytes(l, sizeof(l), (double)llc);
	report_fmt_bytes(lo, sizeof(lo), (double)step_lo);
	report_fmt_bytes(hi, sizeof(hi), (double)step_hi);
	report_fmt_bytes(t, sizeof(t), (double)top);
	if (llc == 0) {
		snprintf(out, len, "not checked: hwloc reports no LLC size");
		return -1;
	}
	/* If hwloc is right, a curve to twice its LLC must show the step into memory. */
	if (top < 2 * llc) {
		if (step_hi)
			snprintf(out, len,
				 "not checked: mem.latency steps up between %s and %s, but its "
				 "curve ends at %s, below twice hwloc's LLC (%s)",
				 lo, hi, t, l);
		else
			snprintf(out, len,
				 "not checked: mem.latency's curve ends at %s, below twice "
				 "hwloc's LLC (%s)",
				 t, l);
		return -1;
	}
	if (!step_hi) {
		snprintf(out, len,
			 "hwloc's LLC (%s) disagrees with mem.latency: its curve up to %s shows no "
			 "step into memory",
			 l, t);
		return 0;
	}
	/* The sizes are 4x apart: the step brackets the LLC to within a factor of two. */
	if (step_lo <= 2 * llc && step_hi >= llc / 2) {
		snprintf(out, len,
			 "hwloc's LLC (%s) agrees with mem.latency: its curve steps up between %s "
			 "and %s",
			 l, lo, hi);
		return 1;
	}
	snprintf(out, len,
		 "hwloc's LLC (%s) disagrees with mem.latency: its curve steps up between %s and "
		 "%s",
		 l, lo, hi);
	return 0;
}

/* The latency curve of one backend (the baseline first) against hwloc's LLC. */
static void checks_llc(struct results_doc *doc)
{
	const char *backends[2] = { doc->config.baseline, NULL };
	for (size_t i = 0; i < doc->nentries && !backends[1]; i++)
		if (doc->entries[i].curve_bytes > 0 && doc->entries[i].status == RESULT_OK &&
		    doc->entries[i].nsamples)
			backends[1] = doc->entries[i].backend;
	for (int k = 0; k < 2; k++) {
		double ns[16];
		size_t bytes[16], n = 0;
		uint64_t top = 0;
		for (size_t i = 0; i < doc->nentries && n < 16; i++) {
			struct result_entry *e = &doc->entries[i];
			uint64_t size = (uint64_t)e->curve_bytes;
			if (!backends[k] || strcmp(e->backend, backends[k]) != 0 || !size ||
			    e->status != RESULT_OK || !e->nsamples || isnan(e->median))
				continue;
			ns[n] = e->median;
			bytes[n++] = (size_t)size;
			top = size > top ? size : top;
		}
		if (n < 2)
			continue;
		size_t lo = 0, hi = 0;
		if (!checks_latency_step(ns, bytes, n, &lo, &hi))
			lo = hi = 0;
		struct result_host *h = &doc->host;
		h->llc_step_lo_bytes = lo;
		h->llc_step_hi_bytes = hi;
		char verdict[200];
		int agree = checks_llc_verdict(h->llc_bytes, lo, hi, top, verdict, sizeof(verdict));
		snprintf(h->llc_check, sizeof(h->llc_check), "%s (%s)", verdict, backends[k]);
		if (agree == 0)
			results_add_warning(doc,
					    "%s; sizes relative to the LLC rest on hwloc's figure",
					    h->llc_check);
		return;
	}
}

/* What one backend's hello says: clock source, THP, the memory it could use. */
static void checks_backend(struct results_doc *doc, struct result_backend *b, char *thp_first,
			   size_t thp_len, const char **thp_owner)
{
	struct json_doc j;
	if (!b->ran || !b->hello_json ||
	    json_parse(&j, b->hello_json, strlen(b->hello_json), NULL) < 0)
		return;
	char clock[32] = "", thp[32] = "", limit[32] = "";
	json_member_string(&j, 0, "clocksource", clock, sizeof(clock));
	if (*clock && strcmp(clock, "tsc") != 0 && strcmp(clock, "kvm-clock") != 0)
		results_add_warning(doc,
				    "%s: the clock source is %s, not tsc or kvm-clock: every "
				    "timing there pays a slow clock read, and short intervals are "
				    "coarse",
				    b->name, clock);
	int t = json_find(&j, 0, "thp");
	if (t >= 0 && json_is_object(&j, t))
		json_member_string(&j, t, "enabled", thp, sizeof(thp));
	if (*thp && !*thp_first) {
		snprintf(thp_first, thp_len, "%s", thp);
		*thp_owner = b->name;
	} else if (*thp && strcmp(thp, thp_first) != 0) {
		results_add_warning(doc,
				    "transparent huge pages differ: %s on %s, %s on %s; the "
				    "memory workloads ask for the page size they want, and record "
				    "what they got",
				    thp_first, *thp_owner, thp, b->name);
	}
	double seen = json_member_number(&j, 0, "memory_bytes", NAN);
	int iso = json_find(&j, 0, "isolation");
	/* what the agent found wrong where it runs (the bare guest: a TSC rate KVM got wrong) */
	int warn = iso >= 0 && json_is_object(&j, iso) ? json_find(&j, iso, "warnings") : -1;
	for (int i = 0; warn >= 0 && json_is_array(&j, warn) && i < json_size(&j, warn); i++) {
		char text[300];
		int tok = json_array_get(&j, warn, i);
		if (tok >= 0 && json_get_string(&j, tok, text, sizeof(text)) == 0 && text[0])
			results_add_warning(doc, "%s: %s", b->name, text);
	}
	if (iso >= 0 && json_is_object(&j, iso) &&
	    json_member_string(&j, iso, "memory_limit", limit, sizeof(limit)) == 0 &&
	    strcmp(limit, "max") != 0) {
		double cg = strtod(limit, NULL);
		if (cg > 0 && (isnan(seen) || cg < seen))
			seen = cg;
	}
	json_doc_free(&j);
	if (!(seen > 0))
		return;
	b->memory_seen_bytes = seen;
	uint64_t asked = doc->config.memory_bytes;
	b->memory_limited = asked && seen <= CHECKS_MEMORY_SLACK * (double)asked;
	if (asked && !b->memory_limited) {
		char a[32], s[32];
		report_fmt_bytes(a, sizeof(a), (double)asked);
		report_fmt_bytes(s, sizeof(s), seen);
		results_add_warning(doc,
				    "%s: not limited to --memory %s (it could use %s); the "
				    "workloads were sized for %s all the same",
				    b->name, a, s, a);
	}
}

/* The counter series (workload, backend, name), or NULL. */
static const struct counter_series *checks_series(const struct results_doc *doc,
						  const char *workload, const char *backend,
						  const char *name)
{
	for (size_t i = 0; i < doc->ncounters; i++) {
		const struct counter_series *c = &doc->counters[i];
		if (!strcmp(c->workload, workload) && !strcmp(c->backend, backend) &&
		    !strcmp(c->name, name))
			return c;
	}
	return NULL;
}

static const char *checks_workload_group(const struct results_doc *doc, const char *workload)
{
	for (size_t i = 0; i < doc->nentries; i++)
		if (!strcmp(doc->entries[i].workload, workload))
			return doc->entries[i].group;
	return "";
}

/* Whether the workload of series i is the first series of its (workload, backend). */
static bool checks_first_of_workload(const struct results_doc *doc, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(doc->counters[j].workload, doc->counters[i].workload) &&
		    !strcmp(doc->counters[j].backend, doc->counters[i].backend))
			return false;
	return true;
}

void checks_cpu_time(const struct results_doc *doc, const char *backend, bool cpu_and_mem_only,
		     struct checks_cpu_time *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < doc->ncounters; i++) {
		const char *w = doc->counters[i].workload;
		if (strcmp(doc->counters[i].backend, backend) != 0 ||
		    !checks_first_of_workload(doc, i))
			continue;
		const char *group = checks_workload_group(doc, w);
		if (cpu_and_mem_only && strcmp(group, "cpu") != 0 && strcmp(group, "mem") != 0)
			continue;
		const struct counter_series *steal = checks_series(doc, w, backend, "steal_ms");
		const struct counter_series *busy = checks_series(doc, w, backend, "cpus_busy_ms");
		const struct counter_series *total =
			checks_series(doc, w, backend, "cpus_total_ms");
		const struct counter_series *own = checks_series(doc, w, backend, "task_clock_ns");
		if (!steal || !busy || !total || !own)
			continue;
		/* the same samples for every sum: one missing figure drops its sample */
		for (size_t k = 0; k < steal->nvalues && k < busy->nvalues && k < total->nvalues &&
				   k < own->nvalues;
		     k++) {
			double s = steal->values[k], b = busy->values[k], a = total->values[k],
			       o = own->values[k] / 1e6;
			if (!isfinite(s) || !isfinite(b) || !isfinite(a) || !isfinite(o))
				continue;
			t->steal_ms += s;
			t->busy_ms += b;
			t->total_ms += a;
			t->own_ms += o;
			t->samples++;
		}
	}
}

double checks_steal_share(const struct checks_cpu_time *t)
{
	double wanted = t->busy_ms + t->steal_ms;
	return wanted > 0 ? t->steal_ms / wanted : NAN;
}

double checks_others_share(const struct checks_cpu_time *t)
{
	if (!(t->total_ms > 0))
		return NAN;
	/* kernel work for the agent (interrupts, kworkers) counts as others': a little is normal */
	double others = t->busy_ms - t->own_ms;
	return others > 0 ? others / t->total_ms : 0;
}

/* Time other tenants (steal) and, on the machine itself, other processes took from the samples. */
static void checks_noise(struct results_doc *doc, const struct result_backend *b)
{
	struct checks_cpu_time t;
	checks_cpu_time(doc, b->name, false, &t);
	double steal = checks_steal_share(&t);
	if (t.busy_ms + t.steal_ms >= CHECKS_CPU_TIME_MIN_MS && steal > CHECKS_STEAL_SHARE)
		results_add_warning(
			doc,
			"%s lost %.1f%% of its CPU time to other tenants during this run "
			"(steal: %.1f s of %.1f s its CPUs used or wanted): its CPU "
			"results are noisy",
			b->name, 100 * steal, t.steal_ms / 1000, (t.busy_ms + t.steal_ms) / 1000);
	if (!b->bare_metal)
		return;
	/* cpu and mem only: I/O and network samples keep kernel threads and the peer server busy */
	checks_cpu_time(doc, b->name, true, &t);
	double others = checks_others_share(&t);
	if (t.total_ms >= CHECKS_CPU_TIME_MIN_MS && others > CHECKS_OTHERS_SHARE)
		results_add_warning(
			doc,
			"%s: other processes kept its CPUs %.1f%% busy during its cpu and "
			"mem samples (%.1f s of %.1f s, the agent's own time left out): "
			"its results are noisy; a quieter machine gives steadier figures",
			b->name, 100 * others, (t.busy_ms - t.own_ms) / 1000, t.total_ms / 1000);
}

void checks_run(struct results_doc *doc)
{
	char thp[32] = "";
	const char *owner = "";
	for (size_t i = 0; i < doc->nbackends; i++)
		checks_backend(doc, &doc->backends[i], thp, sizeof(thp), &owner);
	for (size_t i = 0; i < doc->nbackends; i++)
		checks_noise(doc, &doc->backends[i]);
	for (size_t i = 0; i < doc->nentries; i++)
		if (doc->entries[i].status == RESULT_OK)
			checks_entry_sizes(doc, &doc->entries[i]);
	checks_llc(doc);
}
