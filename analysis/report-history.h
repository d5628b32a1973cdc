/* History of many runs: results files of a folder in time order, tables and trend charts. */
#ifndef VB_REPORT_HISTORY_H
#define VB_REPORT_HISTORY_H

#include <stddef.h>

#include "common/error.h"
#include "analysis/report-buf.h"
#include "analysis/results.h"

struct history {
	struct results_doc *docs; /* sorted by start_time */
	char **paths;
	size_t n;
};

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
