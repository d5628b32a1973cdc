/* What the agent can see of its isolation: PID 1, namespaces, uid map, capabilities, limits. */
#ifndef VB_AGENT_ISOLATION_H
#define VB_AGENT_ISOLATION_H

#include "common/json.h"

/* Write the isolation facts as one JSON object value (the caller has written the key). */
void isolation_write_json(struct json_writer *w);

#endif
