/*
 * How far apart the vCPUs' TSCs read: a ping-pong over one cache line between vCPU 0 and each
 * other vCPU. A Linux guest checks the same at boot and leaves the TSC when it finds them apart;
 * the bare guest has no other clock, so it measures the offsets and subtracts them instead. A
 * parallel sample is timed from the first worker's start to the last one's end, across vCPUs:
 * without this, an offset between two vCPUs' clocks lands in that span.
 */
#ifndef VB_BARE_CLOCK_SYNC_H
#define VB_BARE_CLOCK_SYNC_H

#include <stdint.h>

/* Round trips per vCPU pair: the offset is known to within the narrowest. */
#define CLOCK_SYNC_ROUNDS 32

/* One pair's meeting place: the turn and the responder's reading share a cache line. */
struct clock_sync_pair {
	volatile uint64_t turn;	 /* odd: the initiator asks; even: the responder answered */
	volatile uint64_t stamp; /* the responder's clock when it answered */
} __attribute__((aligned(64)));

/*
 * What a pair found: the responder's clock minus the initiator's, in ticks, somewhere in
 * [offset - within, offset + within]. consistent is 0 when the rounds contradict each other
 * (the clocks drift apart or one stepped): then offset is meaningless.
 */
struct clock_sync_result {
	int64_t offset;
	uint64_t within;
	int consistent;
};

/* The clock both sides read (the TSC in the guest; a fake with offsets in the tests). */
typedef uint64_t (*clock_sync_read_fn)(void);

void clock_sync_pair_init(struct clock_sync_pair *p);
/* The initiator's side (vCPU 0): CLOCK_SYNC_ROUNDS round trips with the responder on p. */
struct clock_sync_result clock_sync_initiate(struct clock_sync_pair *p, clock_sync_read_fn read);
/* The responder's side: answers the initiator's CLOCK_SYNC_ROUNDS round trips on p. */
void clock_sync_respond(struct clock_sync_pair *p, clock_sync_read_fn read);

#endif
