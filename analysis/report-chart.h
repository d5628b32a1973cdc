/* Charts for reports: gnuplot run as a separate process, SVG text back. */
#ifndef VB_REPORT_CHART_H
#define VB_REPORT_CHART_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

/*
 * Whether gnuplot can be run: $VBENCH_GNUPLOT if set, else `gnuplot` on PATH. When it cannot,
 * why says so in words fit for a report.
 */
bool report_chart_available(char *why, size_t len);

/* Run gnuplot on a complete script; its SVG output (XML prolog stripped), malloc'd. */
char *report_chart_run(const char *script, struct vb_error *err);

/*
 * Clustered bars: one cluster per category, one bar per series. Values are indexed
 * [series * ncats + cat]; NaN = no bar. lo/hi NULL = no error bars.
 */
struct report_chart_bars {
	const char *title, *xlabel, *ylabel;
	size_t ncats, nseries;
	const char *const *cats;
	const char *const *series;
	const double *val, *lo, *hi;
	bool reference_one; /* dashed line at y = 1 (the baseline of a ratio chart) */
	const char *reference_label;
	bool logy;
};
char *report_chart_bars(const struct report_chart_bars *c, struct vb_error *err);

/*
 * A dot plot with horizontal error bars: one row per category (first on top, labels upright and
 * readable however long), one marker per series, offset within the row. Values are indexed
 * [series * ncats + cat]; NaN = no marker. sig (may be NULL) marks values drawn filled; the rest are
 * drawn hollow, so that "not significant" shows without reading the numbers.
 */
struct report_chart_dots {
	const char *title, *xlabel;
	size_t ncats, nseries;
	const char *const *cats;
	const char *const *series;
	const double *val, *lo, *hi;
	const bool *sig;
	bool logx;
	bool reference_one; /* dashed line at x = 1 (the baseline of a ratio chart) */
	const char *reference_label;
	double span; /* ratio charts: the axis runs from 1/span to span; 0 = fit the data */
	int first_color; /* gnuplot colour of series 0 (0 = 1): a backend keeps its colour in every chart */
};
/* The span a ratio chart of these values and intervals needs: a power of two from 2 to 16. */
double report_chart_ratio_span(const double *v, size_t n);
char *report_chart_dots(const struct report_chart_dots *c, struct vb_error *err);

/*
 * Lines with error bars over a numeric x: one line per series, values indexed
 * [series * npoints + i]; xlabels (may be NULL) name the tics at each x.
 */
struct report_chart_lines {
	const char *title, *xlabel, *ylabel;
	size_t npoints, nseries;
	const double *x;
	const char *const *xlabels;
	const char *const *series;
	const double *val, *lo, *hi;
	bool logx, logy;
	int first_color; /* as in report_chart_dots */
};
char *report_chart_lines(const struct report_chart_lines *c, struct vb_error *err);

#endif
