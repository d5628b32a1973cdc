/*
 * Unit tests for the bare guest's clock comparison (guest-agent/bare/clock-sync.c), with two
 * threads for vCPUs and a clock per thread: the host's CLOCK_MONOTONIC plus an offset the test
 * chooses. The offset found must hold the one put in within its bound, whatever the threads'
 * scheduling; a clock that steps between rounds must be called inconsistent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <time.h>

#include "guest-agent/bare/clock-sync.h"

static __thread int64_t thread_offset;
static __thread uint64_t thread_reads;
static int64_t step_after_reads; /* > 0: the responder's clock jumps after this many readings */

static uint64_t fake_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	thread_reads++;
	if (step_after_reads && thread_reads > (uint64_t)step_after_reads)
		now += 10000000000ull; /* 10 s forward: longer than any round trip a busy machine makes */
	return now + (uint64_t)thread_offset;
}

struct responder {
	struct clock_sync_pair *pair;
	int64_t offset;
};

static void *respond(void *arg)
{
	struct responder *r = arg;
	thread_offset = r->offset;
	thread_reads = 0;
	clock_sync_respond(r->pair, fake_clock);
	return NULL;
}

static struct clock_sync_result compare_with(int64_t offset)
{
	static struct clock_sync_pair pair;
	clock_sync_pair_init(&pair);
	struct responder r = { &pair, offset };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, respond, &r), 0);
	thread_offset = 0;
	struct clock_sync_result res = clock_sync_initiate(&pair, fake_clock);
	assert_int_equal(pthread_join(t, NULL), 0);
	return res;
}

static void assert_found(int64_t offset)
{
	struct clock_sync_result res = compare_with(offset);
	assert_true(res.consistent);
	int64_t error = res.offset - offset;
	assert_true((uint64_t)(error < 0 ? -error : error) <= res.within);
}

static void test_same_clock(void **state)
{
	(void)state;
	assert_found(0);
}

static void test_responder_ahead(void **state)
{
	(void)state;
	assert_found(4000000); /* 4 ms, as KVM's per-vCPU offsets were in the nested rig */
}

static void test_responder_behind(void **state)
{
	(void)state;
	assert_found(-7500000);
}

static void test_far_apart(void **state)
{
	(void)state;
	assert_found(3600ll * 1000000000); /* an hour: no overflow in the bounds */
}

static void test_step_is_inconsistent(void **state)
{
	(void)state;
	step_after_reads = CLOCK_SYNC_ROUNDS / 2;
	struct clock_sync_result res = compare_with(0);
	step_after_reads = 0;
	assert_false(res.consistent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_clock),
		cmocka_unit_test(test_responder_ahead),
		cmocka_unit_test(test_responder_behind),
		cmocka_unit_test(test_far_apart),
		cmocka_unit_test(test_step_is_inconsistent),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
