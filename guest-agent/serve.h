/*
 * The agent's serving code, shared by the Linux agent (main.c) and the bare guest (bare/): the
 * request loop and how a run request becomes a sample, over a transport and a few hooks that each
 * runtime provides.
 */
#ifndef VB_AGENT_SERVE_H
#define VB_AGENT_SERVE_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"
#include "common/protocol.h"

struct serve_ops {
	/* Write line + '\n' completely; -1 with err when the channel failed. */
	int (*send_line)(void *ctx, const char *line, size_t len, struct vb_error *err);
	/*
	 * The next request line, as proto_read_line: 1 a line (valid until the next call), 0 the
	 * harness hung up, -1 with err->code EINTR (retried), EMSGSIZE (an oversized line was
	 * skipped: answered, then serving goes on) or anything else (serving ends).
	 */
	int (*read_line)(void *ctx, char **line, size_t *len, struct vb_error *err);
	/* Around each sample: per-sample counters, with perf events attached or not (NULL = none). */
	void (*sample_start)(void *ctx, bool events);
	void (*sample_stop)(void *ctx, struct proto_values *counters);
	/* After each request (NULL = nothing): PID 1 reaps orphans here. */
	void (*after_request)(void *ctx);
	/* A failure only a log can tell (the channel is gone); NULL = dropped. */
	void (*log)(void *ctx, const char *message);
};

struct serve {
	const struct serve_ops *ops;
	void *ctx;
	/* What a run request that names no disk or peer gets ("" = none): the VM's devices. */
	const char *disk_path;
	const char *peer_addr;
};

/* Encode and send one message. */
int serve_send(struct serve *s, const struct proto_msg *msg, struct vb_error *err);
/* Serve requests one at a time until shutdown, hang-up or a broken channel. */
void serve_requests(struct serve *s);

#endif
