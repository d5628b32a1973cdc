/* What `run` and `compare` ask of the run engine: backends, workloads, sizes, where results go. */
#ifndef VB_RUN_OPTIONS_H
#define VB_RUN_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "backends/backend.h"
#include "workloads/workload.h"

#define OPTIONS_MAX_BACKENDS	8
#define OPTIONS_MAX_PATTERNS	32
#define OPTIONS_MAX_SSH_OPTIONS 16

struct run_options {
	const char *backends[OPTIONS_MAX_BACKENDS]; /* as named: "native", "ssh:root@10.0.0.2" */
	/* what results and tables call each one, unique in a run: its --name alias, else as named */
	const char *names[OPTIONS_MAX_BACKENDS];
	char aliases[OPTIONS_MAX_BACKENDS]
		    [32]; /* --name ALIAS=BACKEND: the aliases names point to */
	unsigned nbackends;
	const char *ssh_options[OPTIONS_MAX_SSH_OPTIONS]; /* ssh: --ssh-option, each `-o OPT` */
	unsigned nssh_options;
	const char *remote_dir; /* ssh: --remote-dir */
	enum suite suite;
	char *patterns[OPTIONS_MAX_PATTERNS]; /* point into workloads_arg */
	unsigned npatterns;
	char workloads_arg[256];
	int repeat;    /* -1 = suite default */
	int warmup;    /* -1 = suite default */
	unsigned cpus; /* 0 = every core */
	uint64_t memory_bytes;
	const char *baseline; /* NULL = last backend named */
	const char *json_path;
	const char *out_dir;
	const char *report_dir; /* compare: where the report goes; NULL = none */
	uint64_t seed;
	unsigned timeout_s; /* per sample; 0 = suite default */
	const char *kernel;
	const char *modules;
	const char *oci_runtime; /* oci: the runtime binary (NULL = runc on PATH) */
	const char *disk;	 /* an existing scratch file or device to use (overwritten, kept) */
	uint64_t disk_bytes;
	bool force;
	enum backend_vm_mode vm_mode; /* kvm: --vm-mode */
	uint64_t guest_page_bytes;    /* kvm bare guest: --guest-pages (0 = 2 MiB) */
	bool quiet;
	bool no_report;
	bool help;
};

/*
 * Does w's id match any pattern (or are there none)? One that runs only when named needs a
 * pattern beginning with its group.
 */
bool options_match_workload(const struct run_options *o, const struct workload *w);
int options_default_repeat(enum suite s);
int options_default_warmup(enum suite s);

#endif
