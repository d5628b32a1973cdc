/* What a metric is (its name, unit and better direction): declared by workloads, kept in results. */
#ifndef VB_METRIC_H
#define VB_METRIC_H

enum better { BETTER_HIGHER, BETTER_LOWER };

/*
 * What a metric is, declared (as fio's engine flags) so that the reports never read names: the
 * harness records each in the results beside the metric's samples.
 */
enum metric_flags {
	/* A percentile of the latency of I/O requests (disk, network): the reports draw these
	 * together in one chart of I/O latency percentiles. */
	METRIC_IO_PERCENTILE = 1u << 0,
};

/* Values an identifier metric (unit "id") can take that have a name: value_names[v] names v. */
#define METRIC_MAX_VALUE_NAMES 8

struct metric_def {
	const char *name; /* "triad", "lat_4KiB", "p99" */
	const char *unit; /* "MB/s", "ns", "ops/s" */
	enum better better;
	unsigned flags; /* enum metric_flags */
	/* > 0: the metric is the point at this working-set size of the workload's latency curve,
	 * which the reports draw and the LLC check reads (mem.latency's lat_4KiB: 4096). */
	double curve_bytes;
	/* Unit "id" only: what each value stands for (NULL = none, or no name for that value). */
	const char *const *value_names; /* [METRIC_MAX_VALUE_NAMES] */
};

#endif
