/* `vbench report`: Markdown, HTML (with charts) and CSV reports of one or more results files. */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/usage.h"
#include "analysis/report.h"
#include "analysis/results-merge.h"
#include "analysis/results.h"

static const char report_usage[] =
	"usage: vbench report RESULT.json... [--out DIR] [--format md,html,csv] [--baseline NAME]\n"
	"\n"
	"Write a report of one or more results files: report.md (Markdown), report.html (one\n"
	"self-contained page with charts drawn by gnuplot) and report.csv. Several files, from\n"
	"one machine or several, are shown side by side as one run: each backend named by its\n"
	"run's host and label (\"vps-a:kvm\", \"bench1:native\"; \"HOST#N:LABEL\" when run N\n"
	"repeats a host name), with ratios to the baseline; where the runs' suite, seed, CPUs or\n"
	"memory differ the report says so.\n"
	"\n"
	"  -o, --out DIR        where to write (default: reports/<name of the first file>)\n"
	"  -f, --format LIST    comma-separated subset of md,html,csv (default: md,html,csv)\n"
	"  -b, --baseline NAME  the backend ratios are to (default: the first run's baseline);\n"
	"                       with several files HOST:LABEL, or a LABEL only one run has\n"
	"  -h, --help           show this help\n"
	"\n"
	"Statistics are recomputed from the raw samples: medians with exact order-statistic\n"
	"intervals (their true coverage is stated when 95% is out of reach: 5 samples, 93.75%),\n"
	"and each backend's ratio to the run's baseline with a 95% bootstrap interval, marked\n"
	"significant only after false-discovery control over the backend's metrics.\n"
	"Exit status: 0 written, 2 usage error or unreadable results file.\n";

int cmd_report(int argc, char **argv)
{
	static const struct option options[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *format = "md,html,csv", *baseline = NULL;
	struct vb_error err = { 0 };
	int c;
	optind = 0; /* main may have parsed its own options already */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:f:b:h", options, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'f': format = optarg; break;
		case 'b': baseline = optarg; break;
		case 'h': fputs(report_usage, stdout); return VB_EXIT_OK;
		default: return usage_bad_option("report", argv);
		}
	}
	unsigned formats;
	if (report_parse_formats(format, &formats, &err) < 0)
		return usage_error("report", "%s", err.message);
	int nfiles = argc - optind;
	if (nfiles <= 0)
		return usage_error("report", "no results file given, RESULT.json...");
	struct results_doc *docs = calloc((size_t)nfiles, sizeof(*docs));
	struct report_run *runs = calloc((size_t)nfiles, sizeof(*runs));
	const struct results_doc **merge = calloc((size_t)nfiles, sizeof(*merge));
	const char **names = calloc((size_t)nfiles, sizeof(*names));
	struct results_doc merged;
	bool is_merged = false;
	int rc = VB_EXIT_ENVIRONMENT, loaded = 0;
	if (!docs || !runs || !merge || !names) {
		fprintf(stderr, "vbench report: out of memory\n");
		goto done;
	}
	for (int i = 0; i < nfiles; i++, loaded++) {
		if (results_read_file(&docs[i], argv[optind + i], &err) < 0) {
			fprintf(stderr, "vbench report: %s\n", err.message);
			goto done;
		}
		runs[i] = (struct report_run){ .doc = &docs[i], .name = argv[optind + i] };
		merge[i] = &docs[i];
		names[i] = argv[optind + i];
	}
	/* several runs: one document, so that they compare like the backends of one run */
	struct report_run side_by_side = { .name = "side by side",
					   .sources = runs,
					   .nsources = (size_t)nfiles };
	const struct report_run *show = runs;
	if (nfiles > 1) {
		if (results_merge(&merged, merge, names, (size_t)nfiles, baseline, &err) < 0) {
			fprintf(stderr, "vbench report: %s\n", err.message);
			rc = VB_EXIT_USAGE;
			goto done;
		}
		is_merged = true;
		side_by_side.doc = &merged;
		show = &side_by_side;
	} else if (baseline) {
		if (results_check_baseline(&docs[0], baseline, &err) < 0) {
			fprintf(stderr, "vbench report: --baseline: %s\n", err.message);
			rc = VB_EXIT_USAGE;
			goto done;
		}
		snprintf(docs[0].config.baseline, sizeof(docs[0].config.baseline), "%s", baseline);
	}
	char dir[PATH_MAX];
	if (out) {
		snprintf(dir, sizeof(dir), "%s", out);
	} else {
		char name[PATH_MAX];
		snprintf(name, sizeof(name), "%s", argv[optind]);
		char *base = basename(name), *dot = strrchr(base, '.');
		if (dot && dot != base)
			*dot = '\0';
		snprintf(dir, sizeof(dir), "reports/%s", base);
	}
	if (report_write(show, 1, dir, formats, &err) < 0) {
		fprintf(stderr, "vbench report: %s\n", err.message);
		goto done;
	}
	printf("vbench report: wrote");
	if (formats & REPORT_MARKDOWN)
		printf(" %s/report.md", dir);
	if (formats & REPORT_HTML)
		printf(" %s/report.html", dir);
	if (formats & REPORT_CSV)
		printf(" %s/report.csv", dir);
	printf("\n");
	rc = VB_EXIT_OK;
done:
	for (int i = 0; i < loaded; i++)
		results_free(&docs[i]);
	if (is_merged)
		results_free(&merged);
	free(docs);
	free(runs);
	free(merge);
	free(names);
	return rc;
}
