/* The workload registry: what each benchmark is, its parameters per suite, and its metrics. */
#ifndef VB_WORKLOAD_H
#define VB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

enum suite { SUITE_SMOKE, SUITE_QUICK, SUITE_FULL, SUITE_COUNT };

enum better { BETTER_HIGHER, BETTER_LOWER };

#define WORKLOAD_MAX_METRICS 24
#define WORKLOAD_MAX_PARAMS  8

struct metric_def {
	const char *name; /* "triad", "lat_4KiB", "p99" */
	const char *unit; /* "MB/s", "ns", "ops/s" */
	enum better better;
};

/*
 * A numeric parameter with one default per suite. A default of PARAM_FROM_HOST means
 * the harness fills it from the host (see the name): "llc_bytes" (last-level cache size
 * from hwloc), "cpus" (CPUs of the run), "memory_limit" (the run's --memory, which bounds
 * what a workload may allocate). The harness sends every parameter explicitly, so the same
 * work is done in every environment.
 */
#define PARAM_FROM_HOST (-1.0)
struct param_def {
	const char *name;
	double value[SUITE_COUNT];
	const char *help;
};

/* What a sample is run with (filled by the agent from the run request). */
struct workload_ctx {
	const struct workload *workload;
	double params[WORKLOAD_MAX_PARAMS]; /* in the order of workload->params */
	unsigned cpus;			    /* worker threads for "all CPUs" variants */
	uint64_t seed;			    /* varies per sample; derived from the run's --seed */
	const char *disk_path;		    /* scratch disk (file or block device), or NULL */
	const char *peer_addr;		    /* network peer "ip:port", or NULL */
};

#define WORKLOAD_MAX_SIZES 12
#define WORKLOAD_NOTE_MAX 256

/* A size a sample really used ("array_bytes", "updates"), recorded beside its results. */
struct workload_size {
	const char *name; /* a string literal */
	double value;
};

/*
 * What one sample produced: one value per metric (NaN = not measured this time), the sizes it
 * used, and why the metrics left NaN were not measured ("" = no reason given); a metric never
 * measured in a run is reported `unsupported` with this note. Zero it first.
 */
struct sample_out {
	double value[WORKLOAD_MAX_METRICS];
	struct workload_size sizes[WORKLOAD_MAX_SIZES];
	unsigned nsizes;
	char note[WORKLOAD_NOTE_MAX];
};

/* Record (or overwrite) a size of this sample; sizes beyond WORKLOAD_MAX_SIZES are dropped. */
void workload_record_size(struct sample_out *out, const char *name, double value);

/*
 * Run one sample. Return 0 with values filled, or -1 with err set. A workload that
 * cannot run in this environment (no disk, no network) returns WORKLOAD_UNSUPPORTED
 * with the reason in err.
 */
#define WORKLOAD_UNSUPPORTED (-2)
typedef int (*workload_run_fn)(const struct workload_ctx *ctx, struct sample_out *out,
			       struct vb_error *err);

struct workload {
	const char *id;	   /* "mem.stream" */
	const char *group; /* "cpu", "mem", "os", "io.blk", "io.net", "lifecycle" */
	const char *description;
	struct param_def params[WORKLOAD_MAX_PARAMS];
	struct metric_def metrics[WORKLOAD_MAX_METRICS];
	workload_run_fn run;
	/* Harness-side only: measured by the harness, not the agent (lifecycle figures). */
	bool host_side;
	/*
	 * Run with no perf event attached to the agent (its getrusage counters only): attached
	 * events, even disabled ones, ride along on every context switch, fork and clone, and
	 * would be part of the result.
	 */
	bool uncounted;
};

/* The registry: every family file contributes a NULL-terminated array of pointers. */
extern const struct workload *const cpu_workloads[];
extern const struct workload *const mem_workloads[];
extern const struct workload *const os_workloads[];
extern const struct workload *const io_blk_workloads[];
extern const struct workload *const io_net_workloads[];
extern const struct workload *const lifecycle_workloads[]; /* measured by the harness */
extern const struct workload *const selftest_workloads[];  /* only run when named */

const struct workload *workload_find(const char *id);
/* Iterate: for (i = 0; (w = workload_at(i)); i++) */
const struct workload *workload_at(size_t i);
size_t workload_param_count(const struct workload *w);
size_t workload_metric_count(const struct workload *w);
int workload_param_index(const struct workload *w, const char *name);
int workload_metric_index(const struct workload *w, const char *name);
/* Value of a parameter in ctx by name (aborts in debug builds if unknown). */
double workload_param(const struct workload_ctx *ctx, const char *name);
const char *suite_name(enum suite s);
int suite_parse(const char *s, enum suite *out);

#endif
