/* History of many runs: results files of a folder in time order, tables and trend charts. */
#ifndef VB_REPORT_HISTORY_H
#define VB_REPORT_HISTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "analysis/report-buf.h"
#include "analysis/results.h"

struct history {
	struct results_doc *docs; /* sorted by start_time */
	char **paths;
	size_t n;
	/*
	 * Runs that compare (history_comparable) share a set: set[r] is run r's, numbered in order
	 * of first appearance; a trend line never leaves its set.
	 */
	size_t *set;
	size_t nsets;
};

/* Whether two runs measure the same thing: same host and CPU, suite, CPUs and memory. */
bool history_comparable(const struct results_doc *a, const struct results_doc *b);
/* A set's name in tables and chart keys: "A", "B", ... then "S27", "S28", ... */
void history_set_name(size_t set, char *out, size_t len);

/*
 * Load every *.json results file in dir, sorted by start time. Files that are not valid
 * results are skipped, each with one line in warnings. Fails only when dir cannot be read.
 */
int history_load(struct history *h, const char *dir, struct report_buf *warnings,
		 struct vb_error *err);
void history_free(struct history *h);

/*
 * Render the runs and, per metric matching pattern (NULL = all), a table over time (Markdown)
 * and, when html is not NULL, the same with a trend chart per metric. pattern is a glob
 * matched against "workload/metric", the workload id or the metric name.
 * Returns the number of metrics that matched.
 */
size_t history_render(const struct history *h, const char *pattern, struct report_buf *md,
		      struct report_buf *html);

#endif
