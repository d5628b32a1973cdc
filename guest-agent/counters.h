/* Per-sample counters: software counters always, hardware counters through libpfm4 where exposed. */
#ifndef VB_AGENT_COUNTERS_H
#define VB_AGENT_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/protocol.h"

struct counters;
struct perf_event_attr;

/* Find what this environment offers; never fails (unavailable counters are left out). */
struct counters *counters_open(void);
void counters_close(struct counters *c);
bool counters_have_hardware(const struct counters *c);
/* Why hardware counters are unavailable ("" when they are available). */
const char *counters_note(const struct counters *c);
/* Count a perf event too, per sample, as name (how hardware events are added); -1 with errno
 * when the kernel refuses it. */
int counters_add_event(struct counters *c, const char *name, const struct perf_event_attr *attr);
/*
 * Count one sample: everything this process and the child processes it reaps do until
 * counters_stop, and nothing an earlier sample did. The agent runs no threads of its own
 * besides the workload's, whose threads must be joined and children reaped before the stop.
 */
/*
 * events false: this sample gets the getrusage counters only, no perf event (workloads that time
 * context switches, forks and clones, which an attached event would slow down; see
 * workload.uncounted); the events' names are then left out of its counts.
 */
void counters_start(struct counters *c, bool events);
/*
 * Stop and append the sample's counts (task_clock_ns, page_faults, ctx_switches, steal_ms,
 * cpus_busy_ms, cpus_total_ms[, cycles, instructions, llc_misses]); a counter that could not be
 * counted this time is NaN. The cpus_ ones and steal_ms are /proc/stat's for every CPU the agent
 * may run on, whoever used them: the share of those CPUs' time stolen by the hypervisor, and
 * (less the agent's own task clock) what other processes did there.
 */
void counters_stop(struct counters *c, struct proto_values *out);

#endif
