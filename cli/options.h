/* The command line of `vbench run` and `vbench compare`, parsed and checked in one place. */
#ifndef VB_OPTIONS_H
#define VB_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "common/error.h"
#include "harness/run-options.h"

/*
 * Parse argv (argv[0] is the subcommand). compare accepts several backends, run exactly one.
 * Returns 0, or -1 with one line naming the bad value in err.
 */
int options_parse(struct run_options *o, int argc, char **argv, bool compare, struct vb_error *err);
void options_usage(bool compare);

#endif
