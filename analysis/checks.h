/* Checks on a finished run that say when its numbers need a caveat: sizes, clocks, limits. */
#ifndef VB_CHECKS_H
#define VB_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/results.h"

/*
 * Look at a run's hellos, sizes and latency curve, and record what a reader must know: a note
 * on each entry measured below 4x the LLC or without the huge pages it asked for, the memory
 * each backend could really use, the LLC check, and run-wide warnings (a slow clock source, a
 * backend --memory did not limit, steal time over 1% of a backend's CPU time, other processes
 * over 5% busy on a bare-metal backend's CPUs during its cpu and mem samples). Idempotent.
 */
void checks_run(struct results_doc *doc);

/* What /proc/stat saw on a backend's CPUs over its samples (the agent's counters), summed. */
struct checks_cpu_time {
	double steal_ms, busy_ms, total_ms; /* steal_ms, cpus_busy_ms, cpus_total_ms */
	double own_ms;			    /* the agent's own task clock */
	size_t samples;			    /* samples that had all four */
};
/* Sum them over every workload's samples (or the cpu and mem groups' only). */
void checks_cpu_time(const struct results_doc *doc, const char *backend, bool cpu_and_mem_only,
		     struct checks_cpu_time *t);
/*
 * Steal over the time the CPUs used or wanted (busy + steal); NaN when there was none. The
 * warnings need 2 s of it: /proc/stat counts in 10 ms ticks.
 */
double checks_steal_share(const struct checks_cpu_time *t);
/* Busy time that was not the agent's, over all the CPUs' time; NaN when there was none. */
double checks_others_share(const struct checks_cpu_time *t);

/*
 * Does a latency step between step_lo and step_hi bytes (0, 0: none seen) agree with an LLC of
 * llc bytes, on a curve measured up to top bytes? Returns 1 agree, 0 disagree, -1 cannot tell;
 * the sentence saying so goes to out.
 */
int checks_llc_verdict(uint64_t llc, uint64_t step_lo, uint64_t step_hi, uint64_t top, char *out,
		       size_t len);

/*
 * Where a latency curve (ns at working sets growing by 4x) takes its last clear step up (by
 * half or more) into memory: 1 with *below and *above the sizes either side, 0 when no step is
 * seen (NaN points are skipped).
 */
int checks_latency_step(const double *ns, const size_t *bytes, size_t n, size_t *below,
			size_t *above);

#endif
