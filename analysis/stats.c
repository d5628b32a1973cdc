/* Statistics over raw samples: median, bootstrap intervals, CV, ratios, Mann-Whitney U. */
#include "analysis/stats.h"

#include "common/cleanup.h"
#include "common/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/*
 * The bootstrap draws from the same seeded xoshiro256** as the workloads (platform.h), so
 * intervals are reproducible from the run's seed alone, never from libc's rand().
 */
/* Uniform index in [0, n): multiply-shift, whose bias is negligible for sample counts. */
static size_t stats_rng_index(struct rng *r, size_t n)
{
	return (size_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

static int stats_compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static double *stats_sorted_copy(const double *x, size_t n)
{
	double *s = malloc(n * sizeof(*s));
	if (!s)
		return NULL;
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), stats_compare_double);
	return s;
}

static double stats_median_sorted(const double *s, size_t n)
{
	if (n == 0)
		return NAN;
	if (n % 2)
		return s[n / 2];
	return (s[n / 2 - 1] + s[n / 2]) / 2.0;
}

static double stats_percentile_sorted(const double *s, size_t n, double p)
{
	if (n == 0 || isnan(p))
		return NAN;
	if (p <= 0)
		return s[0];
	if (p >= 100)
		return s[n - 1];
	double rank = p / 100.0 * (double)(n - 1);
	size_t lo = (size_t)floor(rank);
	double frac = rank - (double)lo;
	if (lo + 1 >= n)
		return s[n - 1];
	return s[lo] + frac * (s[lo + 1] - s[lo]);
}

double stats_median(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	double *s = stats_sorted_copy(x, n);
	if (!s)
		return NAN;
	double m = stats_median_sorted(s, n);
	free(s);
	return m;
}

double stats_mean(const double *x, size_t n)
{
	if (n == 0)
		return NAN;
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += x[i];
	return sum / (double)n;
}

double stats_stddev(const double *x, size_t n)
{
	if (n < 2)
		return NAN;
	double mean = stats_mean(x, n), ss = 0;
	for (size_t i = 0; i < n; i++)
		ss += (x[i] - mean) * (x[i] - mean);
	return sqrt(ss / (double)(n - 1));
}

double stats_cv(const double *x, size_t n)
{
	double mean = stats_mean(x, n), sd = stats_stddev(x, n);
	if (isnan(mean) || isnan(sd) || mean == 0)
		return NAN;
	return sd / fabs(mean);
}

double stats_percentile(const double *x, size_t n, double p)
{
	if (n == 0)
		return NAN;
	double *s = stats_sorted_copy(x, n);
	if (!s)
		return NAN;
	double v = stats_percentile_sorted(s, n, p);
	free(s);
	return v;
}

/*
 * One resample's median drawn from the sorted original: count how often each index is
 * drawn, then walk the counts to the middle. O(n) per resample instead of a sort.
 */
static double stats_resample_median(const double *sorted, size_t n, unsigned *counts,
				    struct rng *rng)
{
	memset(counts, 0, n * sizeof(*counts));
	for (size_t i = 0; i < n; i++)
		counts[stats_rng_index(rng, n)]++;
	/* positions (0-based) of the middle element(s) of the resample */
	size_t want_lo = (n - 1) / 2, want_hi = n / 2;
	double lo = NAN, hi = NAN;
	size_t seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (!counts[i])
			continue;
		size_t next = seen + counts[i];
		if (isnan(lo) && want_lo < next)
			lo = sorted[i];
		if (want_hi < next) {
			hi = sorted[i];
			break;
		}
		seen = next;
	}
	return (lo + hi) / 2.0;
}

/* Medians of STATS_BOOTSTRAP_RESAMPLES resamples of x into out; -1 on allocation failure. */
static int stats_bootstrap_medians(const double *x, size_t n, struct rng *rng, double *out)
{
	double *sorted = stats_sorted_copy(x, n);
	unsigned *counts = calloc(n, sizeof(*counts));
	if (!sorted || !counts) {
		free(sorted);
		free(counts);
		return -1;
	}
	for (size_t b = 0; b < STATS_BOOTSTRAP_RESAMPLES; b++)
		out[b] = stats_resample_median(sorted, n, counts, rng);
	free(sorted);
	free(counts);
	return 0;
}

static double stats_sanitize_alpha(double alpha)
{
	return (alpha > 0 && alpha < 1) ? alpha : 0.05;
}

void stats_bootstrap_median_ci(const double *x, size_t n, double alpha, uint64_t seed, double *lo,
			       double *hi)
{
	*lo = *hi = NAN;
	if (n == 0)
		return;
	if (n == 1) {
		*lo = *hi = x[0];
		return;
	}
	alpha = stats_sanitize_alpha(alpha);
	double *medians = malloc(STATS_BOOTSTRAP_RESAMPLES * sizeof(*medians));
	if (!medians)
		return;
	struct rng rng;
	rng_seed(&rng, seed);
	if (stats_bootstrap_medians(x, n, &rng, medians) == 0) {
		qsort(medians, STATS_BOOTSTRAP_RESAMPLES, sizeof(*medians), stats_compare_double);
		*lo = stats_percentile_sorted(medians, STATS_BOOTSTRAP_RESAMPLES, 100 * alpha / 2);
		*hi = stats_percentile_sorted(medians, STATS_BOOTSTRAP_RESAMPLES,
					      100 * (1 - alpha / 2));
	}
	free(medians);
}

void stats_ratio_ci(const double *num, size_t nn, const double *den, size_t nd, double alpha,
		    uint64_t seed, double *ratio, double *lo, double *hi)
{
	*ratio = *lo = *hi = NAN;
	if (nn == 0 || nd == 0)
		return;
	double mden = stats_median(den, nd);
	*ratio = stats_median(num, nn) / mden;
	if (!isfinite(*ratio) || mden == 0) {
		*ratio = NAN;
		return;
	}
	alpha = stats_sanitize_alpha(alpha);
	cleanup_free double *a = malloc(STATS_BOOTSTRAP_RESAMPLES * sizeof(*a));
	cleanup_free double *b = malloc(STATS_BOOTSTRAP_RESAMPLES * sizeof(*b));
	if (!a || !b)
		return;
	/* independent streams: the two sides were measured independently */
	struct rng rn, rd;
	rng_seed(&rn, seed);
	rng_seed(&rd, seed ^ 0xd1b54a32d192ed03ULL);
	if (stats_bootstrap_medians(num, nn, &rn, a) < 0 ||
	    stats_bootstrap_medians(den, nd, &rd, b) < 0)
		return;
	size_t finite = 0;
	for (size_t i = 0; i < STATS_BOOTSTRAP_RESAMPLES; i++) {
		double r = a[i] / b[i];
		if (isfinite(r))
			a[finite++] = r;
	}
	/* a denominator that often resamples to zero has no meaningful interval */
	if (finite * 2 < STATS_BOOTSTRAP_RESAMPLES)
		return;
	qsort(a, finite, sizeof(*a), stats_compare_double);
	*lo = stats_percentile_sorted(a, finite, 100 * alpha / 2);
	*hi = stats_percentile_sorted(a, finite, 100 * (1 - alpha / 2));
}

struct stats_ranked {
	double value;
	int from_a;
};

static int stats_compare_ranked(const void *pa, const void *pb)
{
	const struct stats_ranked *x = pa, *y = pb;
	return (x->value > y->value) - (x->value < y->value);
}

double stats_mann_whitney_p(const double *a, size_t na, const double *b, size_t nb)
{
	if (na == 0 || nb == 0)
		return 1.0;
	size_t n = na + nb;
	struct stats_ranked *all = malloc(n * sizeof(*all));
	if (!all)
		return 1.0;
	for (size_t i = 0; i < na; i++)
		all[i] = (struct stats_ranked){ a[i], 1 };
	for (size_t i = 0; i < nb; i++)
		all[na + i] = (struct stats_ranked){ b[i], 0 };
	qsort(all, n, sizeof(*all), stats_compare_ranked);

	/* rank sum of a with average ranks for ties; sum of t^3 - t over tie groups */
	double rank_sum_a = 0, tie_term = 0;
	for (size_t i = 0; i < n;) {
		size_t j = i;
		while (j < n && all[j].value == all[i].value)
			j++;
		double t = (double)(j - i);
		double avg_rank = ((double)i + 1 + (double)j) / 2.0;
		for (size_t k = i; k < j; k++)
			if (all[k].from_a)
				rank_sum_a += avg_rank;
		tie_term += t * t * t - t;
		i = j;
	}
	free(all);

	double dna = (double)na, dnb = (double)nb, dn = (double)n;
	double u = rank_sum_a - dna * (dna + 1) / 2.0;
	double mu = dna * dnb / 2.0;
	double var = dna * dnb / 12.0 * ((dn + 1) - tie_term / (dn * (dn - 1)));
	if (!(var > 0))
		return 1.0; /* every value tied: no evidence of any difference */
	double z = (fabs(u - mu) - 0.5) / sqrt(var);
	if (z <= 0)
		return 1.0;
	double p = erfc(z / sqrt(2.0));
	return p > 1.0 ? 1.0 : p;
}
