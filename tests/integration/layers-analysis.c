/*
 * `vbench report`, `diff` and `history` as a program of their own, linked with the analysis
 * layer and what lies below it only (the Makefile's ANALYSIS_OBJ): that it links at all shows
 * these commands need no backend, runner or host code. tests/integration/layers.sh runs it.
 */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} commands[] = { { "report", cmd_report },
			 { "diff", cmd_diff },
			 { "history", cmd_history } };
	for (size_t i = 0; argc > 1 && i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "usage: %s report|diff|history ARGS...\n", argv[0]);
	return 2;
}
