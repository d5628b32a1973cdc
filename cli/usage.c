/* The one way a command reports a usage error: a line naming the command, and where help is. */
#include "cli/usage.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>

enum vb_exit usage_error(const char *command, const char *fmt, ...)
{
	char message[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	if (command)
		fprintf(stderr, "vbench %s: %s; see vbench %s --help\n", command, message, command);
	else
		fprintf(stderr, "vbench: %s; see vbench --help\n", message);
	return VB_EXIT_USAGE;
}

enum vb_exit usage_bad_option(const char *command, char **argv)
{
	return usage_error(command, "unknown or incomplete option \"%s\"", argv[optind - 1]);
}
