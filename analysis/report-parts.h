/* Pieces of report text shared by the Markdown, HTML and history renderers. */
#ifndef VB_REPORT_PARTS_H
#define VB_REPORT_PARTS_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/report-buf.h"
#include "analysis/report-model.h"

/* Start time, suite, host and limits of a run, as plain sentences. */
void report_run_facts(const struct results_doc *doc, struct report_buf *b);
/* "812.3 [808.1, 815.0]" */
void report_fmt_ci(char *out, size_t len, double v, double lo, double hi);
/* "0.998 [0.990, 1.006] n.s." or "–" */
void report_fmt_ratio(char *out, size_t len, const struct report_cell *c);
/* A median with its interval, or the entry's status when it has no samples. */
void report_fmt_cell(char *out, size_t len, const struct report_cell *c);

enum report_style { REPORT_STYLE_PLAIN, REPORT_STYLE_MARKDOWN, REPORT_STYLE_HTML };
/*
 * "Notes": every entry that failed, was not measured or carries a note, with why; one item per
 * workload, backend, status and reason, its metrics listed. Nothing when there are none.
 */
void report_notes(const struct results_doc *doc, enum report_style style, struct report_buf *b);
/*
 * What a backend's agent said of where it ran (its hello's environment summary) and the steal
 * over its samples: "KVM guest, 2 vCPUs, 3.8 GiB, AMD EPYC 7B13; steal 0.3% of 41.2 s CPU time";
 * "" when neither is known.
 */
void report_backend_environment(const struct results_doc *doc, const struct result_backend *rb,
				char *out, size_t len);
/* One line per backend with report_backend_environment's text; nothing when none has any. */
void report_environments(const struct results_doc *doc, enum report_style style,
			 struct report_buf *b);

/*
 * How the cells' intervals and the ratios' marks are made, in plain sentences: the intervals'
 * true coverage when the samples are too few for 95%, the false-discovery control of the marks,
 * and the smallest p the run's sample counts allow.
 */
void report_method_text(const struct report_model *m, struct report_buf *b);

/* Whether the configured baseline has no results, so that ratios are to another backend. */
bool report_baseline_moved(const struct report_model *m);
/*
 * A backend's summary as a list item: one line when short, else the backend and then each part
 * ("CPU: ...", "ready in ...") as a nested item, so that a long line of figures reads as a list.
 */
void report_summary_item(const struct report_model *m, const char *backend, bool html,
			 struct report_buf *b);

#endif
