/* Per-sample counters: software counters always, hardware counters through libpfm4 where exposed. */
#ifndef VB_AGENT_COUNTERS_H
#define VB_AGENT_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/protocol.h"

struct counters;

/* Where task_clock_ns, page_faults and ctx_switches may come from. */
enum counters_source {
	COUNTERS_SOURCE_ANY,	/* perf_event_open where the kernel allows it, else getrusage */
	COUNTERS_SOURCE_RUSAGE, /* getrusage only: what the agent falls back to */
};

/* Find what this environment offers; never fails (unavailable counters are left out). */
struct counters *counters_open(enum counters_source source);
void counters_close(struct counters *c);
bool counters_have_hardware(const struct counters *c);
/* Why hardware counters are unavailable ("" when they are available). */
const char *counters_note(const struct counters *c);
/* "perf_event" or "getrusage": where the software counters of every sample come from. */
const char *counters_software_source(const struct counters *c);
/*
 * Count one sample: everything the calling thread and the threads and processes it creates
 * until counters_stop do, and nothing any earlier sample did. Threads must be joined and
 * child processes reaped before counters_stop.
 */
void counters_start(struct counters *c);
/* Stop and append the sample's counts (task_clock_ns, page_faults, ctx_switches[, cycles,
 * instructions, llc_misses]); a counter that could not be counted this time is NaN. */
void counters_stop(struct counters *c, struct proto_values *out);

#endif
