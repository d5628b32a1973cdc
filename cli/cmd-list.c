/* `vbench list`: the workloads (id, group, metrics) and the backends with their availability here. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "backends/backend.h"
#include "cli/commands.h"
#include "backends/cpus.h"
#include "cli/usage.h"
#include "workloads/workload.h"

static void usage(void)
{
	printf("usage: vbench list [--workloads | --backends]\n\n"
	       "List every workload (id, group, metrics with unit and which direction is better)\n"
	       "and every backend with whether it can run on this host, and why not.\n");
}

int cmd_list(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "workloads", no_argument, NULL, 'w' },
		{ "backends", no_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool show_w = true, show_b = true;
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'w': show_b = false; break;
		case 'b': show_w = false; break;
		case 'h': usage(); return VB_EXIT_OK;
		default: return usage_bad_option("list", argv);
		}
	}
	if (optind < argc)
		return usage_error("list", "unexpected argument \"%s\"", argv[optind]);
	if (show_w) {
		const struct workload *w;
		printf("Workloads:\n");
		for (size_t i = 0; (w = workload_at(i)); i++) {
			printf("  %-18s %-9s %s\n", w->id, w->group, w->description);
			printf("  %-18s %-9s metrics:", "", "");
			for (size_t m = 0; m < workload_metric_count(w); m++)
				printf("%s %s (%s, %s)", m ? "," : "", w->metrics[m].name,
				       w->metrics[m].unit,
				       w->metrics[m].better == BETTER_HIGHER ? "higher is better"
									     : "lower is better");
			printf("\n");
		}
	}
	if (show_b) {
		struct backend_config cfg;
		memset(&cfg, 0, sizeof(cfg));
		struct vb_error err;
		unsigned n = 0;
		cpus_pick(0, cfg.cpu_list, &n, &err);
		cfg.ncpus = n;
		cfg.memory_bytes = 1ULL << 30;
		printf("%sBackends:\n", show_w ? "\n" : "");
		for (size_t i = 0; backend_at(i); i++) {
			const struct backend_ops *b = backend_at(i);
			error_clear(&err);
			bool ok = !b->probe || b->probe(&cfg, &err) == 0;
			printf("  %-7s %-13s %s\n", b->name, ok ? "available" : "unavailable",
			       b->description);
			if (!ok)
				printf("  %-7s %-13s reason: %s\n", "", "", err.message);
			else if (err.message[0])
				printf("  %-7s %-13s how: %s\n", "", "", err.message);
		}
	}
	return VB_EXIT_OK;
}
