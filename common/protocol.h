/*
 * The agent protocol: newline-delimited JSON between the harness and the guest agent.
 * The agent speaks first (hello); the harness sends one request at a time.
 */
#ifndef VB_PROTOCOL_H
#define VB_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

#define PROTO_VERSION	 1
#define PROTO_MAX_LINE	 65536 /* longer messages are rejected as oversized */
#define PROTO_MAX_VALUES 32
#define PROTO_NAME_MAX	 48

/*
 * Integers are plain decimal digits, at most 2^53 - 1 (exact in readers that hold JSON numbers
 * in doubles) and within their field's range; proto_decode rejects anything else, so that every
 * message it accepts encodes back to the same values.
 */
#define PROTO_MAX_INT	      ((1ULL << 53) - 1)
#define PROTO_MAX_CPUS	      4096
#define PROTO_MAX_ISOLATION   16384 /* bytes of the hello's raw isolation object */
#define PROTO_MAX_ENVIRONMENT 4096  /* bytes of the hello's raw environment object */

enum proto_type {
	PROTO_HELLO,	   /* agent: version, kernel, cpus, memory, isolation, environment, ... */
	PROTO_RUN,	   /* harness: run one sample of a workload */
	PROTO_SAMPLE,	   /* agent: metric values (+ counters) of one sample */
	PROTO_ERROR,	   /* agent: the request failed (code, message) */
	PROTO_UNSUPPORTED, /* agent: the workload cannot run here (message = reason) */
	PROTO_PING,	   /* harness */
	PROTO_PONG,	   /* agent */
	PROTO_SHUTDOWN,	   /* harness: exit (the VM powers off) */
	PROTO_BYE,	   /* agent: acknowledges shutdown */
};

/*
 * Why a request failed, carried by every error message ("code"), so that the harness acts on the
 * reason and never on the message text. A message without a code (an older agent) is
 * PROTO_ERR_FAILED.
 */
enum proto_error_code {
	PROTO_ERR_FAILED,	    /* "failed": the request was served and failed */
	PROTO_ERR_BAD_MESSAGE,	    /* "bad_message": the request did not decode; it was dropped */
	PROTO_ERR_OVERSIZED,	    /* "oversized": the request was over PROTO_MAX_LINE; dropped */
	PROTO_ERR_UNEXPECTED,	    /* "unexpected": a message of a type the agent does not serve */
	PROTO_ERR_UNKNOWN_WORKLOAD, /* "unknown_workload": no such workload in this agent */
	PROTO_ERR_BAD_PARAMS,	    /* "bad_params": a parameter missing, unknown or not finite */
	PROTO_ERR_TIMEOUT,	    /* "timeout": something the request waited for did not come */
};

struct proto_value {
	char name[PROTO_NAME_MAX];
	double value; /* NaN = not measured */
};

struct proto_values {
	unsigned count;
	struct proto_value v[PROTO_MAX_VALUES];
};

struct proto_hello {
	char version[32];
	int proto;
	char kernel[128];
	char hostname[64];
	char clocksource[32]; /* the kernel clock source the agent runs on: tsc, kvm-clock, ... */
	char thp_enabled[16]; /* transparent huge pages: "always", "madvise", "never", "" unknown */
	char thp_defrag[24];  /* their defrag setting: "madvise", "defer+madvise", ... */
	unsigned cpus;
	uint64_t memory_bytes;
	char *isolation_json; /* raw JSON object as the agent sent it (malloc'd), or NULL */
	/* what the environment is, seen from inside (guest-agent/environment.h): raw JSON object
	 * as the agent sent it (malloc'd), or NULL (the bare guest, older agents) */
	char *environment_json;
	bool hw_counters;
	char counters_note[160];
	/* the io.net peer the agent runs itself (vbench-agent --net-peer) as a run request's peer
	 * names it, "127.0.0.1:ECHO_PORT,SINK_PORT" (common/net-peer.h); "" = none */
	char peer[64];
};

struct proto_run {
	char workload[64];
	struct proto_values params;
	unsigned cpus;
	uint64_t seed;
	char disk[256]; /* "" = none */
	char peer[64];	/* "" = none */
};

struct proto_msg {
	enum proto_type type;
	uint64_t id; /* request id, echoed in replies */
	struct proto_hello hello;
	struct proto_run run;
	struct proto_values metrics;  /* sample */
	struct proto_values counters; /* sample */
	struct proto_values sizes;    /* sample: the sizes the workload used */
	enum proto_error_code code;   /* error */
	char message[512]; /* error, unsupported; sample: why its null metrics were not measured */
};

/* Decode one line (without the newline). Rejects malformed, unknown or incomplete messages. */
int proto_decode(const char *line, size_t len, struct proto_msg *msg, struct vb_error *err);
void proto_msg_free(struct proto_msg *msg);
/* Free what a hello owns (its raw JSON objects) and clear the pointers. */
void proto_hello_free(struct proto_hello *h);

/* Encode a message; returns a malloc'd line without the trailing newline, or NULL. */
char *proto_encode(const struct proto_msg *msg, size_t *len);

int proto_values_add(struct proto_values *vals, const char *name, double value);
/* Value by name; returns -1 if absent. */
int proto_values_get(const struct proto_values *vals, const char *name, double *out);

/*
 * Lines assembled from a byte stream: the transport (a file descriptor in protocol-fd.c, the bare
 * guest's shared-memory ring) appends bytes at proto_reader_space and adds them to len.
 */
struct proto_reader {
	int fd;		 /* protocol-fd.c's file descriptor; unused by other transports */
	size_t len;	 /* bytes in buf */
	size_t consumed; /* bytes of the line last returned, dropped on the next read */
	char buf[PROTO_MAX_LINE + 1];
	bool discarding; /* inside an oversized line: skip to its newline */
};

void proto_reader_init(struct proto_reader *r, int fd);
/*
 * The next whole line in the buffer: 1 with *line (NUL-terminated, valid until the next call),
 * 0 when more bytes are needed, -1 with err->code EMSGSIZE when an oversized line was skipped.
 */
int proto_reader_take_line(struct proto_reader *r, char **line, size_t *len, struct vb_error *err);
/* Where the transport appends bytes, and how many fit (never 0 after take_line returned 0). */
char *proto_reader_space(struct proto_reader *r, size_t *room);
/* The stream ended: 0, or -1 with err->code EPROTO if it ended inside a line. */
int proto_reader_end(struct proto_reader *r, struct vb_error *err);

/*
 * Over a file descriptor (protocol-fd.c). Read one line into *line (NUL-terminated, valid until the next call). timeout_ms < 0
 * waits forever. Returns 1 for a line, 0 at end of stream, -1 on error with err->code saying
 * which: ETIMEDOUT (time-out), EMSGSIZE (an oversized line, skipped: the next line reads),
 * EPROTO (the stream ended inside a line), EINTR (interrupted by a signal), else an I/O errno.
 */
int proto_read_line(struct proto_reader *r, int timeout_ms, char **line, size_t *len,
		    struct vb_error *err);
/* Write line + '\n' completely within timeout_ms. */
int proto_write_line(int fd, const char *line, size_t len, int timeout_ms, struct vb_error *err);
/* Encode and write. */
int proto_send(int fd, const struct proto_msg *msg, int timeout_ms, struct vb_error *err);

const char *proto_type_name(enum proto_type t);
const char *proto_error_code_name(enum proto_error_code c);

#endif
