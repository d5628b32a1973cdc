/* Unit tests for analysis/stats.c: every statistic pinned against data sets with known answers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "analysis/stats.h"
#include "common/rng.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static void test_median(void **state)
{
	(void)state;
	const double odd[] = { 9, 1, 5, 3, 7 };
	const double even[] = { 4, 1, 3, 2 };
	const double one[] = { 42 };
	assert_float_equal(stats_median(odd, N_OF(odd)), 5, 0);
	assert_float_equal(stats_median(even, N_OF(even)), 2.5, 0);
	assert_float_equal(stats_median(one, 1), 42, 0);
	assert_true(isnan(stats_median(odd, 0)));
}

static void test_mean_stddev_cv(void **state)
{
	(void)state;
	const double x[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	assert_float_equal(stats_mean(x, N_OF(x)), 5, 1e-12);
	/* sample (n - 1) standard deviation: sqrt(32 / 7) */
	assert_float_equal(stats_stddev(x, N_OF(x)), 2.138089935299395, 1e-12);
	assert_float_equal(stats_cv(x, N_OF(x)), 0.427617987059879, 1e-12);
	assert_true(isnan(stats_mean(x, 0)));
	assert_true(isnan(stats_stddev(x, 1)));
	assert_true(isnan(stats_cv(x, 1)));
	const double zeros[] = { 0, 0, 0 };
	assert_true(isnan(stats_cv(zeros, 3)));
}

static void test_percentile_linear(void **state)
{
	(void)state;
	/* numpy.percentile(..., method="linear") values */
	const double d[] = { 50, 15, 40, 35, 20 };
	assert_float_equal(stats_percentile(d, N_OF(d), 40), 29, 1e-12);
	assert_float_equal(stats_percentile(d, N_OF(d), 90), 46, 1e-12);
	assert_float_equal(stats_percentile(d, N_OF(d), 0), 15, 0);
	assert_float_equal(stats_percentile(d, N_OF(d), 100), 50, 0);
	assert_float_equal(stats_percentile(d, N_OF(d), 50), 35, 0);
	const double e[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	assert_float_equal(stats_percentile(e, N_OF(e), 25), 3.25, 1e-12);
	assert_float_equal(stats_percentile(e, N_OF(e), 75), 7.75, 1e-12);
	assert_true(isnan(stats_percentile(e, 0, 50)));
}

/* A deterministic, spread-out data set around 100. */
static void fill_noisy(double *x, size_t n, double centre)
{
	for (size_t i = 0; i < n; i++)
		x[i] = centre + (double)((i * 37) % 21) - 10.0;
}

static void test_bootstrap_ci(void **state)
{
	(void)state;
	double x[15], big[600];
	fill_noisy(x, N_OF(x), 100);
	fill_noisy(big, N_OF(big), 100);
	double lo, hi, lo2, hi2;
	stats_bootstrap_median_ci(x, N_OF(x), 0.05, 7, &lo, &hi);
	double m = stats_median(x, N_OF(x));
	assert_true(lo <= m && m <= hi);
	assert_true(lo < hi);
	/* deterministic for a seed */
	stats_bootstrap_median_ci(x, N_OF(x), 0.05, 7, &lo2, &hi2);
	assert_true(lo == lo2 && hi == hi2);
	/* bounds are values a resampled median can take: inside the data range */
	assert_true(lo >= 90 && hi <= 110);
	/* more samples of the same spread: a narrower interval */
	double blo, bhi;
	stats_bootstrap_median_ci(big, N_OF(big), 0.05, 7, &blo, &bhi);
	assert_true(bhi - blo < hi - lo);
	/* a 50% interval is no wider than a 95% one */
	double nlo, nhi;
	stats_bootstrap_median_ci(x, N_OF(x), 0.5, 7, &nlo, &nhi);
	assert_true(nhi - nlo <= hi - lo);
}

static void test_bootstrap_degenerate(void **state)
{
	(void)state;
	const double one[] = { 3.5 };
	double lo, hi;
	stats_bootstrap_median_ci(one, 1, 0.05, 1, &lo, &hi);
	assert_float_equal(lo, 3.5, 0);
	assert_float_equal(hi, 3.5, 0);
	stats_bootstrap_median_ci(one, 0, 0.05, 1, &lo, &hi);
	assert_true(isnan(lo) && isnan(hi));
	const double same[] = { 2, 2, 2, 2 };
	stats_bootstrap_median_ci(same, 4, 0.05, 1, &lo, &hi);
	assert_float_equal(lo, 2, 0);
	assert_float_equal(hi, 2, 0);
}

static void test_ratio(void **state)
{
	(void)state;
	double a[21], b[21];
	fill_noisy(a, N_OF(a), 100);
	fill_noisy(b, N_OF(b), 100);
	double r, lo, hi;
	stats_ratio_ci(a, N_OF(a), b, N_OF(b), 0.05, 3, &r, &lo, &hi);
	assert_float_equal(r, 1.0, 1e-12);
	assert_true(lo < 1.0 && hi > 1.0);
	/* twice as large: ratio 2, interval around 2 and excluding 1 */
	for (size_t i = 0; i < N_OF(a); i++)
		a[i] *= 2;
	stats_ratio_ci(a, N_OF(a), b, N_OF(b), 0.05, 3, &r, &lo, &hi);
	assert_float_equal(r, 2.0, 1e-12);
	assert_true(lo <= 2.0 && hi >= 2.0 && lo > 1.0);
	/* zero denominator: no ratio */
	const double z[] = { 0, 0, 0 };
	stats_ratio_ci(a, N_OF(a), z, 3, 0.05, 3, &r, &lo, &hi);
	assert_true(isnan(r) && isnan(lo) && isnan(hi));
	stats_ratio_ci(a, 0, b, N_OF(b), 0.05, 3, &r, &lo, &hi);
	assert_true(isnan(r));
}

static void test_mann_whitney(void **state)
{
	(void)state;
	/* scipy.stats.mannwhitneyu(males, females, method="asymptotic") documentation example */
	const double males[] = { 19, 22, 16, 29, 24 };
	const double females[] = { 20, 11, 17, 12 };
	assert_float_equal(stats_mann_whitney_p(males, 5, females, 4), 0.11134688653314041, 1e-9);
	/* symmetric in its arguments */
	assert_float_equal(stats_mann_whitney_p(females, 4, males, 5), 0.11134688653314041, 1e-9);
	/* with ties (average ranks, tie-corrected variance): U = 3.5 */
	const double ta[] = { 1, 2, 2, 3, 3, 3, 4 };
	const double tb[] = { 3, 4, 4, 5, 5, 6, 7, 7 };
	assert_float_equal(stats_mann_whitney_p(ta, 7, tb, 8), 0.004793348746185464, 1e-9);

	double lowv[20], highv[20], same[20];
	fill_noisy(lowv, 20, 100);
	fill_noisy(highv, 20, 200);
	fill_noisy(same, 20, 100);
	assert_true(stats_mann_whitney_p(lowv, 20, highv, 20) < 0.01);
	assert_true(stats_mann_whitney_p(lowv, 20, same, 20) > 0.5);
	/* degenerate inputs */
	assert_float_equal(stats_mann_whitney_p(lowv, 0, highv, 20), 1.0, 0);
	const double c[] = { 5, 5, 5 };
	assert_float_equal(stats_mann_whitney_p(c, 3, c, 3), 1.0, 0);
}

/*
 * Pinned bootstrap answers (2000 resamples, fixed seeds). The first ones follow from the data
 * alone: the median of a 5-sample resample is its minimum with probability 0.058, so a 95%
 * percentile interval of {1..5} is [1, 5] while a 25-75% one would be [2, 4]; and a ratio whose
 * numerator is constant moves only through its denominator's resamples, so a ratio interval
 * that never resamples the denominator would be [1, 1] instead of [30/50, 30/10].
 */
static void test_bootstrap_pinned(void **state)
{
	(void)state;
	const double five[] = { 1, 2, 3, 4, 5 }, thirty[] = { 30, 30, 30, 30, 30 };
	const double den[] = { 10, 20, 30, 40, 50 };
	double lo, hi, r;
	stats_bootstrap_median_ci(five, 5, 0.05, 11, &lo, &hi);
	assert_float_equal(lo, 1, 0);
	assert_float_equal(hi, 5, 0);
	stats_bootstrap_median_ci(five, 5, 0.5, 11, &lo, &hi);
	assert_float_equal(lo, 2, 0);
	assert_float_equal(hi, 4, 0);
	stats_ratio_ci(thirty, 5, den, 5, 0.05, 11, &r, &lo, &hi);
	assert_float_equal(r, 1, 0);
	assert_float_equal(lo, 0.6, 1e-12);
	assert_float_equal(hi, 3.0, 1e-12);
	stats_ratio_ci(thirty, 5, den, 5, 0.5, 11, &r, &lo, &hi);
	assert_float_equal(lo, 0.75, 1e-12);
	assert_float_equal(hi, 1.5, 1e-12);

	/* spread-out data: the exact values this generator and seed give (a change here is a change) */
	double x[15], a[21], b[21];
	fill_noisy(x, N_OF(x), 100);
	fill_noisy(a, N_OF(a), 150);
	fill_noisy(b, N_OF(b), 100);
	for (size_t i = 0; i < N_OF(a); i++)
		a[i] = b[i] * 1.5;
	stats_bootstrap_median_ci(x, N_OF(x), 0.05, 7, &lo, &hi);
	assert_float_equal(lo, 96, 0);
	assert_float_equal(hi, 106, 0);
	stats_bootstrap_median_ci(x, N_OF(x), 0.5, 7, &lo, &hi);
	assert_float_equal(lo, 98, 0);
	assert_float_equal(hi, 102, 0);
	stats_ratio_ci(a, N_OF(a), b, N_OF(b), 0.05, 3, &r, &lo, &hi);
	assert_float_equal(r, 1.5, 1e-12);
	assert_float_equal(lo, 1.412621359223301, 1e-12);
	assert_float_equal(hi, 1.59375, 1e-12);
}

/* Standard normal draws from the seeded generator (Box-Muller). */
static void test_median_ci_exact(void **state)
{
	(void)state;
	/* 5 samples: no interval reaches 95%; [min, max] covers 1 - 2/32 = 93.75%, and says so */
	const double five[] = { 5, 3, 1, 4, 2 };
	double lo, hi;
	assert_float_equal(stats_median_ci(five, 5, 0.95, &lo, &hi), 0.9375, 1e-12);
	assert_float_equal(lo, 1, 0);
	assert_float_equal(hi, 5, 0);
	/* 6 samples: [min, max] at 1 - 2/64 */
	const double six[] = { 6, 5, 4, 3, 2, 1 };
	assert_float_equal(stats_median_ci(six, 6, 0.95, &lo, &hi), 0.96875, 1e-12);
	assert_float_equal(lo, 1, 0);
	assert_float_equal(hi, 6, 0);
	/* 20 samples: [x(6), x(15)], 1 - 2 P(Bin(20, 1/2) <= 5) = 0.958610534667969 */
	double twenty[20];
	for (size_t i = 0; i < 20; i++)
		twenty[i] = (double)(20 - i);
	assert_float_equal(stats_median_ci(twenty, 20, 0.95, &lo, &hi), 0.958610534667969, 1e-12);
	assert_float_equal(lo, 6, 0);
	assert_float_equal(hi, 15, 0);
	/* 9 samples: [x(2), x(8)] at 1 - 2 * 10/512 */
	assert_float_equal(stats_median_ci(twenty, 9, 0.95, &lo, &hi), 0.9609375, 1e-12);
	assert_float_equal(lo, 13, 0);
	assert_float_equal(hi, 19, 0);
	/* one sample is a point, which covers the median with probability 0 */
	assert_float_equal(stats_median_ci(five, 1, 0.95, &lo, &hi), 0, 0);
	assert_float_equal(lo, 5, 0);
	assert_float_equal(hi, 5, 0);
	assert_true(isnan(stats_median_ci(five, 0, 0.95, &lo, &hi)) && isnan(lo) && isnan(hi));

	/* the coverage it reports is the coverage it has: 20000 draws of 5 normal samples */
	struct rng rng;
	rng_seed(&rng, 12);
	size_t covered = 0, draws = 20000;
	double coverage = 0;
	for (size_t d = 0; d < draws; d++) {
		double x[5];
		for (size_t i = 0; i < 5; i++)
			x[i] = rng_normal(&rng);
		coverage = stats_median_ci(x, 5, 0.95, &lo, &hi);
		covered += lo <= 0 && 0 <= hi;
	}
	/* binomial standard error at 0.9375 over 20000 draws: 0.0017 */
	assert_float_equal((double)covered / (double)draws, coverage, 0.006);
}

static void test_shift_ratio_ci(void **state)
{
	(void)state;
	/* NEW = 2 x BASE: pairwise ratios 2 x(i)/x(j); k = 3 of 25 at 5 + 5 (P(U <= 2) = 4/252) */
	const double base[] = { 1, 2, 3, 4, 5 }, new[] = { 2, 4, 6, 8, 10 };
	double lo, hi;
	assert_float_equal(stats_shift_ratio_ci(new, 5, base, 5, 0.05, &lo, &hi), 1 - 8.0 / 252,
			   1e-12);
	assert_float_equal(lo, 2.0 / 3, 1e-12);
	assert_float_equal(hi, 6, 1e-12);
	/* 3 + 3 cannot reach 95% (at best 1 - 2/20): no interval, and the coverage it would have */
	assert_float_equal(stats_shift_ratio_ci(new, 3, base, 3, 0.05, &lo, &hi), 0.9, 1e-12);
	assert_true(isnan(lo) && isnan(hi));
	/* values that are not all positive shift additively, scaled by the base median */
	const double zbase[] = { 0, 1, 2, 3, 4 }, znew[] = { 3, 4, 5, 6, 7 };
	stats_shift_ratio_ci(znew, 5, zbase, 5, 0.05, &lo, &hi);
	/* differences i - j + 3: the 3rd smallest is 0 and the 3rd largest 6; base median 2 */
	assert_float_equal(lo, 1, 1e-12);
	assert_float_equal(hi, 1 + 6.0 / 2, 1e-12);

	/* its coverage under a true ratio of 1.3: 5000 draws of 5 + 5 lognormal samples, 5% spread */
	struct rng rng;
	rng_seed(&rng, 13);
	size_t covered = 0, draws = 5000;
	double coverage = 0;
	for (size_t d = 0; d < draws; d++) {
		double a[5], b[5];
		for (size_t i = 0; i < 5; i++) {
			a[i] = 130 * exp(0.05 * rng_normal(&rng));
			b[i] = 100 * exp(0.05 * rng_normal(&rng));
		}
		coverage = stats_shift_ratio_ci(a, 5, b, 5, 0.05, &lo, &hi);
		covered += lo <= 1.3 && 1.3 <= hi;
	}
	assert_float_equal((double)covered / (double)draws, coverage, 0.01);
}

static void test_mann_whitney_exact(void **state)
{
	(void)state;
	/* scipy.stats.mannwhitneyu(males, females, method="exact"): U = 17, p = 2 * 7/126 */
	const double males[] = { 19, 22, 16, 29, 24 };
	const double females[] = { 20, 11, 17, 12 };
	assert_float_equal(stats_mann_whitney_exact_p(males, 5, females, 4), 1.0 / 9, 1e-12);
	assert_float_equal(stats_mann_whitney_exact_p(females, 4, males, 5), 1.0 / 9, 1e-12);
	/* 5 against 5, completely separated: the smallest p there is, 2/252 */
	const double lowv[] = { 1, 2, 3, 4, 5 }, highv[] = { 6, 7, 8, 9, 10 };
	assert_float_equal(stats_mann_whitney_exact_p(highv, 5, lowv, 5), 2.0 / 252, 1e-15);
	assert_float_equal(stats_mann_whitney_exact_p(lowv, 5, lowv, 5), 1.0, 0);
	assert_float_equal(stats_mann_whitney_exact_p(lowv, 0, lowv, 5), 1.0, 0);
	/* beyond 2500 pairs: the normal approximation */
	double big[60], big2[60];
	fill_noisy(big, 60, 100);
	fill_noisy(big2, 60, 103);
	assert_float_equal(stats_mann_whitney_exact_p(big, 60, big2, 60),
			   stats_mann_whitney_p(big, 60, big2, 60), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_median),
		cmocka_unit_test(test_mean_stddev_cv),
		cmocka_unit_test(test_percentile_linear),
		cmocka_unit_test(test_bootstrap_ci),
		cmocka_unit_test(test_bootstrap_degenerate),
		cmocka_unit_test(test_ratio),
		cmocka_unit_test(test_mann_whitney),
		cmocka_unit_test(test_bootstrap_pinned),
		cmocka_unit_test(test_median_ci_exact),
		cmocka_unit_test(test_shift_ratio_ci),
		cmocka_unit_test(test_mann_whitney_exact),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
