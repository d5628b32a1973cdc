/*
 * Lifecycle figures as workloads of their own: how long an environment takes from the harness's
 * request to start it until the harness has read its agent's hello (the same for every backend),
 * and what it costs the host in memory. Measured by the harness (it restarts the environment once
 * per sample), so that compare shows them like any other.
 */
#include "workloads/workload.h"

static const struct workload lifecycle_start = {
	.id = "lifecycle.start",
	.group = "lifecycle",
	.description = "start an environment until its agent's hello is read; host memory it costs",
	.metrics = {
		{ "ready_ms", "ms", BETTER_LOWER },
		{ "host_overhead_MiB", "MiB", BETTER_LOWER },
	},
	.host_side = true,
};

const struct workload *const lifecycle_workloads[] = { &lifecycle_start, NULL };
