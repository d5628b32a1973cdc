/* `vbench diff`: compare two results files and fail when something regressed. */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/usage.h"
#include "analysis/diff.h"
#include "analysis/report-buf.h"
#include "analysis/results.h"

static const char diff_usage[] =
	"usage: vbench diff BASE.json NEW.json [--threshold PCT] [--alpha A] [--markdown FILE] "
	"[--junit FILE]\n"
	"                 [--cross-host]\n"
	"\n"
	"Compare every (workload, metric, backend) present in both runs: the ratio NEW/BASE of "
	"the\n"
	"medians, with a distribution-free interval (the pairwise ratios' k-th smallest and\n"
	"largest, k from the exact Mann-Whitney distribution: coverage at least 1 - alpha, 98.4%\n"
	"with 5 samples a side). A change is called when that whole interval lies outside\n"
	"[1 - PCT/100, 1 + PCT/100]; whether it is a regression or an improvement follows the\n"
	"metric's direction (higher/lower is better). There is no p adjustment (with 5 samples\n"
	"none could pass): the band is what keeps unchanged rows quiet, so set it above the\n"
	"drift between two runs of the same build on your machine; rows too noisy for the band\n"
	"(cv / sqrt(samples) above PCT / sqrt(5)) are not compared, and say so. The summary says\n"
	"how many intervals exclude 1 and how many chance alone would; far more means the runs\n"
	"differ as a whole. A workload that was measured in BASE and fails in NEW is a\n"
	"regression; an entry that is not ok (failed, unsupported) in either run is not\n"
	"compared: its row says why.\n"
	"\n"
	"  -t, --threshold PCT  the band a change must clear, in percent (default 10)\n"
	"  -a, --alpha A        1 - the interval's least coverage (default 0.02)\n"
	"  -m, --markdown FILE  also write the comparison as a Markdown table\n"
	"  -j, --junit FILE     also write JUnit XML: one test case per entry, regressions fail\n"
	"  -x, --cross-host     compare runs from different machines (host name or CPU model\n"
	"                       differ); without it diff refuses: a machine is not a regression\n"
	"  -h, --help           show this help\n"
	"\n"
	"Exit status: 0 nothing regressed, 1 something regressed, 2 usage error, unreadable "
	"file or\nruns from different machines without --cross-host.\n";

static int diff_parse_number(const char *opt, const char *s, double *out)
{
	char *end;
	*out = strtod(s, &end);
	if (end == s || *end != '\0' || !isfinite(*out)) {
		usage_error("diff", "%s expects a number, not \"%s\"", opt, s);
		return -1;
	}
	return 0;
}

static int diff_write(const struct report_buf *b, const char *path)
{
	struct vb_error err = { 0 };
	if (report_buf_write_file(b, path, &err) < 0) {
		fprintf(stderr, "vbench diff: %s\n", err.message);
		return -1;
	}
	return 0;
}

int cmd_diff(int argc, char **argv)
{
	static const struct option options[] = {
		{ "threshold", required_argument, NULL, 't' },
		{ "alpha", required_argument, NULL, 'a' },
		{ "markdown", required_argument, NULL, 'm' },
		{ "junit", required_argument, NULL, 'j' },
		{ "cross-host", no_argument, NULL, 'x' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct diff_options opt;
	diff_options_default(&opt);
	const char *markdown = NULL, *junit = NULL;
	bool cross_host = false;
	int c;
	optind = 0; /* main may have parsed its own options already */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "t:a:m:j:xh", options, NULL)) != -1) {
		switch (c) {
		case 't':
			if (diff_parse_number("--threshold", optarg, &opt.threshold_pct) < 0)
				return VB_EXIT_USAGE;
			break;
		case 'a':
			if (diff_parse_number("--alpha", optarg, &opt.alpha) < 0)
				return VB_EXIT_USAGE;
			break;
		case 'm': markdown = optarg; break;
		case 'j': junit = optarg; break;
		case 'x': cross_host = true; break;
		case 'h': fputs(diff_usage, stdout); return VB_EXIT_OK;
		default: return usage_bad_option("diff", argv);
		}
	}
	if (argc - optind != 2)
		return usage_error("diff", "expected two results files, BASE.json NEW.json");
	const char *base_path = argv[optind], *new_path = argv[optind + 1];
	struct results_doc base, new;
	struct vb_error err = { 0 };
	if (results_read_file(&base, base_path, &err) < 0) {
		fprintf(stderr, "vbench diff: %s\n", err.message);
		return VB_EXIT_ENVIRONMENT;
	}
	if (results_read_file(&new, new_path, &err) < 0) {
		fprintf(stderr, "vbench diff: %s\n", err.message);
		results_free(&base);
		return VB_EXIT_ENVIRONMENT;
	}
	int rc = VB_EXIT_ENVIRONMENT;
	char why[512];
	if (!diff_same_machine(&base, &new, why, sizeof(why)) && !cross_host) {
		fprintf(stderr,
			"vbench diff: %s; a difference between machines is not a regression "
			"(--cross-host compares them anyway)\n",
			why);
		goto out;
	}
	struct diff_result d;
	if (diff_compare(&base, &new, &opt, &d, &err) < 0) {
		fprintf(stderr, "vbench diff: %s\n", err.message);
		goto out;
	}
	struct report_buf text;
	report_buf_init(&text);
	diff_caveats(&base, &new, &text);
	for (char *line = text.text, *nl; line && (nl = strchr(line, '\n')); line = nl + 1)
		fprintf(stderr, "vbench diff: warning: %.*s\n", (int)(nl - line), line);
	report_buf_free(&text);
	diff_render_text(&d, &text);
	fputs(text.text ? text.text : "", stdout);
	report_buf_free(&text);
	rc = d.regressed ? VB_EXIT_FAILED : VB_EXIT_OK;
	if (markdown) {
		struct report_buf b;
		report_buf_init(&b);
		diff_render_markdown(&d, base_path, new_path, &b);
		if (diff_write(&b, markdown) < 0)
			rc = VB_EXIT_ENVIRONMENT;
		report_buf_free(&b);
	}
	if (junit) {
		struct report_buf b;
		report_buf_init(&b);
		diff_render_junit(&d, &b);
		if (diff_write(&b, junit) < 0)
			rc = VB_EXIT_ENVIRONMENT;
		report_buf_free(&b);
	}
	diff_free(&d);
out:
	results_free(&base);
	results_free(&new);
	return rc;
}
