/* `vbench history`: the results of a folder in time order, a table and a trend chart per metric. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/usage.h"
#include "analysis/report-buf.h"
#include "analysis/report-history.h"

static const char history_usage[] =
	"usage: vbench history DIR [--metric PATTERN] [--out DIR]\n"
	"\n"
	"Read every results file (*.json) in DIR, order the runs by start time and show, per\n"
	"metric, each backend's median with its exact order-statistic interval over time (at\n"
	"least 95% coverage from 6 samples on; [min, max] at 93.75% with 5). Runs compare only\n"
	"with runs of the same host and CPU, suite, CPUs and memory: each such set is named (A,\n"
	"B, ...) in the tables and a trend line never leaves its set. The table is\n"
	"printed; history.md and history.html (with a gnuplot trend chart per metric) are "
	"written.\n"
	"\n"
	"  -m, --metric PATTERN  only metrics whose \"workload/metric\", workload or metric name\n"
	"                        matches the glob PATTERN (e.g. 'mem.latency/lat_*', 'p99', "
	"'cpu.*')\n"
	"  -o, --out DIR         where to write history.md and history.html (default "
	"reports/history)\n"
	"  -h, --help            show this help\n"
	"\n"
	"Files that are not vbench results are skipped with a warning.\n"
	"Exit status: 0 shown, 2 usage error, unreadable folder or no results in it.\n";

int cmd_history(int argc, char **argv)
{
	static const struct option options[] = {
		{ "metric", required_argument, NULL, 'm' },
		{ "out", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *pattern = NULL, *out = "reports/history";
	int c;
	optind = 0; /* main may have parsed its own options already */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "m:o:h", options, NULL)) != -1) {
		switch (c) {
		case 'm': pattern = optarg; break;
		case 'o': out = optarg; break;
		case 'h': fputs(history_usage, stdout); return VB_EXIT_OK;
		default: return usage_bad_option("history", argv);
		}
	}
	if (argc - optind != 1)
		return usage_error("history", "expected one folder of results files, DIR");
	const char *dir = argv[optind];
	struct vb_error err = { 0 };
	struct report_buf warnings, md, html;
	report_buf_init(&warnings);
	struct history h;
	int rc = history_load(&h, dir, &warnings, &err);
	for (char *line = warnings.text, *nl; line && *line; line = nl + 1) {
		if (!(nl = strchr(line, '\n')))
			break;
		fprintf(stderr, "vbench history: %.*s\n", (int)(nl - line), line);
	}
	report_buf_free(&warnings);
	if (rc < 0) {
		fprintf(stderr, "vbench history: %s\n", err.message);
		return VB_EXIT_ENVIRONMENT;
	}
	if (h.n == 0) {
		fprintf(stderr, "vbench history: no vbench results files in %s\n", dir);
		history_free(&h);
		return VB_EXIT_ENVIRONMENT;
	}
	report_buf_init(&md);
	report_buf_init(&html);
	size_t matched = history_render(&h, pattern, &md, &html);
	fputs(md.text ? md.text : "", stdout);
	rc = VB_EXIT_OK;
	if (pattern && matched == 0) {
		fprintf(stderr, "vbench history: no metric matches \"%s\"\n", pattern);
		rc = VB_EXIT_ENVIRONMENT;
	}
	char path[PATH_MAX];
	if (rc == VB_EXIT_OK && report_mkdirs(out, &err) < 0)
		rc = VB_EXIT_ENVIRONMENT;
	if (rc == VB_EXIT_OK &&
	    snprintf(path, sizeof(path), "%s/history.md", out) < (int)sizeof(path) &&
	    report_buf_write_file(&md, path, &err) < 0)
		rc = VB_EXIT_ENVIRONMENT;
	if (rc == VB_EXIT_OK &&
	    snprintf(path, sizeof(path), "%s/history.html", out) < (int)sizeof(path) &&
	    report_buf_write_file(&html, path, &err) < 0)
		rc = VB_EXIT_ENVIRONMENT;
	if (rc != VB_EXIT_OK && *err.message)
		fprintf(stderr, "vbench history: %s\n", err.message);
	else if (rc == VB_EXIT_OK)
		fprintf(stderr, "vbench history: wrote %s/history.md and %s/history.html\n", out,
			out);
	report_buf_free(&md);
	report_buf_free(&html);
	history_free(&h);
	return rc;
}
