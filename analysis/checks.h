/* Checks on a finished run that say when its numbers need a caveat: sizes, clocks, limits. */
#ifndef VB_CHECKS_H
#define VB_CHECKS_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/results.h"

/*
 * Look at a run's hellos, sizes and latency curve, and record what a reader must know: a note
 * on each entry measured below 4x the LLC or without the huge pages it asked for, the memory
 * each backend could really use, the LLC check, and run-wide warnings (a slow clock source, a
 * backend --memory did not limit). Idempotent.
 */
void checks_run(struct results_doc *doc);

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
