/* Progress while running: a live line on a terminal, plain lines otherwise, nothing with --quiet. */
#ifndef VB_PROGRESS_H
#define VB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/runner.h"

struct progress {
	bool quiet, tty;
	double start_s;
	size_t workloads_total, workloads_done;
	unsigned samples_per_workload; /* all backends, warm-up included */
	unsigned samples_done;	       /* of the whole run */
	bool line_open;		       /* a live line is on screen */
	char workload[64];
};

void progress_init(struct progress *p, bool quiet);
void progress_set_total(struct progress *p, size_t workloads, unsigned samples_per_workload);
void progress_workload(struct progress *p, const char *id);
void progress_sample(struct progress *p, const char *backend, const char *workload, unsigned i,
		     unsigned n, bool warmup);
/* A message that must not be lost in the live line (errors, skipped backends). */
void progress_note(struct progress *p, const char *message);
void progress_done(struct progress *p);
/* The runner's observer that shows the run on p. */
struct run_observer progress_observer(struct progress *p);

#endif
