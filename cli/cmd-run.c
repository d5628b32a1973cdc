/* `vbench run BACKEND` and `vbench compare BACKEND...`: parse options, hand over to the runner. */
#include "cli/commands.h"
#include "cli/options.h"
#include "cli/progress.h"
#include "cli/usage.h"
#include "harness/runner.h"

static int run_or_compare(int argc, char **argv, bool compare)
{
	struct run_options o;
	struct vb_error err;
	if (options_parse(&o, argc, argv, compare, &err) < 0)
		return usage_error(argv[0], "%s", err.message);
	if (o.help) {
		options_usage(compare);
		return VB_EXIT_OK;
	}
	struct progress progress;
	progress_init(&progress, o.quiet);
	struct run_observer watch = progress_observer(&progress);
	return runner_main(&o, compare, argv[0], &watch);
}

int cmd_run(int argc, char **argv)
{
	return run_or_compare(argc, argv, false);
}

int cmd_compare(int argc, char **argv)
{
	return run_or_compare(argc, argv, true);
}
