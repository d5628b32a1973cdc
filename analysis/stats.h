/* Statistics over raw samples: median, bootstrap and exact intervals, CV, ratios, Mann-Whitney U. */
#ifndef VB_STATS_H
#define VB_STATS_H

#include <stddef.h>
#include <stdint.h>

#define STATS_BOOTSTRAP_RESAMPLES 2000

double stats_median(const double *x, size_t n); /* NaN when n == 0 */
double stats_mean(const double *x, size_t n);
double stats_stddev(const double *x, size_t n); /* sample standard deviation (n - 1) */
double stats_cv(const double *x, size_t n);	/* stddev / mean; NaN when undefined */
double stats_percentile(const double *x, size_t n,
			double p); /* linear interpolation, p in [0,100] */

/* 95% (or 1 - alpha) percentile-bootstrap interval of the median; deterministic for a seed. */
void stats_bootstrap_median_ci(const double *x, size_t n, double alpha, uint64_t seed, double *lo,
			       double *hi);
/* Ratio of medians num/den with a bootstrap interval (both resampled independently). */
void stats_ratio_ci(const double *num, size_t nn, const double *den, size_t nd, double alpha,
		    uint64_t seed, double *ratio, double *lo, double *hi);
/* Two-sided Mann-Whitney U test p-value (normal approximation with tie correction). */
double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb);

/*
 * Distribution-free intervals whose coverage is known exactly (stats-exact.c). Each returns the
 * interval's true coverage, which can fall short of the level asked for when there are too few
 * samples (a median of 5: 0.9375 at best); NaN when there is no interval at all.
 */
/* Order-statistic interval [x(k), x(n+1-k)] of the median: the narrowest reaching level. */
double stats_median_ci(const double *x, size_t n, double level, double *lo, double *hi);
/*
 * Interval of the ratio num/den under a scale shift (num distributed as den times the ratio):
 * the pairwise log-differences' k-th smallest and largest, k from the exact null distribution of
 * Mann-Whitney U (normal approximation beyond 2500 pairs); coverage >= 1 - alpha when attainable,
 * else lo = hi = NaN and the coverage the widest interval would have. Values that are not all
 * positive shift additively, scaled by den's median.
 */
double stats_shift_ratio_ci(const double *num, size_t nn, const double *den, size_t nd,
			    double alpha, double *lo, double *hi);
/* Two-sided Mann-Whitney p from the exact null distribution (asymptotic beyond 2500 pairs). */
double stats_mann_whitney_exact_p(const double *a, size_t na, const double *b, size_t nb);

#endif
