/* `vbench diff` (placeholder until it lands). */
#include <stdio.h>
#include <string.h>

#include "harness/commands.h"

int cmd_diff(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: vbench diff ...\n\nNot built yet in this version of vbench.\n");
		return 0;
	}
	fprintf(stderr, "vbench diff: not built yet in this version of vbench\n");
	return 2;
}
