/* The results document (schema vbench-result/2): in memory, written atomically, read back. */
#include "analysis/results.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"
#include "common/file.h"
#include "common/json.h"
#include "analysis/stats.h"

#ifndef VBENCH_VERSION
#define VBENCH_VERSION "unknown"
#endif

const char *result_status_name(enum result_status s)
{
	switch (s) {
	case RESULT_OK: return "ok";
	case RESULT_ERROR: return "error";
	case RESULT_UNSUPPORTED: return "unsupported";
	}
	return "?";
}

const char *better_name(enum better b)
{
	return b == BETTER_HIGHER ? "higher" : "lower";
}

void results_init(struct results_doc *doc)
{
	memset(doc, 0, sizeof(*doc));
	snprintf(doc->schema, sizeof(doc->schema), "%s", RESULTS_SCHEMA);
	snprintf(doc->version, sizeof(doc->version), "%s", VBENCH_VERSION);
	doc->duration_s = NAN;
}

void results_free(struct results_doc *doc)
{
	for (size_t i = 0; i < doc->nbackends; i++)
		free(doc->backends[i].hello_json);
	free(doc->backends);
	for (size_t i = 0; i < doc->nentries; i++)
		free(doc->entries[i].samples);
	free(doc->entries);
	for (size_t i = 0; i < doc->ncounters; i++)
		free(doc->counters[i].values);
	free(doc->counters);
	free(doc->rounds);
	free(doc->warnings);
	memset(doc, 0, sizeof(*doc));
}

/* Grow *arr (of elements of size sz) so that it can hold one more than n. */
static int results_reserve(void **arr, size_t *cap, size_t n, size_t sz)
{
	if (n < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, ncap * sz);
	if (!p)
		return -1;
	*arr = p;
	*cap = ncap;
	return 0;
}

static struct result_entry *results_new_entry(struct results_doc *doc)
{
	if (results_reserve((void **)&doc->entries, &doc->entries_cap, doc->nentries,
			    sizeof(*doc->entries)) < 0)
		return NULL;
	struct result_entry *e = &doc->entries[doc->nentries++];
	memset(e, 0, sizeof(*e));
	e->median = e->ci_lo = e->ci_hi = e->cv = NAN;
	return e;
}

struct result_entry *results_find(struct results_doc *doc, const char *workload, const char *metric,
				  const char *backend)
{
	for (size_t i = 0; i < doc->nentries; i++) {
		struct result_entry *e = &doc->entries[i];
		if (!strcmp(e->workload, workload) && !strcmp(e->metric, metric) &&
		    !strcmp(e->backend, backend))
			return e;
	}
	return NULL;
}

struct result_entry *results_entry(struct results_doc *doc, const char *workload, const char *group,
				   const struct metric_def *m, const char *backend)
{
	struct result_entry *e = results_find(doc, workload, m->name, backend);
	if (e)
		return e;
	e = results_new_entry(doc);
	if (!e)
		return NULL;
	snprintf(e->workload, sizeof(e->workload), "%s", workload);
	snprintf(e->group, sizeof(e->group), "%s", group);
	snprintf(e->metric, sizeof(e->metric), "%s", m->name);
	snprintf(e->backend, sizeof(e->backend), "%s", backend);
	snprintf(e->unit, sizeof(e->unit), "%s", m->unit ? m->unit : "");
	e->better = m->better;
	e->status = RESULT_OK;
	e->io_percentile = (m->flags & METRIC_IO_PERCENTILE) != 0;
	e->curve_bytes = m->curve_bytes > 0 ? m->curve_bytes : 0;
	for (size_t v = 0; m->value_names && v < METRIC_MAX_VALUE_NAMES; v++)
		if (m->value_names[v])
			snprintf(e->value_names[v], sizeof(e->value_names[v]), "%s",
				 m->value_names[v]);
	return e;
}

const char *results_entry_value_name(const struct result_entry *e, double value)
{
	if (!(value >= 0 && value < METRIC_MAX_VALUE_NAMES) || value != floor(value))
		return NULL;
	const char *name = e->value_names[(size_t)value];
	return *name ? name : NULL;
}

static int results_push_double(double **arr, size_t *n, size_t *cap, double v)
{
	if (results_reserve((void **)arr, cap, *n, sizeof(**arr)) < 0)
		return -1;
	(*arr)[(*n)++] = v;
	return 0;
}

int results_add_sample(struct result_entry *e, double value)
{
	return results_push_double(&e->samples, &e->nsamples, &e->cap, value);
}

static struct counter_series *results_counter_series(struct results_doc *doc, const char *workload,
						     const char *backend, const char *name)
{
	for (size_t i = 0; i < doc->ncounters; i++) {
		struct counter_series *c = &doc->counters[i];
		if (!strcmp(c->workload, workload) && !strcmp(c->backend, backend) &&
		    !strcmp(c->name, name))
			return c;
	}
	if (results_reserve((void **)&doc->counters, &doc->counters_cap, doc->ncounters,
			    sizeof(*doc->counters)) < 0)
		return NULL;
	struct counter_series *c = &doc->counters[doc->ncounters++];
	memset(c, 0, sizeof(*c));
	snprintf(c->workload, sizeof(c->workload), "%s", workload);
	snprintf(c->backend, sizeof(c->backend), "%s", backend);
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

int results_add_counter(struct results_doc *doc, const char *workload, const char *backend,
			const char *name, double value)
{
	struct counter_series *c = results_counter_series(doc, workload, backend, name);
	if (!c)
		return -1;
	return results_push_double(&c->values, &c->nvalues, &c->cap, value);
}

int results_add_round(struct results_doc *doc, const char *workload, unsigned round, bool warmup,
		      const char *order)
{
	if (results_reserve((void **)&doc->rounds, &doc->rounds_cap, doc->nrounds,
			    sizeof(*doc->rounds)) < 0)
		return -1;
	struct round_record *rr = &doc->rounds[doc->nrounds++];
	memset(rr, 0, sizeof(*rr));
	snprintf(rr->workload, sizeof(rr->workload), "%s", workload);
	rr->round = round;
	rr->warmup = warmup;
	snprintf(rr->order, sizeof(rr->order), "%s", order);
	return 0;
}

int results_entry_add_size(struct result_entry *e, const char *name, double value)
{
	if (isnan(value) || strlen(name) >= sizeof(e->sizes[0].name))
		return -1;
	for (unsigned i = 0; i < e->nsizes; i++) {
		if (strcmp(e->sizes[i].name, name) == 0) {
			/* sizes that adapt to timing (loads until 10 ms) vary: keep the least */
			if (value < e->sizes[i].value)
				e->sizes[i].value = value;
			return 0;
		}
	}
	if (e->nsizes >= RESULT_MAX_SIZES)
		return -1;
	snprintf(e->sizes[e->nsizes].name, sizeof(e->sizes[0].name), "%s", name);
	e->sizes[e->nsizes++].value = value;
	return 0;
}

double results_entry_size(const struct result_entry *e, const char *name)
{
	for (unsigned i = 0; i < e->nsizes; i++)
		if (strcmp(e->sizes[i].name, name) == 0)
			return e->sizes[i].value;
	return NAN;
}

int results_add_warning(struct results_doc *doc, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < doc->nwarnings; i++)
		if (strcmp(doc->warnings[i], text) == 0)
			return 0;
	if (results_reserve((void **)&doc->warnings, &doc->warnings_cap, doc->nwarnings,
			    sizeof(*doc->warnings)) < 0)
		return -1;
	memcpy(doc->warnings[doc->nwarnings++], text, sizeof(text));
	return 0;
}

/* FNV-1a over the entry's names: each entry gets its own stream, independent of its position. */
uint64_t results_entry_seed(const struct result_entry *e, uint64_t seed)
{
	const char *parts[] = { e->workload, e->metric, e->backend };
	uint64_t h = 0xcbf29ce484222325ULL ^ seed;
	for (size_t p = 0; p < 3; p++) {
		for (const unsigned char *s = (const unsigned char *)parts[p]; *s; s++)
			h = (h ^ *s) * 0x100000001b3ULL;
		h = (h ^ 0xff) * 0x100000001b3ULL;
	}
	return h;
}

void results_compute(struct results_doc *doc, uint64_t seed)
{
	(void)seed; /* the exact interval draws no random numbers: the same samples, the same answer */
	for (size_t i = 0; i < doc->nentries; i++) {
		struct result_entry *e = &doc->entries[i];
		e->median = stats_median(e->samples, e->nsamples);
		/* exact, not bootstrap: a bootstrap "95%" of 5 samples is [min, max] at 93.75% */
		e->ci_coverage =
			stats_median_ci(e->samples, e->nsamples, 0.95, &e->ci_lo, &e->ci_hi);
		e->cv = stats_cv(e->samples, e->nsamples);
	}
}

/* ---- writing ---- */

/* Unsigned 64-bit values (seeds) exceed int64 and double precision; print them exactly. */
static void results_kv_u64(struct json_writer *w, const char *key, uint64_t v)
{
	char b[32];
	snprintf(b, sizeof(b), "%" PRIu64, v);
	json_key(w, key);
	json_raw(w, b);
}

static void results_write_hello(struct json_writer *w, const char *hello)
{
	json_key(w, "hello");
	struct json_doc j;
	/* only a well-formed object may go in verbatim, or the whole file would be unreadable */
	if (hello && json_parse(&j, hello, strlen(hello), NULL) == 0) {
		bool is_object = json_is_object(&j, 0);
		json_doc_free(&j);
		if (is_object) {
			json_raw(w, hello);
			return;
		}
	}
	json_null(w);
}

static void results_write_doubles(struct json_writer *w, const char *key, const double *v, size_t n)
{
	json_key(w, key);
	json_array_begin(w);
	for (size_t i = 0; i < n; i++)
		json_number(w, v[i]);
	json_array_end(w);
}

static void results_write_round(struct json_writer *w, const struct round_record *rr)
{
	json_object_begin(w);
	json_kv_string(w, "workload", rr->workload);
	json_kv_int(w, "round", rr->round);
	json_kv_bool(w, "warmup", rr->warmup);
	json_key(w, "order");
	json_array_begin(w);
	for (const char *name = rr->order; *name;) {
		size_t len = strcspn(name, ",");
		char one[sizeof(rr->order)];
		snprintf(one, sizeof(one), "%.*s", (int)len, name);
		json_string(w, one);
		name += len + (name[len] == ',');
	}
	json_array_end(w);
	json_object_end(w);
}

static void results_write_host(struct json_writer *w, const struct result_host *h)
{
	json_key(w, "host");
	json_object_begin(w);
	json_kv_string(w, "hostname", h->hostname);
	json_kv_string(w, "kernel", h->kernel);
	json_kv_string(w, "cpu_model", h->cpu_model);
	json_key(w, "topology");
	json_object_begin(w);
	json_kv_int(w, "packages", h->packages);
	json_kv_int(w, "cores", h->cores);
	json_kv_int(w, "pus", h->pus);
	json_kv_int(w, "numa_nodes", h->numa_nodes);
	results_kv_u64(w, "l1d_bytes", h->l1d_bytes);
	results_kv_u64(w, "l2_bytes", h->l2_bytes);
	results_kv_u64(w, "llc_bytes", h->llc_bytes);
	json_object_end(w);
	json_kv_string(w, "kvm", h->kvm);
	json_kv_string(w, "cgroup_mode", h->cgroup_mode);
	json_kv_bool(w, "hw_counters", h->hw_counters);
	json_kv_string(w, "counters_note", h->counters_note);
	json_key(w, "llc_step_bytes");
	json_array_begin(w);
	if (h->llc_step_hi_bytes) {
		json_int(w, (int64_t)h->llc_step_lo_bytes);
		json_int(w, (int64_t)h->llc_step_hi_bytes);
	}
	json_array_end(w);
	json_kv_string(w, "llc_check", h->llc_check);
	json_object_end(w);
}

static void results_write_config(struct json_writer *w, const struct result_config *c)
{
	json_key(w, "config");
	json_object_begin(w);
	json_kv_string(w, "suite", suite_name(c->suite));
	json_kv_int(w, "cpus", c->cpus);
	json_kv_string(w, "cpu_list", c->cpu_list);
	results_kv_u64(w, "memory_bytes", c->memory_bytes);
	json_kv_int(w, "repeat", c->repeat);
	json_kv_int(w, "warmup", c->warmup);
	results_kv_u64(w, "seed", c->seed);
	json_kv_string(w, "baseline", c->baseline);
	json_kv_string(w, "workloads", c->workloads);
	json_object_end(w);
}

/* What the entry's workload declared of the metric (results/README.md, results[]). */
static void results_write_declared(struct json_writer *w, const struct result_entry *e)
{
	json_kv_bool(w, "host_side", e->host_side);
	json_kv_bool(w, "io_percentile", e->io_percentile);
	json_kv_number(w, "curve_bytes", e->curve_bytes);
	size_t n = METRIC_MAX_VALUE_NAMES;
	while (n > 0 && !*e->value_names[n - 1])
		n--;
	json_key(w, "value_names");
	json_array_begin(w);
	for (size_t v = 0; v < n; v++)
		json_string(w, e->value_names[v]);
	json_array_end(w);
}

char *results_to_json(const struct results_doc *doc, size_t *len)
{
	struct json_writer w;
	json_writer_init(&w);
	json_object_begin(&w);
	json_kv_string(&w, "schema", RESULTS_SCHEMA);
	json_kv_string(&w, "vbench_version", doc->version);
	json_kv_string(&w, "start_time", doc->start_time);
	json_kv_number(&w, "duration_s", doc->duration_s);
	json_kv_bool(&w, "interrupted", doc->interrupted);
	results_write_host(&w, &doc->host);
	results_write_config(&w, &doc->config);

	json_key(&w, "backends");
	json_array_begin(&w);
	for (size_t i = 0; i < doc->nbackends; i++) {
		const struct result_backend *b = &doc->backends[i];
		json_object_begin(&w);
		json_kv_string(&w, "name", b->name);
		json_kv_bool(&w, "ran", b->ran);
		json_kv_string(&w, "reason", b->reason);
		json_kv_string(&w, "details", b->details);
		if (b->mode[0])
			json_kv_string(&w, "mode", b->mode);
		json_kv_number(&w, "startup_ms", b->startup_ms);
		json_kv_number(&w, "host_overhead_bytes", b->host_overhead_bytes);
		json_kv_number(&w, "memory_seen_bytes", b->memory_seen_bytes);
		json_kv_bool(&w, "memory_limited", b->memory_limited);
		json_kv_bool(&w, "bare_metal", b->bare_metal);
		results_write_hello(&w, b->hello_json);
		json_object_end(&w);
	}
	json_array_end(&w);

	json_key(&w, "results");
	json_array_begin(&w);
	for (size_t i = 0; i < doc->nentries; i++) {
		const struct result_entry *e = &doc->entries[i];
		json_object_begin(&w);
		json_kv_string(&w, "workload", e->workload);
		json_kv_string(&w, "group", e->group);
		json_kv_string(&w, "metric", e->metric);
		json_kv_string(&w, "backend", e->backend);
		json_kv_string(&w, "unit", e->unit);
		json_kv_string(&w, "better", better_name(e->better));
		json_kv_string(&w, "status", result_status_name(e->status));
		json_kv_string(&w, "note", e->note);
		results_write_doubles(&w, "samples", e->samples, e->nsamples);
		json_kv_number(&w, "median", e->median);
		double ci[2] = { e->ci_lo, e->ci_hi };
		results_write_doubles(&w, "ci95", ci, 2);
		json_kv_number(&w, "cv", e->cv);
		json_kv_number(&w, "ci_coverage", e->ci_coverage);
		json_key(&w, "sizes");
		json_object_begin(&w);
		for (unsigned k = 0; k < e->nsizes; k++)
			json_kv_number(&w, e->sizes[k].name, e->sizes[k].value);
		json_object_end(&w);
		results_write_declared(&w, e);
		json_object_end(&w);
	}
	json_array_end(&w);

	json_key(&w, "counters");
	json_array_begin(&w);
	for (size_t i = 0; i < doc->ncounters; i++) {
		const struct counter_series *c = &doc->counters[i];
		json_object_begin(&w);
		json_kv_string(&w, "workload", c->workload);
		json_kv_string(&w, "backend", c->backend);
		json_kv_string(&w, "name", c->name);
		results_write_doubles(&w, "values", c->values, c->nvalues);
		json_object_end(&w);
	}
	json_array_end(&w);

	json_key(&w, "rounds");
	json_array_begin(&w);
	for (size_t i = 0; i < doc->nrounds; i++)
		results_write_round(&w, &doc->rounds[i]);
	json_array_end(&w);
	json_key(&w, "warnings");
	json_array_begin(&w);
	for (size_t i = 0; i < doc->nwarnings; i++)
		json_string(&w, doc->warnings[i]);
	json_array_end(&w);
	json_object_end(&w);
	/* a trailing newline keeps the file friendly to line-based tools */
	json_raw(&w, "\n");
	return json_writer_take(&w, len);
}

int results_write_file(const struct results_doc *doc, const char *path, struct vb_error *err)
{
	size_t len;
	cleanup_free char *text = results_to_json(doc, &len);
	if (!text)
		return error_set(err, "%s: out of memory serialising results", path);
	return file_write_atomic(path, text, len, err);
}
