/* The results document (schema vbench-result/2): in memory, written atomically, read back. */
#ifndef VB_RESULTS_H
#define VB_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"
#include "common/metric.h"
#include "common/suite.h"

#define RESULTS_SCHEMA "vbench-result/2"
/* Still read: the same layout, but some figures meant something else (results/README.md). */
#define RESULTS_SCHEMA_V1 "vbench-result/1"

enum result_status {
	RESULT_OK,	    /* samples measured */
	RESULT_ERROR,	    /* the workload failed or killed the agent; note says why */
	RESULT_UNSUPPORTED, /* cannot run in this environment; note says why */
};

/* A size a workload used ("array_bytes", "updates"): the smallest value any sample reported. */
#define RESULT_MAX_SIZES 12
struct result_size {
	char name[48];
	double value;
};

/* One (workload, metric, backend): raw samples and the statistics recomputed from them. */
struct result_entry {
	char workload[64];
	char group[16];
	char metric[48];
	char backend[32];
	char unit[16];
	enum better better;
	enum result_status status;
	char note[512];
	double *samples; /* in the order measured, warm-up excluded */
	size_t nsamples, cap;
	struct result_size sizes[RESULT_MAX_SIZES];
	unsigned nsizes;
	/* What the metric is, as its workload declares it, so that reports need not read names:
	 * results_entry copies the metric's declarations, the harness sets host_side. */
	bool host_side;	    /* measured by the harness, not the agent: lifecycle figures */
	bool io_percentile; /* METRIC_IO_PERCENTILE */
	double curve_bytes; /* > 0: its working-set size as a point of the latency curve */
	char value_names[METRIC_MAX_VALUE_NAMES][24]; /* unit "id": what value v stands for ("") */
	/* computed by results_compute() */
	double median, ci_lo, ci_hi, cv;
	double ci_coverage; /* the true coverage of [ci_lo, ci_hi]: 0.9375 for 5 samples */
};

/* Per-sample counters of one (workload, backend): name -> one value per sample. */
struct counter_series {
	char workload[64];
	char backend[32];
	char name[48]; /* "task_clock_ns", "page_faults", "ctx_switches", "cycles", ... */
	double *values;
	size_t nvalues, cap;
};

/* One round of a workload: the backends in the order they took their turns. */
struct round_record {
	char workload[64];
	unsigned round; /* 1, 2, ... warm-ups included */
	bool warmup;
	char order[256]; /* backend names joined by commas, first to run first: "lxc,native" */
};

struct result_backend {
	char name[32];
	bool ran; /* false: skipped, reason says why */
	char reason[512];
	char details[256];
	/* How it ran where the backend has more than one way ("bare guest"); "" = its only way. */
	char mode[32];
	double startup_ms; /* NaN if unknown */
	double host_overhead_bytes;
	/* Memory the agent saw it could use (its cgroup limit or its RAM, the smaller); NaN unknown. */
	double memory_seen_bytes;
	bool memory_limited; /* whether the run's --memory limit bound it */
	bool bare_metal;     /* it is the machine itself (native): backend_ops.bare_metal */
	char *hello_json;    /* the agent's hello as received (malloc'd JSON object), or NULL */
};

struct result_host {
	char hostname[64];
	char kernel[128];
	char cpu_model[128];
	unsigned packages, cores, pus, numa_nodes;
	uint64_t l1d_bytes, l2_bytes, llc_bytes;
	char kvm[64];	      /* "absent", "hardware-assisted", "pvm (ring 0 emulated)", ... */
	char cgroup_mode[16]; /* "v1", "v2", "hybrid", "none" */
	bool hw_counters;
	char counters_note[160];
	/* hwloc's LLC against mem.latency's curve: where the curve steps up into memory (0 = no
	 * step seen) and what that says about llc_bytes ("" = not checked). */
	uint64_t llc_step_lo_bytes, llc_step_hi_bytes;
	char llc_check[256];
};

struct result_config {
	enum suite suite;
	unsigned cpus;
	char cpu_list[256]; /* "0,1" */
	uint64_t memory_bytes;
	unsigned repeat, warmup;
	uint64_t seed;
	char baseline[32];
	char workloads[256]; /* the --workloads patterns as given, "" = all */
};

struct results_doc {
	char schema[32];
	char version[32];
	char start_time[32]; /* ISO 8601 UTC, "2026-11-22T04:20:00Z" */
	double duration_s;
	bool interrupted; /* Ctrl-C or a fatal error cut the run short; what was measured is kept */
	struct result_host host;
	struct result_config config;
	struct result_backend *backends;
	size_t nbackends;
	struct result_entry *entries;
	size_t nentries, entries_cap;
	struct counter_series *counters;
	size_t ncounters, counters_cap;
	struct round_record *rounds;
	size_t nrounds, rounds_cap;
	/* What a reader must know before trusting the numbers (set by checks_run, or read back). */
	char (*warnings)[512];
	size_t nwarnings, warnings_cap;
};

void results_init(struct results_doc *doc);
void results_free(struct results_doc *doc);

/* Find or add the entry for (workload, metric, backend). NULL on allocation failure. */
struct result_entry *results_entry(struct results_doc *doc, const char *workload, const char *group,
				   const struct metric_def *metric, const char *backend);
/* Find an entry by names, or NULL. */
struct result_entry *results_find(struct results_doc *doc, const char *workload, const char *metric,
				  const char *backend);
int results_add_sample(struct result_entry *e, double value);
int results_add_counter(struct results_doc *doc, const char *workload, const char *backend,
			const char *name, double value);
/* Record a round of workload: order is the backend names, first to run first, comma-joined. */
int results_add_round(struct results_doc *doc, const char *workload, unsigned round, bool warmup,
		      const char *order);
/* The name an identifier entry (unit "id") declares for value, or NULL. */
const char *results_entry_value_name(const struct result_entry *e, double value);
/* Record a size a sample used; across samples the smallest value is kept. */
int results_entry_add_size(struct result_entry *e, const char *name, double value);
/* Value of a recorded size, or NaN. */
double results_entry_size(const struct result_entry *e, const char *name);
int results_add_warning(struct results_doc *doc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Recompute median, ci95 (with its coverage) and cv of every entry from its raw samples. */
void results_compute(struct results_doc *doc, uint64_t seed);
/* The bootstrap seed results_compute uses for an entry: the run's seed mixed with its names. */
uint64_t results_entry_seed(const struct result_entry *e, uint64_t seed);

/* Serialise to JSON text (malloc'd). */
char *results_to_json(const struct results_doc *doc, size_t *len);
/* Write atomically (file_write_atomic: temp file beside it, fsync, rename, fsync the directory). */
int results_write_file(const struct results_doc *doc, const char *path, struct vb_error *err);
/* Read and validate a results file; a corrupt, truncated or wrong-schema file is an error. */
int results_read_file(struct results_doc *doc, const char *path, struct vb_error *err);
int results_parse(struct results_doc *doc, const char *text, size_t len, struct vb_error *err);

const char *result_status_name(enum result_status s);
const char *better_name(enum better b);

#endif
