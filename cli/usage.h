/* The one way a command reports a usage error: a line naming the command, and where help is. */
#ifndef VB_USAGE_H
#define VB_USAGE_H

#include "common/exit.h"

/*
 * Print "vbench COMMAND: MESSAGE; see vbench COMMAND --help" on stderr (command NULL: vbench
 * itself) and return VB_EXIT_USAGE, so that `return usage_error(...)` ends a command.
 */
enum vb_exit usage_error(const char *command, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* The option getopt_long stopped at in argv (unknown, or missing its value) as a usage error. */
enum vb_exit usage_bad_option(const char *command, char **argv);

#endif
