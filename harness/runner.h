/* The suite runner behind `run` and `compare`: bring backends up, interleave samples, save. */
#ifndef VB_RUNNER_H
#define VB_RUNNER_H

#include "harness/options.h"

/* Returns the exit code: 0 ok, 1 a workload failed, 2 environment error, 130 interrupted. */
int runner_main(const struct run_options *o, bool compare, const char *self_path);

#endif
