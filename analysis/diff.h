/* Regression tracking: compare two runs entry by entry and call significant changes. */
#ifndef VB_DIFF_H
#define VB_DIFF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "analysis/report-buf.h"
#include "analysis/results.h"

enum diff_verdict {
	DIFF_UNCHANGED, /* the ratio's interval reaches into the threshold band around 1 */
	DIFF_IMPROVED,
	DIFF_REGRESSED, /* the whole interval beyond the band on the worse side, or measured in BASE and failing in NEW */
	DIFF_SKIPPED, /* not comparable: no samples on one side, too few for the interval, or not measured */
};

/*
 * The decision rule: a row is called when the distribution-free interval of NEW / BASE (coverage
 * at least 1 - alpha; 98.4% with 5 samples a side) lies wholly outside [1 - t, 1 + t], and its
 * noise is small enough to judge (cv / sqrt(n) <= t / sqrt(5)). No p adjustment: with 5 samples
 * no adjusted test could pass. The band and the noise limit carry the multiplicity: an unchanged
 * row clears the band only when its noise or the runs' drift is of the order of t.
 */
struct diff_options {
	double threshold_pct; /* t in percent: the band a change must clear (default 10) */
	double alpha;	      /* 1 - the interval's least coverage (default 0.02) */
};

/* One (workload, metric, backend) present in both runs. */
struct diff_row {
	char workload[64], metric[48], backend[32], unit[16];
	enum better better;
	size_t nbase, nnew;
	double base_median, new_median;
	double ratio;	 /* NEW / BASE of medians */
	double lo, hi;	 /* the exact Mann-Whitney interval of the ratio (stats_shift_ratio_ci) */
	double coverage; /* that interval's true coverage (>= 1 - alpha when there is one) */
	double base_cv,
		new_cv;	   /* each side's noise: a row noisier than the threshold is not judged */
	double change_pct; /* (ratio - 1) * 100 */
	double p; /* two-sided exact Mann-Whitney U, unadjusted: for reading, not deciding */
	bool significant; /* the interval excludes 1 */
	enum diff_verdict verdict;
	bool judged;   /* both sides have samples: the tests ran */
	char why[160]; /* the verdict in words */
};

struct diff_result {
	struct diff_row *rows;
	size_t nrows;
	size_t improved, regressed, unchanged, skipped;
	size_t only_base, only_new; /* entries present in one run only */
	size_t excluding_one;	    /* judged rows whose interval excludes 1 */
	double by_chance; /* how many of them chance alone would give: sum of 1 - coverage */
	struct diff_options options;
};

void diff_options_default(struct diff_options *o);
int diff_compare(const struct results_doc *base, const struct results_doc *new,
		 const struct diff_options *o, struct diff_result *out, struct vb_error *err);
void diff_free(struct diff_result *d);
/*
 * Whether the two runs come from the same machine (host name and CPU model alike): a change
 * between machines is not a regression. When not, why says so in one sentence.
 */
bool diff_same_machine(const struct results_doc *base, const struct results_doc *new, char *why,
		       size_t len);
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
