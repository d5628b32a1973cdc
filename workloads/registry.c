/* The workload registry: one line per workload family. */
#include "workloads/workload.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static const struct workload *const *const families[] = {
	cpu_workloads,	  mem_workloads, os_workloads,	      io_blk_workloads,
	io_net_workloads, vm_workloads,	 lifecycle_workloads, selftest_workloads,
};

const struct workload *workload_at(size_t i)
{
	for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		for (const struct workload *const *w = families[f]; *w; w++) {
			if (i == 0)
				return *w;
			i--;
		}
	}
	return NULL;
}

const struct workload *workload_find(const char *id)
{
	const struct workload *w;
	for (size_t i = 0; (w = workload_at(i)); i++)
		if (strcmp(w->id, id) == 0)
			return w;
	return NULL;
}

size_t workload_param_count(const struct workload *w)
{
	size_t n = 0;
	while (n < WORKLOAD_MAX_PARAMS && w->params[n].name)
		n++;
	return n;
}

size_t workload_metric_count(const struct workload *w)
{
	size_t n = 0;
	while (n < WORKLOAD_MAX_METRICS && w->metrics[n].name)
		n++;
	return n;
}

int workload_param_index(const struct workload *w, const char *name)
{
	for (size_t i = 0; i < workload_param_count(w); i++)
		if (strcmp(w->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

int workload_metric_index(const struct workload *w, const char *name)
{
	for (size_t i = 0; i < workload_metric_count(w); i++)
		if (strcmp(w->metrics[i].name, name) == 0)
			return (int)i;
	return -1;
}

double workload_param(const struct workload_ctx *ctx, const char *name)
{
	int i = workload_param_index(ctx->workload, name);
	assert(i >= 0 && "unknown workload parameter");
	return i >= 0 ? ctx->params[i] : NAN;
}

void workload_set_metric(struct sample_out *out, const struct workload_ctx *ctx, const char *name,
			 double value)
{
	int i = workload_metric_index(ctx->workload, name);
	if (i >= 0)
		out->value[i] = value;
	else if (!out->unknown_metric[0])
		snprintf(out->unknown_metric, sizeof(out->unknown_metric), "%s", name);
}

void workload_record_size(struct sample_out *out, const char *name, double value)
{
	for (unsigned i = 0; i < out->nsizes && i < WORKLOAD_MAX_SIZES; i++) {
		if (strcmp(out->sizes[i].name, name) == 0) {
			out->sizes[i].value = value;
			return;
		}
	}
	if (out->nsizes < WORKLOAD_MAX_SIZES)
		out->sizes[out->nsizes++] = (struct workload_size){ name, value };
}
