/* `vbench history` (placeholder until it lands). */
#include <stdio.h>
#include <string.h>

#include "harness/commands.h"

int cmd_history(int argc, char **argv)
{
	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: vbench history ...\n\nNot built yet in this version of vbench.\n");
		return 0;
	}
	fprintf(stderr, "vbench history: not built yet in this version of vbench\n");
	return 2;
}
