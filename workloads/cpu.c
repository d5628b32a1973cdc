/* CPU workloads (placeholder until the family lands). */
#include "workloads/workload.h"

const struct workload *const cpu_workloads[] = { NULL };
