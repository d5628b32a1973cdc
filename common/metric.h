/* What a metric is (its name, unit and better direction): declared by workloads, kept in results. */
#ifndef VB_METRIC_H
#define VB_METRIC_H

enum better { BETTER_HIGHER, BETTER_LOWER };

struct metric_def {
	const char *name; /* "triad", "lat_4KiB", "p99" */
	const char *unit; /* "MB/s", "ns", "ops/s" */
	enum better better;
};

#endif
