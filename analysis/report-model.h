/* What reports show, computed once from a results document: statistics, ratios, summaries. */
#ifndef VB_REPORT_MODEL_H
#define VB_REPORT_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "analysis/report-buf.h"
#include "analysis/results.h"

/* One result entry with its statistics recomputed from the samples, and its ratio to the baseline. */
struct report_cell {
	const struct result_entry *entry;
	double median, lo, hi, cv;
	double coverage; /* [lo, hi]'s true coverage: exact order statistics (5 samples: 0.9375) */
	bool has_ratio;	 /* both this and the baseline entry are measured (status ok) */
	double ratio, rlo, rhi; /* median / baseline median, 95% bootstrap interval */
	double perf, plo, phi;	/* the same turned so that > 1 is always better */
	double p;		/* exact two-sided Mann-Whitney p against the baseline */
	double q;    /* p adjusted over the backend's compared metrics (Benjamini-Hochberg) */
	double holm; /* p adjusted for the family-wise error (Holm) */
	/*
	 * The ratio's interval excludes 1 and the difference survives false-discovery control
	 * (q < 0.05); better than native takes family-wise control (holm < 0.05): report_model_mark().
	 */
	bool significant;
};

/* A (workload, metric) pair: one table row, one cell per backend (NULL = not measured). */
struct report_row {
	const char *workload, *group, *metric, *unit;
	enum better better;
	struct report_cell **cells; /* [nbackends] */
	/* what the workload declares of the metric (its first entry's: results_entry) */
	bool host_side;	    /* a lifecycle figure the harness measured */
	bool io_percentile; /* drawn in the I/O latency percentiles chart */
	double curve_bytes; /* > 0: its point's working-set size on the latency curve */
};

struct report_model {
	const struct results_doc *doc;
	const char *baseline;
	/* The baseline is the machine itself (backends[].bare_metal): a layer over it that comes
	 * out faster is called so only under family-wise control. */
	bool baseline_bare_metal;
	const char **backends; /* baseline first, then in the document's order */
	char **labels;	       /* parallel: what tables call them, "kvm (bare guest)" with a mode */
	size_t nbackends;
	size_t nmeasured; /* backends[0 .. nmeasured) have entries: the table columns and chart series */
	struct report_cell *cells; /* parallel to doc->entries */
	struct report_row *rows;
	size_t nrows;
	const char **groups; /* in order of first appearance */
	size_t ngroups;
};

int report_model_build(struct report_model *m, const struct results_doc *doc, struct vb_error *err);
/* Whether a cell is a measurement (status ok, with samples): only those get ratios and charts. */
bool report_cell_measured(const struct report_cell *c);
void report_model_free(struct report_model *m);
int report_model_backend_index(const struct report_model *m, const char *name);
const struct result_backend *report_model_backend(const struct report_model *m, const char *name);

/* Unit "id": the value names something (io.blk's engine: 1 = io_uring, 2 = threads), not a measure. */
bool report_is_identifier(const char *unit);
/*
 * An identifier's value by the name its workload declares ("io_uring"; a number when it declares
 * none), "mixed" when the samples disagree, "–" when none.
 */
void report_fmt_identifier(char *out, size_t len, const struct result_entry *e);
/* Whether any backend measured the row or says why not (unsupported, error). */
bool report_row_measured(const struct report_model *m, const struct report_row *row);

/* Numbers as reports print them: fixed, locale-free and deterministic; NaN prints "–". */
void report_fmt_num(char *out, size_t len, double v);
void report_fmt_bytes(char *out, size_t len, double bytes);
/* Milliseconds to three significant digits: "1.8", "11.2", "310". */
void report_fmt_ms(char *out, size_t len, double ms);
const char *report_group_title(const char *group);

/*
 * The cell of a backend for a metric the harness measures by restarting it (lifecycle.start's
 * ready_ms, host_overhead_MiB: rows declared host_side) when it has samples: repeated starts, a
 * better figure than the single first start the backend reported.
 */
const struct report_cell *report_model_lifecycle(const struct report_model *m, int bi,
						 const char *metric);

/* What start-up ("ready") times mean, the same for every backend: said once in each report. */
#define REPORT_STARTUP_DEFINITION                                                                  \
	"Start-up (ready) times are measured alike for every backend, on the host's monotonic "    \
	"clock: from vbench's request to start the environment until it has read the agent's "     \
	"hello. That includes everything starting takes (kvm: the initramfs, the VM's set-up and " \
	"the guest kernel's boot; lxc: namespaces, cgroup and root filesystem; native: starting "  \
	"the process) and nothing after the hello; lifecycle.start repeats it by restarting the "  \
	"environment (stopping the old one is not counted)."

/* The level at which report marks are called, for the false discovery rate and family-wise. */
#define REPORT_ALPHA 0.05

/* A backend's compared metrics: how many differ at REPORT_ALPHA before and after control. */
struct report_chance {
	size_t compared;    /* metrics with a ratio to the baseline */
	size_t nominal;	    /* p < REPORT_ALPHA, no control: chance alone gives up to expected */
	double expected;    /* compared * REPORT_ALPHA */
	size_t significant; /* marked significant after control */
};
void report_model_chance(const struct report_model *m, int bi, struct report_chance *out);

/* One line in words for a backend ("kvm: CPU within 1% of native; ...") into b. */
void report_model_summary(const struct report_model *m, const char *backend, struct report_buf *b);

#endif
