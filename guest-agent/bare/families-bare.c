/*
 * The workload families the bare guest does not have: os.* and io.* need a kernel under the
 * agent. The harness never asks for them (the backend says it provides no kernel, disk or
 * network); a request that does is answered "unknown workload".
 */
#include "workloads/workload.h"

const struct workload *const os_workloads[] = { NULL };
const struct workload *const io_blk_workloads[] = { NULL };
const struct workload *const io_net_workloads[] = { NULL };
