/* The suite runner behind `run` and `compare`: bring backends up, interleave samples, save. */
#ifndef VB_RUNNER_H
#define VB_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

#include "common/exit.h"
#include "harness/run-options.h"

/* What the runner tells whoever watches the run (the command line's progress display). */
struct run_observer {
	void *ctx;
	void (*begin)(void *ctx, size_t workloads, unsigned samples_per_workload);
	void (*workload)(void *ctx, const char *id);
	/* sample i of n of workload on backend is about to run */
	void (*sample)(void *ctx, const char *backend, const char *workload, unsigned i, unsigned n,
		       bool warmup);
	/* something that must not be lost: an error, a backend starting or skipped */
	void (*note)(void *ctx, const char *message);
	void (*end)(void *ctx);
};

/*
 * Run o's workloads on o's backends, print the table and save the results (compare: ratios and
 * a report too). Returns VB_EXIT_OK, VB_EXIT_FAILED (a workload failed), VB_EXIT_ENVIRONMENT
 * (nothing could run, or the results could not be saved) or VB_EXIT_INTERRUPTED (Ctrl-C; what
 * was measured is saved). watch may be NULL: nobody is told.
 */
enum vb_exit runner_main(const struct run_options *o, bool compare, const char *self_path,
			 const struct run_observer *watch);

#endif
