/* The order the backends take their turns in, round by round, within one workload. */
#include "harness/order.h"

#include "common/rng.h"

static void order_reverse(unsigned *a, unsigned from, unsigned to)
{
	while (from + 1 < to) {
		unsigned t = a[from];
		a[from++] = a[--to];
		a[to] = t;
	}
}

void order_round(uint64_t seed, const char *workload, unsigned round, unsigned n, unsigned *order)
{
	if (n == 0)
		return;
	/* each workload gets its own shuffle */
	uint64_t state = rng_hash_string(workload) ^ rng_mix64(seed);
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)(rng_splitmix64(&state) % (i + 1));
		unsigned t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	/* rotate left by round places: reverse both parts, then the whole */
	unsigned k = round % n;
	order_reverse(order, 0, k);
	order_reverse(order, k, n);
	order_reverse(order, 0, n);
}
