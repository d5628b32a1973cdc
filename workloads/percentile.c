/* Nearest-rank percentiles: pure C, so the bare guest's build links it as the agent's does. */
#include "workloads/percentile.h"

#include <math.h>
#include <stdlib.h>

static int percentile_compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

double percentile_nearest_rank(double *v, size_t n, double pct)
{
	if (n == 0)
		return NAN;
	qsort(v, n, sizeof(*v), percentile_compare);
	size_t rank = (size_t)ceil(pct / 100.0 * (double)n);
	if (rank > n)
		rank = n;
	return v[rank ? rank - 1 : 0];
}
