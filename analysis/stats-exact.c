/* Distribution-free statistics with exact coverage: order-statistic and rank (Mann-Whitney) intervals. */
#include "analysis/stats.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Above this many pairs the exact null distribution gives way to the normal approximation. */
#define STATS_EXACT_MAX_PAIRS 2500

static int stats_exact_compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* P(Binomial(n, 1/2) <= k), summed in log space so that large n neither overflows nor underflows. */
static double stats_binomial_half_cdf(size_t n, size_t k)
{
	double sum = 0, log_half_n = (double)n * log(0.5);
	for (size_t i = 0; i <= k && i <= n; i++)
		sum += exp(lgamma((double)n + 1) - lgamma((double)i + 1) -
			   lgamma((double)(n - i) + 1) + log_half_n);
	return sum > 1 ? 1 : sum;
}

double stats_median_ci(const double *x, size_t n, double level, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (n == 0)
		return NAN;
	if (!(level > 0 && level < 1))
		level = 0.95;
	double *s = malloc(n * sizeof(*s));
	if (!s)
		return NAN;
	memcpy(s, x, n * sizeof(*s));
	qsort(s, n, sizeof(*s), stats_exact_compare);
	/*
	 * [x(k), x(n+1-k)] misses the population median only when k-1 or fewer samples fall on one
	 * side of it: coverage 1 - 2 P(Bin(n, 1/2) <= k-1), whatever the distribution (continuous).
	 * The narrowest such interval that reaches the level; when none does (n <= 5 at 95%), the
	 * widest one, [min, max], with the coverage it really has.
	 */
	size_t k = 1;
	while (k + 1 <= (n + 1) / 2 && 1 - 2 * stats_binomial_half_cdf(n, k) >= level)
		k++;
	*lo = s[k - 1];
	*hi = s[n - k];
	free(s);
	double coverage = 1 - 2 * stats_binomial_half_cdf(n, k - 1);
	return coverage < 0 ? 0 : coverage;
}

/*
 * Null distribution of the Mann-Whitney U (pairs with the first sample's value above the
 * second's) for sizes m and n without ties: cdf[u] = P(U <= u), u in [0, m n]. Counts of
 * arrangements by the largest element: f(i, j, u) = f(i-1, j, u-j) + f(i, j-1, u), kept in
 * one (m+1) x (m n + 1) table updated in place for j = 1..n. NULL when too large or no memory.
 */
static double *stats_mann_whitney_null_cdf(size_t m, size_t n)
{
	if (m > n) {
		size_t t = m;
		m = n, n = t; /* U's distribution is the same either way round */
	}
	size_t pairs = m * n, width = pairs + 1;
	if (m == 0 || pairs > STATS_EXACT_MAX_PAIRS)
		return NULL;
	double *f = calloc((m + 1) * width, sizeof(*f));
	double *cdf = malloc(width * sizeof(*cdf));
	if (!f || !cdf) {
		free(f);
		free(cdf);
		return NULL;
	}
	for (size_t i = 0; i <= m; i++)
		f[i * width] = 1; /* no second-sample values yet: U = 0 */
	for (size_t j = 1; j <= n; j++)
		for (size_t i = 1; i <= m; i++)
			for (size_t u = i * j + 1; u-- > j;)
				f[i * width + u] += f[(i - 1) * width + u - j];
	double total = 0;
	for (size_t u = 0; u < width; u++)
		total += f[m * width + u];
	double run = 0;
	for (size_t u = 0; u < width; u++) {
		run += f[m * width + u];
		cdf[u] = run / total;
	}
	free(f);
	return cdf;
}

/* U of a against b, ties counting one half; and whether any tie occurred. */
static double stats_u_statistic(const double *a, size_t na, const double *b, size_t nb, bool *ties)
{
	double u = 0;
	*ties = false;
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++) {
			if (a[i] > b[j])
				u += 1;
			else if (a[i] == b[j])
				u += 0.5, *ties = true;
		}
	return u;
}

double stats_mann_whitney_exact_p(const double *a, size_t na, const double *b, size_t nb)
{
	if (na == 0 || nb == 0)
		return 1.0;
	double *cdf = stats_mann_whitney_null_cdf(na, nb);
	if (!cdf)
		return stats_mann_whitney_p(a, na, b, nb);
	bool ties;
	double u = stats_u_statistic(a, na, b, nb, &ties);
	double pairs = (double)na * (double)nb;
	double tail = fmin(u, pairs - u);
	/* a tie's half point rounds towards the centre: never a smaller p than the data support */
	double p = 2 * cdf[(size_t)ceil(tail)];
	free(cdf);
	return p > 1 ? 1 : p;
}

/* z with P(Z > z) = q for a standard normal Z, by bisection on erfc (q in (0, 0.5]). */
static double stats_normal_upper_quantile(double q)
{
	double lo = 0, hi = 40;
	for (int i = 0; i < 200; i++) {
		double mid = (lo + hi) / 2;
		if (0.5 * erfc(mid / sqrt(2.0)) > q)
			lo = mid;
		else
			hi = mid;
	}
	return (lo + hi) / 2;
}

static bool stats_all_positive(const double *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!(x[i] > 0))
			return false;
	return true;
}

double stats_shift_ratio_ci(const double *num, size_t nn, const double *den, size_t nd,
			    double alpha, double *lo, double *hi)
{
	*lo = *hi = NAN;
	if (nn == 0 || nd == 0)
		return NAN;
	if (!(alpha > 0 && alpha < 1))
		alpha = 0.05;
	double den_median = stats_median(den, nd);
	/* ratios live on a log scale; values that are not all positive shift on their own scale */
	bool logs = stats_all_positive(num, nn) && stats_all_positive(den, nd);
	if (!logs && !(den_median > 0))
		return NAN;
	size_t pairs = nn * nd;
	double *d = malloc(pairs * sizeof(*d));
	if (!d)
		return NAN;
	for (size_t i = 0; i < nn; i++)
		for (size_t j = 0; j < nd; j++)
			d[i * nd + j] = logs ? log(num[i]) - log(den[j]) : num[i] - den[j];
	qsort(d, pairs, sizeof(*d), stats_exact_compare);
	/*
	 * The shift s keeps U(num - s, den) inside its central range exactly when s lies between
	 * the k-th smallest and k-th largest pairwise difference, with P(U <= k-1) <= alpha / 2.
	 */
	size_t k = 0;
	double coverage;
	double *cdf = stats_mann_whitney_null_cdf(nn, nd);
	if (cdf) {
		while (k < pairs && cdf[k] <= alpha / 2)
			k++;
		coverage = 1 - 2 * (k ? cdf[k - 1] : 0);
		if (k == 0) /* even the widest interval falls short: say how far */
			coverage = 1 - 2 * cdf[0];
		free(cdf);
	} else {
		double m = (double)nn, n = (double)nd;
		double z = stats_normal_upper_quantile(alpha / 2);
		double kk = floor(m * n / 2 - z * sqrt(m * n * (m + n + 1) / 12));
		k = kk >= 1 ? (size_t)kk : 0;
		coverage = 1 - alpha;
	}
	if (k >= 1 && k <= pairs + 1 - k) {
		double a = d[k - 1], b = d[pairs - k];
		*lo = logs ? exp(a) : 1 + a / den_median;
		*hi = logs ? exp(b) : 1 + b / den_median;
	}
	free(d);
	return coverage;
}
