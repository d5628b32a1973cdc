/* Per-sample counters: software counters always, hardware counters through libpfm4 where exposed. */
#ifndef VB_AGENT_COUNTERS_H
#define VB_AGENT_COUNTERS_H

#include <stdbool.h>
#include <stddef.h>

#include "common/protocol.h"

struct counters;

/* Open what this environment offers; never fails (unavailable counters are left out). */
struct counters *counters_open(void);
void counters_close(struct counters *c);
bool counters_have_hardware(const struct counters *c);
/* Why hardware counters are unavailable ("" when they are available). */
const char *counters_note(const struct counters *c);
void counters_start(struct counters *c);
/* Stop and append the deltas (task_clock_ns, page_faults, ctx_switches[, cycles, instructions, llc_misses]). */
void counters_stop(struct counters *c, struct proto_values *out);

#endif
