/* vbench: the command-line entry point; dispatches git-style subcommands from one table. */
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/usage.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{ "compare", cmd_compare, "run the same workloads in several backends and compare them" },
	{ "run", cmd_run, "run the workloads in one backend" },
	{ "list", cmd_list, "list workloads and backends (and whether each can run here)" },
	{ "info", cmd_info, "describe this host: CPU, topology, kernel, KVM, cgroups, counters" },
	{ "report", cmd_report, "write Markdown, HTML and CSV reports from results files" },
	{ "diff", cmd_diff, "compare two results files; exit 1 on a significant regression" },
	{ "history", cmd_history, "show a metric's trend over saved results" },
	{ "exec", cmd_exec, "run a command inside a backend's environment (debugging)" },
	{ "vm", cmd_vm, "boot a Linux kernel on vbench's own VMM (console on stdout)" },
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: vbench COMMAND [options]\n\n"
		"vbench measures what a virtualization technology costs: the same static agent\n"
		"runs the same workloads natively, in a namespace container and in a KVM VM.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out,
		"\n'vbench COMMAND --help' describes a command. Exit status: 0 ok, 1 a failed\n"
		"check (a regression, a failed workload), 2 usage or environment error,\n"
		"130 interrupted.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return VB_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return VB_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version")) {
		printf("vbench %s\n", VBENCH_VERSION);
		return VB_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	return usage_error(NULL, "unknown command \"%s\"", argv[1]);
}
