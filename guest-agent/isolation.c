/* What the agent can see of its isolation: PID 1, namespaces, uid map, capabilities, limits. */
#include "guest-agent/isolation.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

void isolation_write_json(struct json_writer *w)
{
	char ns[64] = "";
	ssize_t n = readlink("/proc/self/ns/pid", ns, sizeof(ns) - 1);
	ns[n > 0 ? n : 0] = '\0';
	json_object_begin(w);
	json_kv_bool(w, "pid1", getpid() == 1);
	json_kv_string(w, "pid_ns", ns);
	json_object_end(w);
}
