/* A session with one running agent: start its backend, wait for hello, send requests, restart. */
#ifndef VB_SESSION_H
#define VB_SESSION_H

#include <stdbool.h>

#include "backends/backend.h"
#include "common/protocol.h"
#include "workloads/workload.h"

struct session {
	const struct backend_ops *ops;
	const char *name; /* what the run calls it: "native", "web1", "ssh:root@10.0.0.2" */
	const struct backend_config *cfg;
	struct backend_instance *inst;
	int rfd, wfd;
	struct proto_reader *reader;
	struct proto_hello hello; /* its raw JSON objects owned here */
	struct backend_stats stats;
	/* ms from calling the backend's start until the agent's hello had been read (every backend
	 * alike; also in stats.startup_ms) */
	double startup_ms;
	uint64_t next_id;
	bool up;
	int hello_timeout_ms;
	pid_t netpeer; /* the io.net peer serving this environment, or 0 */
};

/* name outlives the session; NULL = the backend's own name. */
void session_init(struct session *s, const struct backend_ops *ops, const char *name,
		  const struct backend_config *cfg);
/* Start the backend and wait for the agent's hello. On failure nothing is left running. */
int session_start(struct session *s, struct vb_error *err);
/*
 * Send req (its id is assigned here) and wait for the reply with the same id.
 * -1 with err: err->code == EINTR when interrupted by a signal; s->up == false when the
 * agent died, hung or broke the protocol (the caller may session_restart). An agent that
 * dropped the request as unreadable (error code oversized or bad_message) stays up; whenever
 * the agent rejected a request (an error with id 0), rep holds that error and its code.
 */
int session_request(struct session *s, struct proto_msg *req, struct proto_msg *rep, int timeout_ms,
		    struct vb_error *err);
int session_restart(struct session *s, struct vb_error *err);
/*
 * What the running environment lacks of what w declares it needs ("no scratch disk attached"),
 * or NULL when it has it all: the backend's declared capabilities and what this start attached.
 */
const char *session_lacks(const struct session *s, const struct workload *w);
/* Ask the agent to shut down, then tear the backend down. Idempotent. */
void session_stop(struct session *s);
void session_free(struct session *s);

#endif
