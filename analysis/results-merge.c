/* Runs from several machines as one document, so that reports show them side by side. */
#include "analysis/results-merge.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/report-buf.h"

static bool merge_has_results(const struct results_doc *doc, const char *backend)
{
	for (size_t i = 0; i < doc->nentries; i++)
		if (!strcmp(doc->entries[i].backend, backend))
			return true;
	return false;
}

int results_check_baseline(const struct results_doc *doc, const char *baseline,
			   struct vb_error *err)
{
	if (merge_has_results(doc, baseline))
		return 0;
	struct report_buf have;
	report_buf_init(&have);
	for (size_t i = 0; i < doc->nbackends; i++)
		if (merge_has_results(doc, doc->backends[i].name))
			report_buf_printf(&have, "%s%s", have.text ? ", " : "",
					  doc->backends[i].name);
	error_set(err, "no backend named \"%s\" has results here (these do: %s)", baseline,
		  have.text ? have.text : "none");
	report_buf_free(&have);
	return -1;
}

/* run i's prefix: its host name, "host#i" when an earlier run has that name, "runI" when none */
static void merge_prefix(const struct results_doc *const *docs, size_t i, char *out, size_t len)
{
	const char *host = docs[i]->host.hostname;
	bool earlier = false;
	for (size_t j = 0; j < i && !earlier; j++)
		earlier = !strcmp(docs[j]->host.hostname, host);
	if (!*host)
		snprintf(out, len, "run%zu", i + 1);
	else if (earlier)
		snprintf(out, len, "%.20s#%zu", host, i + 1);
	else
		snprintf(out, len, "%s", host);
}

/* "prefix:label" in out (a backend name's size); -1 when it does not fit */
static int merge_name(const char *prefix, const char *label, char *out, size_t len,
		      struct vb_error *err)
{
	if ((size_t)snprintf(out, len, "%s:%s", prefix, label) >= len)
		return error_set(err,
				 "the backend name \"%s:%s\" is longer than %zu characters: "
				 "shorten the host name",
				 prefix, label, len - 1);
	return 0;
}

static int merge_resolve_baseline(struct results_doc *out, const struct results_doc *const *docs,
				  const char *prefix0, const char *baseline, struct vb_error *err)
{
	char want[sizeof(out->config.baseline)];
	if (!baseline) {
		/* the first run's own baseline, when it has one with results */
		if (!*docs[0]->config.baseline)
			return 0;
		if (merge_name(prefix0, docs[0]->config.baseline, want, sizeof(want), err) < 0)
			return -1;
		if (merge_has_results(out, want))
			snprintf(out->config.baseline, sizeof(out->config.baseline), "%s", want);
		return 0;
	}
	if (merge_has_results(out, baseline)) {
		snprintf(out->config.baseline, sizeof(out->config.baseline), "%s", baseline);
		return 0;
	}
	/* a plain label names the one run's backend that has it */
	const char *found = NULL;
	size_t count = 0;
	for (size_t i = 0; i < out->nbackends && !strchr(baseline, ':'); i++) {
		const char *label = strchr(out->backends[i].name, ':');
		if (label && !strcmp(label + 1, baseline) &&
		    merge_has_results(out, out->backends[i].name))
			found = found ? found : out->backends[i].name, count++;
	}
	if (count == 1) {
		snprintf(out->config.baseline, sizeof(out->config.baseline), "%s", found);
		return 0;
	}
	if (count > 1)
		return error_set(err,
				 "--baseline %s is ambiguous: %zu runs have it; name one as "
				 "HOST:LABEL",
				 baseline, count);
	return results_check_baseline(out, baseline, err);
}

/* One warning per configuration field in which some run differs from the first. */
static void merge_caveats(struct results_doc *out, const struct results_doc *const *docs,
			  const char *const *names, size_t n)
{
	enum { SUITE, SEED, CPUS, MEMORY, REPEAT, WARMUP, WORKLOADS, NFIELDS };
	static const char *const what[NFIELDS] = { "suite (workload sizes differ)",
						   "seed",
						   "CPUs per backend",
						   "--memory (memory workloads are sized from it)",
						   "samples per measurement",
						   "warm-up samples",
						   "workloads asked for" };
	for (int f = 0; f < NFIELDS; f++) {
		char first[256] = "";
		bool differ = false;
		struct report_buf line;
		report_buf_init(&line);
		for (size_t i = 0; i < n; i++) {
			const struct result_config *c = &docs[i]->config;
			char v[256];
			switch (f) {
			case SUITE: snprintf(v, sizeof(v), "%s", suite_name(c->suite)); break;
			case SEED: snprintf(v, sizeof(v), "%" PRIu64, c->seed); break;
			case CPUS: snprintf(v, sizeof(v), "%u", c->cpus); break;
			case MEMORY:
				snprintf(v, sizeof(v), "%" PRIu64 " MiB", c->memory_bytes >> 20);
				break;
			case REPEAT: snprintf(v, sizeof(v), "%u", c->repeat); break;
			case WARMUP: snprintf(v, sizeof(v), "%u", c->warmup); break;
			default: snprintf(v, sizeof(v), "%s", *c->workloads ? c->workloads : "all");
			}
			if (i == 0)
				snprintf(first, sizeof(first), "%s", v);
			differ |= strcmp(v, first) != 0;
			report_buf_printf(&line, "%s%s (%s)", i ? ", " : "", v, names[i]);
		}
		if (differ && line.text)
			results_add_warning(out, "the runs differ in %s: %s", what[f], line.text);
		report_buf_free(&line);
	}
	bool machines = false;
	for (size_t i = 1; i < n; i++)
		machines |= strcmp(docs[i]->host.hostname, docs[0]->host.hostname) ||
			    strcmp(docs[i]->host.cpu_model, docs[0]->host.cpu_model);
	if (machines)
		results_add_warning(out,
				    "the runs come from different machines: a ratio between "
				    "backends of two machines compares the machines as well as the "
				    "backends, and the samples were not interleaved between them");
}

int results_merge_source(const struct results_doc *const *docs, size_t n, const char *backend)
{
	for (size_t i = 0; i < n; i++) {
		char prefix[80];
		merge_prefix(docs, i, prefix, sizeof(prefix));
		size_t len = strlen(prefix);
		if (!strncmp(backend, prefix, len) && backend[len] == ':')
			return (int)i;
	}
	return -1;
}

static int merge_copy_doubles(double **dst, size_t *cap, const double *src, size_t n)
{
	*dst = NULL;
	*cap = 0;
	if (!n)
		return 0;
	if (!(*dst = malloc(n * sizeof(**dst))))
		return -1;
	memcpy(*dst, src, n * sizeof(**dst));
	*cap = n;
	return 0;
}

int results_merge(struct results_doc *out, const struct results_doc *const *docs,
		  const char *const *names, size_t n, const char *baseline, struct vb_error *err)
{
	results_init(out);
	if (n == 0)
		return error_set(err, "no runs to merge");
	size_t nb = 0, ne = 0, nc = 0;
	for (size_t i = 0; i < n; i++)
		nb += docs[i]->nbackends + docs[i]->nentries, ne += docs[i]->nentries,
			nc += docs[i]->ncounters;
	out->backends = calloc(nb + 1, sizeof(*out->backends));
	out->entries = calloc(ne + 1, sizeof(*out->entries));
	out->counters = calloc(nc + 1, sizeof(*out->counters));
	char(*prefix)[80] = calloc(n, sizeof(*prefix));
	if (!out->backends || !out->entries || !out->counters || !prefix)
		goto oom;
	out->entries_cap = ne + 1;
	out->counters_cap = nc + 1;
	snprintf(out->version, sizeof(out->version), "%s", docs[0]->version);
	snprintf(out->start_time, sizeof(out->start_time), "%s", docs[0]->start_time);
	out->config = docs[0]->config;
	out->config.baseline[0] = '\0';
	bool same_host = true;
	for (size_t i = 0; i < n; i++) {
		const struct results_doc *d = docs[i];
		merge_prefix(docs, i, prefix[i], sizeof(prefix[i]));
		same_host &= !strcmp(d->host.hostname, docs[0]->host.hostname) &&
			     !strcmp(d->host.cpu_model, docs[0]->host.cpu_model);
		out->interrupted |= d->interrupted;
		/* the exact test's smallest p follows the fewest samples */
		if (d->config.repeat < out->config.repeat)
			out->config.repeat = d->config.repeat;
		char name[sizeof(out->backends[0].name)];
		for (size_t k = 0; k < d->nbackends; k++) {
			struct result_backend *b = &out->backends[out->nbackends];
			*b = d->backends[k];
			b->hello_json = NULL;
			if (merge_name(prefix[i], d->backends[k].name, b->name, sizeof(b->name),
				       err) < 0)
				goto fail;
			out->nbackends++;
			if (d->backends[k].hello_json &&
			    !(b->hello_json = strdup(d->backends[k].hello_json)))
				goto oom;
		}
		for (size_t k = 0; k < d->nentries; k++) {
			struct result_entry *e = &out->entries[out->nentries];
			*e = d->entries[k];
			e->samples = NULL;
			if (merge_name(prefix[i], d->entries[k].backend, name, sizeof(name), err) <
			    0)
				goto fail;
			snprintf(e->backend, sizeof(e->backend), "%s", name);
			out->nentries++;
			if (merge_copy_doubles(&e->samples, &e->cap, d->entries[k].samples,
					       d->entries[k].nsamples) < 0)
				goto oom;
			/* an entry of a backend the run does not list still gets a column */
			bool listed = false;
			for (size_t b = 0; b < out->nbackends && !listed; b++)
				listed = !strcmp(out->backends[b].name, name);
			if (!listed) {
				struct result_backend *b = &out->backends[out->nbackends++];
				memset(b, 0, sizeof(*b));
				snprintf(b->name, sizeof(b->name), "%s", name);
				b->ran = true;
			}
		}
		for (size_t k = 0; k < d->ncounters; k++) {
			struct counter_series *c = &out->counters[out->ncounters];
			*c = d->counters[k];
			c->values = NULL;
			if (merge_name(prefix[i], d->counters[k].backend, name, sizeof(name), err) <
			    0)
				goto fail;
			snprintf(c->backend, sizeof(c->backend), "%s", name);
			out->ncounters++;
			if (merge_copy_doubles(&c->values, &c->cap, d->counters[k].values,
					       d->counters[k].nvalues) < 0)
				goto oom;
		}
	}
	if (same_host)
		out->host = docs[0]->host;
	for (size_t i = 0; i < out->nbackends; i++)
		for (size_t j = 0; j < i; j++)
			if (!strcmp(out->backends[i].name, out->backends[j].name)) {
				error_set(err, "two backends are named %s once merged",
					  out->backends[i].name);
				goto fail;
			}
	if (merge_resolve_baseline(out, docs, prefix[0], baseline, err) < 0)
		goto fail;
	merge_caveats(out, docs, names, n);
	free(prefix);
	return 0;
oom:
	error_set(err, "out of memory merging the runs");
fail:
	free(prefix);
	results_free(out);
	return -1;
}
