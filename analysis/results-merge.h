/* Runs from several machines as one document, so that reports show them side by side. */
#ifndef VB_RESULTS_MERGE_H
#define VB_RESULTS_MERGE_H

#include <stddef.h>

#include "common/error.h"
#include "analysis/results.h"

/*
 * Merge docs[0..n) (names[i]: what run i is called, its file) into out, a new document: every
 * backend, entry (with its raw samples) and counter of run i, its backend renamed
 * "HOST:LABEL" ("vps-a:kvm"; "HOST#i:LABEL" when an earlier run has the same host name, "runI"
 * when the run has none). Configurations that differ (suite, seed, CPUs, memory, samples, warm-up,
 * workloads) and runs from different machines become out's warnings. baseline is what ratios are
 * to: a merged name, or a label only one run has ("native" when one run has it); NULL takes the
 * first run's configured baseline. -1 when the baseline is unknown or ambiguous, or names clash.
 */
int results_merge(struct results_doc *out, const struct results_doc *const *docs,
		  const char *const *names, size_t n, const char *baseline, struct vb_error *err);

/*
 * Which of docs[0..n) a merged backend name comes from (its "HOST:" or "HOST#i:" prefix), or -1.
 */
int results_merge_source(const struct results_doc *const *docs, size_t n, const char *backend);

/*
 * The baseline a single run's report should use: baseline itself when some entry of doc is of
 * that backend; -1 with the backends it has otherwise.
 */
int results_check_baseline(const struct results_doc *doc, const char *baseline,
			   struct vb_error *err);

#endif
