/* Regression tracking: compare two runs entry by entry and call significant changes. */
#ifndef VB_DIFF_H
#define VB_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "harness/report-buf.h"
#include "harness/results.h"

enum diff_verdict {
	DIFF_UNCHANGED, /* no significant change, or one within the threshold */
	DIFF_IMPROVED,
	DIFF_REGRESSED, /* significantly worse beyond the threshold, or measured in BASE and failing in NEW */
	DIFF_SKIPPED, /* not comparable: no samples on one side, or not measured */
};

struct diff_options {
	double threshold_pct; /* a change must be larger than this to count (default 5) */
	double alpha;	      /* significance level (default 0.05) */
};

/* One (workload, metric, backend) present in both runs. */
struct diff_row {
	char workload[64], metric[48], backend[32], unit[16];
	enum better better;
	size_t nbase, nnew;
	double base_median, new_median;
	double ratio, lo, hi; /* NEW / BASE of medians with a (1 - alpha) bootstrap interval */
	double change_pct;    /* (ratio - 1) * 100 */
	double p;	      /* two-sided Mann-Whitney U */
	double q;	      /* p adjusted for the number of comparisons (Benjamini-Hochberg) */
	bool significant;     /* q < alpha and the ratio's interval excludes 1 */
	enum diff_verdict verdict;
	bool judged;   /* both sides have samples: the tests ran */
	char why[160]; /* the verdict in words */
};

struct diff_result {
	struct diff_row *rows;
	size_t nrows;
	size_t improved, regressed, unchanged, skipped;
	size_t only_base, only_new; /* entries present in one run only */
	struct diff_options options;
};

void diff_options_default(struct diff_options *o);
int diff_compare(const struct results_doc *base, const struct results_doc *new,
		 const struct diff_options *o, struct diff_result *out, struct vb_error *err);
void diff_free(struct diff_result *d);
/* Lines warning that the runs are not like for like (other suite, host or CPUs); "" if they are. */
void diff_caveats(const struct results_doc *base, const struct results_doc *new,
		  struct report_buf *b);
const char *diff_verdict_name(enum diff_verdict v);

/* A plain-text table for the terminal, a Markdown table, and JUnit XML (one testcase per row). */
void diff_render_text(const struct diff_result *d, struct report_buf *b);
void diff_render_markdown(const struct diff_result *d, const char *base_name, const char *new_name,
			  struct report_buf *b);
void diff_render_junit(const struct diff_result *d, struct report_buf *b);

#endif
