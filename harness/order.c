/* The order the backends take their turns in, round by round, within one workload. */
#include "harness/order.h"

/* splitmix64: one step of a small, well-mixed generator. */
static uint64_t order_next(uint64_t *state)
{
	uint64_t x = (*state += 0x9e3779b97f4a7c15ULL);
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

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
	/* FNV-1a of the workload's id, so that each workload gets its own shuffle */
	uint64_t state = 0xcbf29ce484222325ULL;
	for (const unsigned char *s = (const unsigned char *)workload; *s; s++)
		state = (state ^ *s) * 0x100000001b3ULL;
	state ^= order_next(&(uint64_t){ seed });
	for (unsigned i = 0; i < n; i++)
		order[i] = i;
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)(order_next(&state) % (i + 1));
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
