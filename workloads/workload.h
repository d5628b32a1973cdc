/* The workload registry: what each benchmark is, its parameters per suite, and its metrics. */
#ifndef VB_WORKLOAD_H
#define VB_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/metric.h"
#include "common/suite.h"

#define WORKLOAD_MAX_METRICS 24
#define WORKLOAD_MAX_PARAMS  8

/*
 * Where a parameter's value comes from: its suite's default, or the host, declared so that the
 * harness never reads a parameter's name. The harness sends every parameter explicitly, so the
 * same work is done in every environment.
 */
enum param_source {
	PARAM_FROM_SUITE,	 /* value[suite] */
	PARAM_HOST_LLC_BYTES,	 /* the host's last-level cache size (hwloc; 8 MiB if unknown) */
	PARAM_HOST_CPUS,	 /* the CPUs of the run */
	PARAM_HOST_MEMORY_LIMIT, /* the run's --memory, which bounds what a workload may allocate */
};

/* A numeric parameter with one default per suite, or one the host gives (PARAM_HOST). */
struct param_def {
	const char *name;
	double value[SUITE_COUNT]; /* unused unless from is PARAM_FROM_SUITE */
	const char *help;
	enum param_source from;
};
#define PARAM_HOST(name, source, help)                                                             \
	{                                                                                          \
		name, { 0 }, help, source                                                          \
	}

/*
 * What a workload needs of the environment it runs in, declared (as fio's engine flags) so that
 * the harness never tests ids or groups: it attaches a disk or a network only when a selected
 * workload needs one, and reports a workload unsupported, without running it, where a need is
 * not met.
 */
enum workload_needs {
	WORKLOAD_NEEDS_DISK = 1u << 0,	  /* a scratch disk (ctx->disk_path) */
	WORKLOAD_NEEDS_NETWORK = 1u << 1, /* a link to the network peer (ctx->peer_addr) */
	WORKLOAD_NEEDS_KERNEL = 1u << 2,  /* system calls of a kernel under the agent, not just the
					     platform interface (clock, memory, threads) */
	WORKLOAD_NEEDS_VMM = 1u << 3,	  /* vbench's own VMM under the agent: its vm.exit port and
					     MMIO page (never touched anywhere else) */
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
#define WORKLOAD_NOTE_MAX  256

/* A size a sample really used ("array_bytes", "updates"), recorded beside its results. */
struct workload_size {
	const char *name; /* a string literal */
	double value;
};

/*
 * What one sample produced: one value per metric (NaN = not measured this time), the sizes it
 * used, and why the metrics left NaN were not measured ("" = no reason given); a metric never
 * measured in a run is reported `unsupported` with this note. Zero it first. Workloads set
 * values with workload_set_metric, by name; value[] is in the order of workload->metrics.
 */
struct sample_out {
	double value[WORKLOAD_MAX_METRICS];
	struct workload_size sizes[WORKLOAD_MAX_SIZES];
	unsigned nsizes;
	char note[WORKLOAD_NOTE_MAX];
	char unknown_metric[48]; /* a name set that the workload's table lacks ("" = none) */
};

/*
 * Set the metric called name (as in ctx->workload's table) to value. A name the table lacks is
 * the workload's bug: the value is dropped and the name kept in out->unknown_metric, which the
 * agent answers with an error and the unit tests check.
 */
void workload_set_metric(struct sample_out *out, const struct workload_ctx *ctx, const char *name,
			 double value);
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
	const char *group; /* "cpu", "mem", "os", "io.blk", "io.net", "vm", "lifecycle" */
	const char *description;
	struct param_def params[WORKLOAD_MAX_PARAMS];
	struct metric_def metrics[WORKLOAD_MAX_METRICS];
	workload_run_fn run;
	unsigned needs; /* enum workload_needs */
	/* Harness-side only: measured by the harness, not the agent (lifecycle figures). */
	bool host_side;
	/* Selected only by a pattern that begins with its group (self-tests misbehave on purpose). */
	bool only_when_named;
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
extern const struct workload *const vm_workloads[];
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

#endif
