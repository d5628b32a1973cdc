/* Reading a results file back: every field checked for presence and type, never trusted. */
#include "analysis/results.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.h"

/* A results file larger than this is not something vbench wrote. */
#define RESULTS_MAX_FILE_BYTES (512u << 20)

/* Reading context: the parsed text and where in the document we are, for messages. */
struct results_reader {
	const struct json_doc *j;
	struct vb_error *err;
	bool declared; /* the file records what workloads and backends declare (host_side, ...) */
};

static int results_bad(struct results_reader *r, const char *where, const char *key,
		       const char *what)
{
	return error_set(r->err, "%s%s%s %s", where, *where ? "." : "", key, what);
}

/* Value token of key; -1 with an error when required and absent, -2 when optional and absent. */
static int results_member(struct results_reader *r, int obj, const char *where, const char *key,
			  bool required)
{
	int t = json_find(r->j, obj, key);
	if (t >= 0)
		return t;
	if (required)
		return results_bad(r, where, key, "is missing");
	return -2;
}

static int results_read_string(struct results_reader *r, int obj, const char *where,
			       const char *key, char *out, size_t len, bool required)
{
	out[0] = '\0';
	int t = results_member(r, obj, where, key, required);
	if (t == -2)
		return 0;
	if (t < 0)
		return -1;
	if (!json_is_string(r->j, t))
		return results_bad(r, where, key, "is not a string");
	if (json_get_string(r->j, t, out, len) < 0) {
		char what[64];
		snprintf(what, sizeof(what), "is longer than %zu bytes", len - 1);
		return results_bad(r, where, key, what);
	}
	return 0;
}

/* A number, or null for "not known" (NaN). */
static int results_read_number(struct results_reader *r, int obj, const char *where,
			       const char *key, double *out, bool required)
{
	*out = NAN;
	int t = results_member(r, obj, where, key, required);
	if (t == -2)
		return 0;
	if (t < 0)
		return -1;
	if (json_get_number(r->j, t, out) < 0)
		return results_bad(r, where, key, "is not a number");
	return 0;
}

static int results_read_bool(struct results_reader *r, int obj, const char *where, const char *key,
			     bool *out, bool required)
{
	*out = false;
	int t = results_member(r, obj, where, key, required);
	if (t == -2)
		return 0;
	if (t < 0)
		return -1;
	if (json_get_bool(r->j, t, out) < 0)
		return results_bad(r, where, key, "is not true or false");
	return 0;
}

/* Non-negative integers are parsed from the text so 64-bit values survive exactly. */
static int results_read_u64(struct results_reader *r, int obj, const char *where, const char *key,
			    uint64_t max, uint64_t *out, bool required)
{
	*out = 0;
	int t = results_member(r, obj, where, key, required);
	if (t == -2)
		return 0;
	if (t < 0)
		return -1;
	const jsmntok_t *tok = &r->j->tokens[t];
	const char *s = r->j->text + tok->start;
	int l = tok->end - tok->start;
	char b[32];
	bool digits = tok->type == JSMN_PRIMITIVE && l > 0 && l < (int)sizeof(b);
	for (int i = 0; digits && i < l; i++)
		digits = s[i] >= '0' && s[i] <= '9';
	if (!digits)
		return results_bad(r, where, key, "is not a non-negative integer");
	memcpy(b, s, (size_t)l);
	b[l] = '\0';
	errno = 0;
	unsigned long long v = strtoull(b, NULL, 10);
	if (errno == ERANGE || v > max)
		return results_bad(r, where, key, "is out of range");
	*out = v;
	return 0;
}

static int results_read_unsigned(struct results_reader *r, int obj, const char *where,
				 const char *key, unsigned *out, bool required)
{
	uint64_t v;
	if (results_read_u64(r, obj, where, key, UINT_MAX, &v, required) < 0)
		return -1;
	*out = (unsigned)v;
	return 0;
}

/* An array member checked for type; returns its token, -2 when optional and absent. */
static int results_read_array(struct results_reader *r, int obj, const char *where, const char *key,
			      bool required)
{
	int t = results_member(r, obj, where, key, required);
	if (t < 0)
		return t;
	if (!json_is_array(r->j, t))
		return results_bad(r, where, key, "is not an array");
	return t;
}

/* An array of numbers (null = NaN) into a malloc'd vector. */
static int results_read_doubles(struct results_reader *r, int obj, const char *where,
				const char *key, double **out, size_t *n, size_t *cap)
{
	*out = NULL;
	*n = *cap = 0;
	int arr = results_read_array(r, obj, where, key, true);
	if (arr < 0)
		return -1;
	int count = json_size(r->j, arr);
	if (count == 0)
		return 0;
	*out = malloc((size_t)count * sizeof(**out));
	if (!*out)
		return error_set(r->err, "out of memory reading %s.%s", where, key);
	*cap = (size_t)count;
	int tok = arr + 1;
	for (int i = 0; i < count; i++) {
		if (json_get_number(r->j, tok, &(*out)[i]) < 0) {
			char what[64];
			snprintf(what, sizeof(what), "[%d] is not a number", i);
			return error_set(r->err, "%s.%s%s", where, key, what);
		}
		*n = (size_t)i + 1;
		tok = json_skip(r->j, tok);
	}
	return 0;
}

static int results_read_object(struct results_reader *r, int obj, const char *where,
			       const char *key)
{
	int t = results_member(r, obj, where, key, true);
	if (t < 0)
		return -1;
	if (!json_is_object(r->j, t))
		return results_bad(r, where, key, "is not an object");
	return t;
}

static int results_read_host(struct results_reader *r, int root, struct result_host *h)
{
	int o = results_read_object(r, root, "", "host");
	if (o < 0)
		return -1;
	if (results_read_string(r, o, "host", "hostname", h->hostname, sizeof(h->hostname), false) <
		    0 ||
	    results_read_string(r, o, "host", "kernel", h->kernel, sizeof(h->kernel), false) < 0 ||
	    results_read_string(r, o, "host", "cpu_model", h->cpu_model, sizeof(h->cpu_model),
				false) < 0 ||
	    results_read_string(r, o, "host", "kvm", h->kvm, sizeof(h->kvm), false) < 0 ||
	    results_read_string(r, o, "host", "cgroup_mode", h->cgroup_mode, sizeof(h->cgroup_mode),
				false) < 0 ||
	    results_read_bool(r, o, "host", "hw_counters", &h->hw_counters, false) < 0 ||
	    results_read_string(r, o, "host", "counters_note", h->counters_note,
				sizeof(h->counters_note), false) < 0 ||
	    results_read_string(r, o, "host", "llc_check", h->llc_check, sizeof(h->llc_check),
				false) < 0)
		return -1;
	int step = json_find(r->j, o, "llc_step_bytes");
	if (step >= 0) {
		int64_t lo, hi;
		if (!json_is_array(r->j, step) ||
		    (json_size(r->j, step) != 0 && json_size(r->j, step) != 2))
			return results_bad(r, "host", "llc_step_bytes", "is not [] or [lo, hi]");
		if (json_size(r->j, step) == 2) {
			if (json_get_int(r->j, step + 1, &lo) < 0 ||
			    json_get_int(r->j, step + 2, &hi) < 0 || lo < 0 || hi < lo)
				return results_bad(r, "host", "llc_step_bytes",
						   "is not two sizes in bytes");
			h->llc_step_lo_bytes = (uint64_t)lo;
			h->llc_step_hi_bytes = (uint64_t)hi;
		}
	}
	int t = json_find(r->j, o, "topology");
	if (t < 0)
		return 0;
	if (!json_is_object(r->j, t))
		return results_bad(r, "host", "topology", "is not an object");
	const char *w = "host.topology";
	if (results_read_unsigned(r, t, w, "packages", &h->packages, false) < 0 ||
	    results_read_unsigned(r, t, w, "cores", &h->cores, false) < 0 ||
	    results_read_unsigned(r, t, w, "pus", &h->pus, false) < 0 ||
	    results_read_unsigned(r, t, w, "numa_nodes", &h->numa_nodes, false) < 0 ||
	    results_read_u64(r, t, w, "l1d_bytes", UINT64_MAX, &h->l1d_bytes, false) < 0 ||
	    results_read_u64(r, t, w, "l2_bytes", UINT64_MAX, &h->l2_bytes, false) < 0 ||
	    results_read_u64(r, t, w, "llc_bytes", UINT64_MAX, &h->llc_bytes, false) < 0)
		return -1;
	return 0;
}

static int results_read_config(struct results_reader *r, int root, struct result_config *c)
{
	int o = results_read_object(r, root, "", "config");
	if (o < 0)
		return -1;
	char suite[16];
	if (results_read_string(r, o, "config", "suite", suite, sizeof(suite), true) < 0)
		return -1;
	if (suite_parse(suite, &c->suite) < 0)
		return error_set(r->err, "config.suite \"%s\" is not smoke, quick or full", suite);
	if (results_read_unsigned(r, o, "config", "cpus", &c->cpus, false) < 0 ||
	    results_read_string(r, o, "config", "cpu_list", c->cpu_list, sizeof(c->cpu_list),
				false) < 0 ||
	    results_read_u64(r, o, "config", "memory_bytes", UINT64_MAX, &c->memory_bytes, false) <
		    0 ||
	    results_read_unsigned(r, o, "config", "repeat", &c->repeat, false) < 0 ||
	    results_read_unsigned(r, o, "config", "warmup", &c->warmup, false) < 0 ||
	    results_read_u64(r, o, "config", "seed", UINT64_MAX, &c->seed, false) < 0 ||
	    results_read_string(r, o, "config", "baseline", c->baseline, sizeof(c->baseline),
				false) < 0 ||
	    results_read_string(r, o, "config", "workloads", c->workloads, sizeof(c->workloads),
				false) < 0)
		return -1;
	return 0;
}

static int results_read_backend(struct results_reader *r, int o, const char *w,
				struct result_backend *b)
{
	if (!json_is_object(r->j, o))
		return error_set(r->err, "%s is not an object", w);
	if (results_read_string(r, o, w, "name", b->name, sizeof(b->name), true) < 0 ||
	    results_read_bool(r, o, w, "ran", &b->ran, true) < 0 ||
	    results_read_string(r, o, w, "reason", b->reason, sizeof(b->reason), false) < 0 ||
	    results_read_string(r, o, w, "details", b->details, sizeof(b->details), false) < 0 ||
	    results_read_string(r, o, w, "mode", b->mode, sizeof(b->mode), false) < 0 ||
	    results_read_number(r, o, w, "startup_ms", &b->startup_ms, false) < 0 ||
	    results_read_number(r, o, w, "host_overhead_bytes", &b->host_overhead_bytes, false) <
		    0 ||
	    results_read_number(r, o, w, "memory_seen_bytes", &b->memory_seen_bytes, false) < 0 ||
	    results_read_bool(r, o, w, "memory_limited", &b->memory_limited, false) < 0 ||
	    results_read_bool(r, o, w, "bare_metal", &b->bare_metal, false) < 0)
		return -1;
	r->declared |= json_find(r->j, o, "bare_metal") >= 0;
	int t = json_find(r->j, o, "hello");
	if (t < 0)
		return 0;
	if (json_is_object(r->j, t)) {
		const jsmntok_t *tok = &r->j->tokens[t];
		b->hello_json = strndup(r->j->text + tok->start, (size_t)(tok->end - tok->start));
		return b->hello_json ? 0 : error_set(r->err, "out of memory reading %s.hello", w);
	}
	double dummy;
	if (json_get_number(r->j, t, &dummy) == 0 && isnan(dummy))
		return 0; /* null */
	return results_bad(r, w, "hello", "is not an object or null");
}

static int results_read_enum(struct results_reader *r, int o, const char *w, const char *key,
			     const char *const *names, size_t n, int *out)
{
	char s[16];
	if (results_read_string(r, o, w, key, s, sizeof(s), true) < 0)
		return error_set(r->err, "%s.%s is missing or not one of the known words", w, key);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(s, names[i])) {
			*out = (int)i;
			return 0;
		}
	}
	return error_set(r->err, "%s.%s \"%s\" is not a known value", w, key, s);
}

/* What the entry's workload declared of its metric (host_side, ...); absent in older files. */
static int results_read_declared(struct results_reader *r, int o, const char *w,
				 struct result_entry *e)
{
	double curve;
	if (results_read_bool(r, o, w, "host_side", &e->host_side, false) < 0 ||
	    results_read_bool(r, o, w, "io_percentile", &e->io_percentile, false) < 0 ||
	    results_read_number(r, o, w, "curve_bytes", &curve, false) < 0)
		return -1;
	r->declared |= json_find(r->j, o, "host_side") >= 0;
	if (json_find(r->j, o, "curve_bytes") >= 0 && !(curve >= 0 && isfinite(curve)))
		return results_bad(r, w, "curve_bytes", "is not a size in bytes");
	e->curve_bytes = curve > 0 ? curve : 0;
	int names = results_read_array(r, o, w, "value_names", false);
	if (names == -1)
		return -1;
	int n = names >= 0 ? json_size(r->j, names) : 0;
	if (n > METRIC_MAX_VALUE_NAMES)
		return results_bad(r, w, "value_names", "has more than 8 names");
	for (int v = 0, tok = names + 1; v < n; v++, tok = json_skip(r->j, tok))
		if (!json_is_string(r->j, tok) ||
		    json_get_string(r->j, tok, e->value_names[v], sizeof(e->value_names[v])) < 0)
			return results_bad(r, w, "value_names",
					   "holds a name too long or not a string");
	return 0;
}

static int results_read_entry(struct results_reader *r, int o, const char *w,
			      struct result_entry *e)
{
	static const char *const betters[] = {
		[BETTER_HIGHER] = "higher", [BETTER_LOWER] = "lower"
	};
	static const char *const statuses[] = {
		[RESULT_OK] = "ok", [RESULT_ERROR] = "error", [RESULT_UNSUPPORTED] = "unsupported"
	};
	if (!json_is_object(r->j, o))
		return error_set(r->err, "%s is not an object", w);
	int better = 0, status = 0;
	if (results_read_string(r, o, w, "workload", e->workload, sizeof(e->workload), true) < 0 ||
	    results_read_string(r, o, w, "group", e->group, sizeof(e->group), false) < 0 ||
	    results_read_string(r, o, w, "metric", e->metric, sizeof(e->metric), true) < 0 ||
	    results_read_string(r, o, w, "backend", e->backend, sizeof(e->backend), true) < 0 ||
	    results_read_string(r, o, w, "unit", e->unit, sizeof(e->unit), true) < 0 ||
	    results_read_enum(r, o, w, "better", betters, 2, &better) < 0 ||
	    results_read_enum(r, o, w, "status", statuses, 3, &status) < 0 ||
	    results_read_string(r, o, w, "note", e->note, sizeof(e->note), false) < 0 ||
	    results_read_doubles(r, o, w, "samples", &e->samples, &e->nsamples, &e->cap) < 0 ||
	    results_read_number(r, o, w, "median", &e->median, false) < 0 ||
	    results_read_number(r, o, w, "cv", &e->cv, false) < 0 ||
	    results_read_number(r, o, w, "ci_coverage", &e->ci_coverage, false) < 0)
		return -1;
	e->better = (enum better)better;
	e->status = (enum result_status)status;
	for (size_t i = 0; i < e->nsamples; i++)
		if (isnan(e->samples[i]))
			return error_set(r->err, "%s.samples[%zu] is null; samples must be numbers",
					 w, i);
	/* older files call a metric that was never measured "ok": read it as what it is */
	if (e->status == RESULT_OK && e->nsamples == 0) {
		e->status = RESULT_UNSUPPORTED;
		if (!*e->note)
			snprintf(e->note, sizeof(e->note), "no samples");
	}
	int sizes = json_find(r->j, o, "sizes");
	if (sizes >= 0) {
		if (!json_is_object(r->j, sizes) || json_size(r->j, sizes) > RESULT_MAX_SIZES)
			return results_bad(r, w, "sizes", "is not an object of at most 12 numbers");
		for (int k = 0, tok = sizes + 1; k < json_size(r->j, sizes);
		     k++, tok = json_skip(r->j, tok + 1)) {
			char name[sizeof(e->sizes[0].name)];
			double v;
			if (json_get_string(r->j, tok, name, sizeof(name)) < 0 ||
			    json_get_number(r->j, tok + 1, &v) < 0 || isnan(v) ||
			    results_entry_add_size(e, name, v) < 0)
				return results_bad(r, w, "sizes", "holds a bad name or value");
		}
	}
	if (results_read_declared(r, o, w, e) < 0)
		return -1;
	int ci = json_find(r->j, o, "ci95");
	if (ci < 0)
		return 0;
	if (!json_is_array(r->j, ci) || json_size(r->j, ci) != 2 ||
	    json_get_number(r->j, ci + 1, &e->ci_lo) < 0 ||
	    json_get_number(r->j, ci + 2, &e->ci_hi) < 0)
		return results_bad(r, w, "ci95", "is not an array of two numbers");
	return 0;
}

static int results_read_counter(struct results_reader *r, int o, const char *w,
				struct counter_series *c)
{
	if (!json_is_object(r->j, o))
		return error_set(r->err, "%s is not an object", w);
	if (results_read_string(r, o, w, "workload", c->workload, sizeof(c->workload), true) < 0 ||
	    results_read_string(r, o, w, "backend", c->backend, sizeof(c->backend), true) < 0 ||
	    results_read_string(r, o, w, "name", c->name, sizeof(c->name), true) < 0 ||
	    results_read_doubles(r, o, w, "values", &c->values, &c->nvalues, &c->cap) < 0)
		return -1;
	return 0;
}

static int results_read_round(struct results_reader *r, int o, const char *w,
			      struct round_record *rr)
{
	if (!json_is_object(r->j, o))
		return error_set(r->err, "%s is not an object", w);
	if (results_read_string(r, o, w, "workload", rr->workload, sizeof(rr->workload), true) <
		    0 ||
	    results_read_unsigned(r, o, w, "round", &rr->round, true) < 0 ||
	    results_read_bool(r, o, w, "warmup", &rr->warmup, false) < 0)
		return -1;
	int arr = results_read_array(r, o, w, "order", true);
	if (arr < 0)
		return -1;
	int n = json_size(r->j, arr);
	size_t used = 0;
	for (int i = 0, tok = arr + 1; i < n; i++, tok = json_skip(r->j, tok)) {
		char name[sizeof(rr->order)];
		if (!json_is_string(r->j, tok) ||
		    json_get_string(r->j, tok, name, sizeof(name)) < 0 || !name[0] ||
		    strchr(name, ','))
			return error_set(r->err, "%s.order[%d] is not a backend name", w, i);
		int len = snprintf(rr->order + used, sizeof(rr->order) - used, "%s%s", i ? "," : "",
				   name);
		if (len < 0 || (size_t)len >= sizeof(rr->order) - used)
			return error_set(r->err, "%s.order is too long", w);
		used += (size_t)len;
	}
	return 0;
}

static int results_parse_tokens(struct results_doc *doc, struct results_reader *r)
{
	const struct json_doc *j = r->j;
	if (!json_is_object(j, 0))
		return error_set(r->err, "not a vbench result (not a JSON object)");
	int t = json_find(j, 0, "schema");
	char schema[64];
	if (t < 0 || json_get_string(j, t, schema, sizeof(schema)) < 0)
		return error_set(r->err, "not a vbench result (no \"schema\" string)");
	if (strcmp(schema, RESULTS_SCHEMA) != 0 && strcmp(schema, RESULTS_SCHEMA_V1) != 0)
		return error_set(r->err,
				 "not a vbench result (schema \"%s\", expected \"%s\" or the older "
				 "\"%s\")",
				 schema, RESULTS_SCHEMA, RESULTS_SCHEMA_V1);
	snprintf(doc->schema, sizeof(doc->schema), "%.31s", schema);
	if (results_read_string(r, 0, "", "vbench_version", doc->version, sizeof(doc->version),
				true) < 0 ||
	    results_read_string(r, 0, "", "start_time", doc->start_time, sizeof(doc->start_time),
				true) < 0 ||
	    results_read_number(r, 0, "", "duration_s", &doc->duration_s, false) < 0 ||
	    results_read_bool(r, 0, "", "interrupted", &doc->interrupted, false) < 0 ||
	    results_read_host(r, 0, &doc->host) < 0 || results_read_config(r, 0, &doc->config) < 0)
		return -1;

	char where[48];
	int arr = results_read_array(r, 0, "", "backends", true);
	if (arr < 0)
		return -1;
	int n = json_size(j, arr);
	if (n > 0 && !(doc->backends = calloc((size_t)n, sizeof(*doc->backends))))
		return error_set(r->err, "out of memory");
	for (int i = 0, tok = arr + 1; i < n; i++, tok = json_skip(j, tok)) {
		snprintf(where, sizeof(where), "backends[%d]", i);
		doc->nbackends++;
		if (results_read_backend(r, tok, where, &doc->backends[i]) < 0)
			return -1;
	}

	if ((arr = results_read_array(r, 0, "", "results", true)) < 0)
		return -1;
	n = json_size(j, arr);
	if (n > 0 && !(doc->entries = calloc((size_t)n, sizeof(*doc->entries))))
		return error_set(r->err, "out of memory");
	doc->entries_cap = (size_t)n;
	for (int i = 0, tok = arr + 1; i < n; i++, tok = json_skip(j, tok)) {
		snprintf(where, sizeof(where), "results[%d]", i);
		struct result_entry *e = &doc->entries[doc->nentries++];
		e->median = e->ci_lo = e->ci_hi = e->cv = e->ci_coverage = NAN;
		if (results_read_entry(r, tok, where, e) < 0)
			return -1;
	}

	if ((arr = results_read_array(r, 0, "", "counters", false)) == -1)
		return -1;
	n = arr >= 0 ? json_size(j, arr) : 0;
	if (n > 0 && !(doc->counters = calloc((size_t)n, sizeof(*doc->counters))))
		return error_set(r->err, "out of memory");
	doc->counters_cap = (size_t)n;
	for (int i = 0, tok = arr + 1; i < n; i++, tok = json_skip(j, tok)) {
		snprintf(where, sizeof(where), "counters[%d]", i);
		doc->ncounters++;
		if (results_read_counter(r, tok, where, &doc->counters[i]) < 0)
			return -1;
	}

	if ((arr = results_read_array(r, 0, "", "rounds", false)) == -1)
		return -1;
	n = arr >= 0 ? json_size(j, arr) : 0;
	if (n > 0 && !(doc->rounds = calloc((size_t)n, sizeof(*doc->rounds))))
		return error_set(r->err, "out of memory");
	doc->rounds_cap = (size_t)n;
	for (int i = 0, tok = arr + 1; i < n; i++, tok = json_skip(j, tok)) {
		snprintf(where, sizeof(where), "rounds[%d]", i);
		doc->nrounds++;
		if (results_read_round(r, tok, where, &doc->rounds[i]) < 0)
			return -1;
	}
	if ((arr = results_read_array(r, 0, "", "warnings", false)) == -1)
		return -1;
	n = arr >= 0 ? json_size(j, arr) : 0;
	for (int i = 0, tok = arr + 1; i < n; i++, tok = json_skip(j, tok)) {
		char text[sizeof(*doc->warnings)];
		if (json_get_string(j, tok, text, sizeof(text)) < 0)
			return error_set(r->err,
					 "warnings[%d] is not a string of at most %zu bytes", i,
					 sizeof(text) - 1);
		if (results_add_warning(doc, "%s", text) < 0)
			return error_set(r->err, "out of memory");
	}
	return 0;
}

/* ---- compatibility: files that do not record declarations ---- */

/* The working-set size an old mem.latency metric named: "lat_4KiB" -> 4096; 0 if none. */
static double results_legacy_latency_bytes(const char *metric)
{
	static const struct {
		const char *suffix;
		double scale;
	} units[] = { { "B", 1 },	    { "KiB", 1024.0 },
		      { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
		      { "K", 1024.0 },	    { "M", 1048576.0 },
		      { "G", 1073741824.0 } };
	if (strncmp(metric, "lat_", 4) != 0)
		return 0;
	char *end;
	double v = strtod(metric + 4, &end);
	if (end == metric + 4 || !(v > 0))
		return 0;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(end, units[i].suffix))
			return v * units[i].scale;
	return 0;
}

/* Whether an old metric was an I/O latency percentile: "p50", "qd1_p99_us" of an io.* group. */
static bool results_legacy_io_percentile(const char *group, const char *metric)
{
	if (strncmp(group, "io", 2) != 0)
		return false;
	for (const char *p = strchr(metric, 'p'); p; p = strchr(p + 1, 'p'))
		if (p[1] >= '0' && p[1] <= '9' && (p == metric || p[-1] == '_'))
			return true;
	return false;
}

/*
 * COMPATIBILITY. Files written before workloads' and backends' declarations were recorded (every
 * vbench-result/1 file, and /2 files without backends[].bare_metal and results[].host_side) say
 * nothing of them: what the reports decided then by names, this infers from the same names, for
 * those files only. New decisions read the declarations; nothing else may test these names.
 */
static void results_infer_from_names(struct results_doc *doc)
{
	for (size_t i = 0; i < doc->nbackends; i++)
		doc->backends[i].bare_metal = !strcmp(doc->backends[i].name, "native");
	for (size_t i = 0; i < doc->nentries; i++) {
		struct result_entry *e = &doc->entries[i];
		e->host_side = !strcmp(e->workload, "lifecycle.start");
		e->io_percentile = results_legacy_io_percentile(e->group, e->metric);
		e->curve_bytes = !strcmp(e->workload, "mem.latency")
					 ? results_legacy_latency_bytes(e->metric)
					 : 0;
		if (!strncmp(e->workload, "io.blk.", 7) && !strcmp(e->metric, "engine")) {
			snprintf(e->value_names[1], sizeof(e->value_names[1]), "io_uring");
			snprintf(e->value_names[2], sizeof(e->value_names[2]), "threads");
		}
	}
}

/*
 * jsmn's counting pass cannot see unclosed containers, so json_parse reports a file cut
 * after a complete value as malformed; a second pass with tokens tells the two apart.
 */
static bool results_is_truncated(const char *text, size_t len)
{
	jsmn_parser p;
	jsmn_init(&p);
	int n = jsmn_parse(&p, text, len, NULL, 0);
	if (n == JSMN_ERROR_PART)
		return true;
	if (n <= 0)
		return false;
	jsmntok_t *tokens = calloc((size_t)n, sizeof(*tokens));
	if (!tokens)
		return false;
	jsmn_init(&p);
	bool part = jsmn_parse(&p, text, len, tokens, (unsigned)n) == JSMN_ERROR_PART;
	free(tokens);
	return part;
}

int results_parse(struct results_doc *doc, const char *text, size_t len, struct vb_error *err)
{
	results_init(doc);
	struct json_doc j;
	if (json_parse(&j, text, len, err) < 0) {
		if (results_is_truncated(text, len))
			error_set(err, "truncated JSON (the document ends before it is closed)");
		return -1;
	}
	struct results_reader r = { .j = &j, .err = err };
	int rc = results_parse_tokens(doc, &r);
	json_doc_free(&j);
	if (rc == 0 && !r.declared)
		results_infer_from_names(doc);
	if (rc < 0)
		results_free(doc); /* leave nothing half-read behind */
	return rc;
}

int results_read_file(struct results_doc *doc, const char *path, struct vb_error *err)
{
	results_init(doc);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "%s: cannot open", path);
	struct stat st;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return error_set_errno(err, "%s: stat", path);
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)RESULTS_MAX_FILE_BYTES) {
		close(fd);
		return error_set(err, "%s: not a regular file of at most %u MiB", path,
				 RESULTS_MAX_FILE_BYTES >> 20);
	}
	size_t cap = (size_t)st.st_size + 1, len = 0;
	char *text = malloc(cap);
	if (!text) {
		close(fd);
		return error_set(err, "%s: out of memory", path);
	}
	for (;;) {
		ssize_t n = read(fd, text + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int rc = error_set_errno(err, "%s: read", path);
			free(text);
			close(fd);
			return rc;
		}
		if (n == 0 || (len += (size_t)n) == cap - 1)
			break;
	}
	close(fd);
	text[len] = '\0';
	int rc = 0;
	if (len == 0)
		rc = error_set(err, "%s: empty file, not a vbench result", path);
	else if (results_parse(doc, text, len, err) < 0)
		rc = error_prefix(err, "%s: ", path);
	free(text);
	return rc;
}
