/*
 * The one clock every layer times and waits with: CLOCK_MONOTONIC, which never steps back and
 * ignores changes to the wall clock. Inline, so that timing a short interval costs no call.
 */
#ifndef VB_CLOCK_H
#define VB_CLOCK_H

#include <limits.h>
#include <stdint.h>
#include <time.h>

static inline uint64_t clock_timespec_ns(const struct timespec *ts)
{
	return (uint64_t)ts->tv_sec * 1000000000u + (uint64_t)ts->tv_nsec;
}

static inline uint64_t clock_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return clock_timespec_ns(&ts);
}

/* The same clock in (fractional) milliseconds and seconds, for durations that are reported. */
static inline double clock_now_ms(void)
{
	return (double)clock_now_ns() / 1e6;
}

static inline double clock_now_s(void)
{
	return (double)clock_now_ns() / 1e9;
}

/*
 * Waiting with poll() until a deadline: clock_deadline_ms(timeout) is when (whole milliseconds;
 * -1 for a negative timeout, which never expires), clock_ms_left(deadline) what poll() is given:
 * the milliseconds still to go, 0 once it has passed, -1 (wait for ever) for no deadline.
 */
static inline int64_t clock_deadline_ms(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : (int64_t)(clock_now_ns() / 1000000u) + timeout_ms;
}

static inline int clock_ms_left(int64_t deadline_ms)
{
	if (deadline_ms < 0)
		return -1;
	int64_t left = deadline_ms - (int64_t)(clock_now_ns() / 1000000u);
	return left <= 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

#endif
