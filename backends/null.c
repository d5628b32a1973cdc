/*
 * null backend (as fio's null engine): no environment and no agent binary. A thread inside vbench
 * answers the agent protocol with canned samples, so that tests drive the runner and sessions
 * without containers, VMs or a built agent. It measures nothing.
 */
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "backends/backend.h"
#include "common/protocol.h"
#include "workloads/workload.h"

#define NULL_WRITE_TIMEOUT_MS 10000

struct backend_instance {
	int harness_fd; /* the session's end of the channel */
	int agent_fd;	/* the canned agent's end, served by thread */
	pthread_t thread;
	atomic_bool done; /* the canned agent has ended, as an agent process exits */
	unsigned cpus;
	uint64_t memory_bytes;
	char fail_pattern[128]; /* VBENCH_NULL_ERROR: workloads answered with an error */
	struct proto_reader reader;
};

static void null_answer_run(const struct backend_instance *inst, const struct proto_msg *req,
			    struct proto_msg *rep)
{
	const struct workload *w = workload_find(req->run.workload);
	if (!w) {
		rep->type = PROTO_ERROR;
		rep->code = PROTO_ERR_UNKNOWN_WORKLOAD;
		snprintf(rep->message, sizeof(rep->message), "unknown workload \"%.64s\"",
			 req->run.workload);
		return;
	}
	if (inst->fail_pattern[0] && fnmatch(inst->fail_pattern, w->id, 0) == 0) {
		rep->type = PROTO_ERROR;
		rep->code = PROTO_ERR_FAILED;
		snprintf(rep->message, sizeof(rep->message),
			 "null: %s fails, as VBENCH_NULL_ERROR asks", w->id);
		return;
	}
	rep->type = PROTO_SAMPLE;
	for (size_t m = 0; m < workload_metric_count(w); m++)
		proto_values_add(&rep->metrics, w->metrics[m].name, BACKEND_NULL_SAMPLE);
}

/* Read one request and answer it, as the agent would. false when the channel is done. */
static bool null_serve_one(struct backend_instance *inst)
{
	char *line;
	size_t len;
	struct vb_error err;
	struct proto_msg req, rep;
	memset(&rep, 0, sizeof(rep));
	int rc = proto_read_line(&inst->reader, -1, &line, &len, &err);
	if (rc == 0)
		return false; /* the session closed the channel */
	bool go_on = true;
	if (rc < 0) {
		if (err.code != EMSGSIZE)
			return false;
		rep.type = PROTO_ERROR; /* skipped whole: say so, and serve the next */
		rep.code = PROTO_ERR_OVERSIZED;
		snprintf(rep.message, sizeof(rep.message), "%s", err.message);
	} else if (proto_decode(line, len, &req, &err) < 0) {
		rep.type = PROTO_ERROR;
		rep.code = PROTO_ERR_BAD_MESSAGE;
		snprintf(rep.message, sizeof(rep.message), "%s", err.message);
	} else {
		rep.id = req.id;
		switch (req.type) {
		case PROTO_RUN: null_answer_run(inst, &req, &rep); break;
		case PROTO_PING: rep.type = PROTO_PONG; break;
		case PROTO_SHUTDOWN:
			rep.type = PROTO_BYE;
			go_on = false;
			break;
		default:
			rep.type = PROTO_ERROR;
			rep.code = PROTO_ERR_UNEXPECTED;
			snprintf(rep.message, sizeof(rep.message), "unexpected %s message",
				 proto_type_name(req.type));
		}
		proto_msg_free(&req);
	}
	return proto_send(inst->agent_fd, &rep, NULL_WRITE_TIMEOUT_MS, &err) == 0 && go_on;
}

static void *null_agent(void *arg)
{
	struct backend_instance *inst = arg;
	struct vb_error err;
	struct proto_msg hello;
	memset(&hello, 0, sizeof(hello));
	hello.type = PROTO_HELLO;
	hello.hello.proto = PROTO_VERSION;
	snprintf(hello.hello.version, sizeof(hello.hello.version), "null");
	snprintf(hello.hello.hostname, sizeof(hello.hello.hostname), "null");
	snprintf(hello.hello.counters_note, sizeof(hello.hello.counters_note),
		 "the null backend counts nothing");
	hello.hello.cpus = inst->cpus;
	hello.hello.memory_bytes = inst->memory_bytes;
	if (proto_send(inst->agent_fd, &hello, NULL_WRITE_TIMEOUT_MS, &err) == 0) {
		proto_reader_init(&inst->reader, inst->agent_fd);
		while (null_serve_one(inst))
			;
	}
	/* as an agent that exits: the session reads the end of the stream */
	shutdown(inst->agent_fd, SHUT_RDWR);
	atomic_store(&inst->done, true);
	return NULL;
}

static int null_start(const struct backend_config *cfg, struct backend_instance **out,
		      struct vb_error *err)
{
	struct backend_instance *inst = calloc(1, sizeof(*inst));
	if (!inst)
		return error_set(err, "null: out of memory");
	int fds[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
		free(inst);
		return error_set_errno(err, "null: socketpair");
	}
	inst->harness_fd = fds[0];
	inst->agent_fd = fds[1];
	inst->cpus = cfg->ncpus;
	inst->memory_bytes = cfg->memory_bytes;
	const char *fail = getenv("VBENCH_NULL_ERROR");
	snprintf(inst->fail_pattern, sizeof(inst->fail_pattern), "%s", fail ? fail : "");
	/* signals stay with vbench's own threads (Ctrl-C must interrupt the session's reads), and
	 * a write to a closed channel fails with EPIPE here instead of raising SIGPIPE */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&inst->thread, NULL, null_agent, inst);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		close(fds[0]);
		close(fds[1]);
		free(inst);
		errno = rc;
		return error_set_errno(err, "null: starting the canned agent");
	}
	*out = inst;
	return 0;
}

static void null_channel(struct backend_instance *inst, int *rfd, int *wfd)
{
	*rfd = *wfd = inst->harness_fd;
}

static void null_stats(struct backend_instance *inst, struct backend_stats *out)
{
	(void)inst;
	memset(out, 0, sizeof(*out));
	out->host_overhead_bytes = NAN;
	snprintf(out->host_overhead_note, sizeof(out->host_overhead_note),
		 "the null backend runs no environment: nothing to measure");
	snprintf(out->details, sizeof(out->details),
		 "no environment: canned samples from a thread in vbench, nothing is measured");
}

static bool null_alive(struct backend_instance *inst)
{
	return !atomic_load(&inst->done);
}

static void null_stop(struct backend_instance *inst)
{
	if (!inst)
		return;
	shutdown(inst->harness_fd, SHUT_RDWR); /* the canned agent reads the end and returns */
	pthread_join(inst->thread, NULL);
	close(inst->harness_fd);
	close(inst->agent_fd);
	free(inst);
}

const struct backend_ops null_backend = {
	.name = "null",
	.description =
		"for tests: no environment, canned samples (every metric 1), measures nothing",
	.canned = true,
	.start = null_start,
	.channel = null_channel,
	.stats = null_stats,
	.alive = null_alive,
	.stop = null_stop,
};
