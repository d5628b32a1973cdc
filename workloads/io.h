/*
 * Small helpers shared by the io.blk and io.net families: the duration parameter and per-operation
 * latencies.
 */
#ifndef VB_IO_H
#define VB_IO_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "workloads/workload.h"

/* The "ms" parameter in nanoseconds, rejecting nonsense before any I/O. */
static inline int io_duration_ns(const struct workload_ctx *ctx, uint64_t *ns, struct vb_error *err)
{
	double ms = workload_param(ctx, "ms");
	if (!(ms >= 1 && ms <= 600000))
		return error_set(err, "%s: ms must be between 1 and 600000", ctx->workload->id);
	*ns = (uint64_t)(ms * 1e6);
	return 0;
}

/* Latencies of one sample's operations, in microseconds; grows as the sample runs. */
struct io_latencies {
	double *v;
	size_t n, cap;
};

/* Returns 0, or -1 when out of memory (the caller reports it). */
static inline int io_latencies_add(struct io_latencies *l, double us)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4096;
		double *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = us;
	return 0;
}

static inline void io_latencies_free(struct io_latencies *l)
{
	free(l->v);
	l->v = NULL;
	l->n = l->cap = 0;
}

static inline int io_compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/*
 * Percentile of v[0..n) by linear interpolation between closest ranks (the definition
 * fio and numpy's default use), so that p99 of few operations is not just the maximum.
 * v must be sorted ascending.
 */
static inline double io_percentile_sorted(const double *v, size_t n, double pct)
{
	if (n == 0)
		return NAN;
	double pos = pct / 100.0 * (double)(n - 1);
	size_t lo = (size_t)pos;
	if (lo + 1 >= n)
		return v[n - 1];
	return v[lo] + (pos - (double)lo) * (v[lo + 1] - v[lo]);
}

/* p50 and p99 of the latencies (sorts them). */
static inline void io_latencies_p50_p99(struct io_latencies *l, double *p50, double *p99)
{
	qsort(l->v, l->n, sizeof(*l->v), io_compare_double);
	*p50 = io_percentile_sorted(l->v, l->n, 50);
	*p99 = io_percentile_sorted(l->v, l->n, 99);
}

/* The metrics <prefix>_p50_us and <prefix>_p99_us of the latencies (sorts them). */
static inline void io_latencies_set_metrics(struct io_latencies *l, const char *prefix,
					    struct sample_out *out, const struct workload_ctx *ctx)
{
	double p50, p99;
	char name[48];
	io_latencies_p50_p99(l, &p50, &p99);
	snprintf(name, sizeof(name), "%s_p50_us", prefix);
	workload_set_metric(out, ctx, name, p50);
	snprintf(name, sizeof(name), "%s_p99_us", prefix);
	workload_set_metric(out, ctx, name, p99);
}

#endif
