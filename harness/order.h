/* The order the backends take their turns in, round by round, within one workload. */
#ifndef VB_ORDER_H
#define VB_ORDER_H

#include <stdint.h>

/*
 * Fill order[0..n) with the session indexes in the order they run in round `round` (counted
 * from 0, warm-ups included) of `workload`: a shuffle of 0..n-1 seeded by (seed, workload),
 * rotated by one place per round. Over any n consecutive rounds every backend takes every
 * place once, so whatever a place brings (caches warmed or cooled by the one before, a CPU
 * that has just changed speed) is shared out evenly; the shuffle makes who follows whom
 * differ from one workload to the next. The same seed gives the same orders.
 */
void order_round(uint64_t seed, const char *workload, unsigned round, unsigned n, unsigned *order);

#endif
