/* Memory workloads (placeholder until the family lands). */
#include "workloads/workload.h"

const struct workload *const mem_workloads[] = { NULL };
