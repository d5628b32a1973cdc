/* The suite runner behind `run` and `compare`: bring backends up, interleave samples, save. */
#ifndef VB_RUNNER_H
#define VB_RUNNER_H

#include <stdbool.h>
#include <stddef.h>

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
 * Returns the exit code: 0 ok, 1 a workload failed, 2 environment error, 130 interrupted.
 * watch may be NULL: nobody is told.
 */
int runner_main(const struct run_options *o, bool compare, const char *self_path,
		const struct run_observer *watch);

#endif
