/* Order statistics of per-batch timings (p50, p99), shared by the workloads that report them. */
#ifndef VB_PERCENTILE_H
#define VB_PERCENTILE_H

#include <stddef.h>

/*
 * The nearest-rank pct-th percentile (0 < pct <= 100) of v[0..n): the smallest value with at least
 * pct% of the values at or below it, so always one of the values. Sorts v in place; NaN when n is 0.
 */
double percentile_nearest_rank(double *v, size_t n, double pct);

#endif
