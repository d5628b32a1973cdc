/* Reports of one or more runs: Markdown, a self-contained HTML page with charts, CSV. */
#ifndef VB_REPORT_H
#define VB_REPORT_H

#include <stddef.h>

#include "common/error.h"
#include "analysis/report-buf.h"
#include "analysis/results.h"

enum report_format {
	REPORT_MARKDOWN = 1 << 0,
	REPORT_HTML = 1 << 1,
	REPORT_CSV = 1 << 2,
};

/*
 * One run in a report: its document and the name it is shown under (usually the file name).
 * A document merged from several runs (results_merge) lists them as sources: the report states
 * each one's facts, then shows their backends side by side.
 */
struct report_run {
	const struct results_doc *doc;
	const char *name;
	const struct report_run *sources;
	size_t nsources;
};

/* Parse "md,html,csv" into REPORT_* bits; -1 on an unknown word. */
int report_parse_formats(const char *list, unsigned *formats, struct vb_error *err);

/* Render into out (appended). HTML charts need gnuplot; without it the page says so. */
int report_render_markdown(const struct report_run *runs, size_t n, struct report_buf *out,
			   struct vb_error *err);
int report_render_html(const struct report_run *runs, size_t n, struct report_buf *out,
		       struct vb_error *err);
int report_render_csv(const struct report_run *runs, size_t n, struct report_buf *out,
		      struct vb_error *err);

/* Write dir/report.{md,html,csv} as asked, creating dir. */
int report_write(const struct report_run *runs, size_t n, const char *dir, unsigned formats,
		 struct vb_error *err);

/*
 * The report `compare` writes for a finished run: Markdown and HTML in dir/<start time>/.
 * out_path receives the HTML file's path.
 */
int report_write_default(const struct results_doc *doc, const char *dir, char *out_path, size_t len,
			 struct vb_error *err);

#endif
