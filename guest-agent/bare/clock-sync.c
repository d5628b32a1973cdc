/* The vCPUs' clocks against vCPU 0's: see clock-sync.h. */
#include "guest-agent/bare/clock-sync.h"

static inline void sync_pause(void)
{
	__builtin_ia32_pause();
}

static void wait_turn(struct clock_sync_pair *p, uint64_t turn)
{
	while (__atomic_load_n(&p->turn, __ATOMIC_ACQUIRE) != turn)
		sync_pause();
}

void clock_sync_pair_init(struct clock_sync_pair *p)
{
	p->turn = 0;
	p->stamp = 0;
}

/*
 * Each round bounds the offset: the responder read its clock after the initiator's first
 * reading (a) and before its second (c), so its reading b lies in [a, c] on the initiator's
 * clock and the offset in [b - c, b - a]. Every round's interval holds the true offset, so
 * their intersection does; its middle is the estimate and its half-width the error bound.
 */
struct clock_sync_result clock_sync_initiate(struct clock_sync_pair *p, clock_sync_read_fn read)
{
	int64_t lo = INT64_MIN, hi = INT64_MAX;
	for (uint64_t r = 0; r < CLOCK_SYNC_ROUNDS; r++) {
		uint64_t a = read();
		__atomic_store_n(&p->turn, 2 * r + 1, __ATOMIC_RELEASE);
		wait_turn(p, 2 * r + 2);
		uint64_t c = read();
		uint64_t b = p->stamp;
		int64_t round_lo = (int64_t)(b - c), round_hi = (int64_t)(b - a);
		lo = round_lo > lo ? round_lo : lo;
		hi = round_hi < hi ? round_hi : hi;
	}
	struct clock_sync_result res = { 0, 0, lo <= hi };
	if (res.consistent) {
		res.offset = lo + (hi - lo) / 2;
		res.within = (uint64_t)(hi - lo) / 2 + 1;
	}
	return res;
}

void clock_sync_respond(struct clock_sync_pair *p, clock_sync_read_fn read)
{
	for (uint64_t r = 0; r < CLOCK_SYNC_ROUNDS; r++) {
		wait_turn(p, 2 * r + 1);
		p->stamp = read();
		__atomic_store_n(&p->turn, 2 * r + 2, __ATOMIC_RELEASE);
	}
}
