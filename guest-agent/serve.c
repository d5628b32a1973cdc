/*
 * The agent's request loop: decode a request, run the workload it names with the parameters it
 * gives, answer with a sample, an error or unsupported. The same code serves in a Linux process
 * and in the bare guest; only the transport and the hooks differ.
 */
#include "guest-agent/serve.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/workload.h"

int serve_send(struct serve *s, const struct proto_msg *msg, struct vb_error *err)
{
	size_t len;
	char *line = proto_encode(msg, &len);
	if (!line)
		return error_set(err, "out of memory encoding a %s message",
				 proto_type_name(msg->type));
	int rc = s->ops->send_line(s->ctx, line, len, err);
	free(line);
	return rc;
}

static void serve_log(struct serve *s, const char *message)
{
	if (s->ops->log)
		s->ops->log(s->ctx, message);
}

static int serve_send_logged(struct serve *s, const struct proto_msg *msg)
{
	struct vb_error err;
	if (serve_send(s, msg, &err) < 0) {
		serve_log(s, err.message);
		return -1;
	}
	return 0;
}

static int reply_coded(struct serve *s, enum proto_type type, enum proto_error_code code,
		       uint64_t id, const char *text)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.id = id;
	m.code = code;
	snprintf(m.message, sizeof(m.message), "%s", text);
	return serve_send_logged(s, &m);
}

static int reply_text(struct serve *s, enum proto_type type, uint64_t id, const char *text)
{
	return reply_coded(s, type, PROTO_ERR_FAILED, id, text);
}

static int reply_error(struct serve *s, enum proto_error_code code, uint64_t id, const char *text)
{
	return reply_coded(s, PROTO_ERROR, code, id, text);
}

static int serve_run(struct serve *s, const struct proto_msg *req)
{
	const struct proto_run *r = &req->run;
	const struct workload *w = workload_find(r->workload);
	char msg[512];
	if (!w || w->host_side) {
		snprintf(msg, sizeof(msg), "unknown workload \"%s\"", r->workload);
		return reply_error(s, PROTO_ERR_UNKNOWN_WORKLOAD, req->id, msg);
	}
	struct workload_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.workload = w;
	ctx.cpus = r->cpus;
	ctx.seed = r->seed;
	ctx.disk_path = r->disk[0] ? r->disk : NULL;
	ctx.peer_addr = r->peer[0] ? r->peer : NULL;
	if (!ctx.disk_path && s->disk_path && s->disk_path[0])
		ctx.disk_path = s->disk_path;
	if (!ctx.peer_addr && s->peer_addr && s->peer_addr[0])
		ctx.peer_addr = s->peer_addr;
	for (size_t i = 0; i < workload_param_count(w); i++) {
		if (proto_values_get(&r->params, w->params[i].name, &ctx.params[i]) < 0 ||
		    !isfinite(ctx.params[i])) {
			snprintf(msg, sizeof(msg), "%s: parameter \"%s\" missing or not finite",
				 w->id, w->params[i].name);
			return reply_error(s, PROTO_ERR_BAD_PARAMS, req->id, msg);
		}
	}
	for (unsigned i = 0; i < r->params.count; i++) {
		if (workload_param_index(w, r->params.v[i].name) < 0) {
			snprintf(msg, sizeof(msg), "%s: unknown parameter \"%s\"", w->id,
				 r->params.v[i].name);
			return reply_error(s, PROTO_ERR_BAD_PARAMS, req->id, msg);
		}
	}

	struct sample_out out;
	struct vb_error err;
	error_clear(&err);
	memset(&out, 0, sizeof(out));
	for (size_t i = 0; i < WORKLOAD_MAX_METRICS; i++)
		out.value[i] = NAN;
	out.note[0] = '\0';
	struct proto_msg rep;
	memset(&rep, 0, sizeof(rep));
	/* no perf event rides along on the switches, forks and clones an uncounted workload times */
	if (s->ops->sample_start)
		s->ops->sample_start(s->ctx, !w->uncounted);
	int rc = w->run(&ctx, &out, &err);
	if (s->ops->sample_stop)
		s->ops->sample_stop(s->ctx, &rep.counters);
	if (rc == WORKLOAD_UNSUPPORTED)
		return reply_text(s, PROTO_UNSUPPORTED, req->id, err.message);
	if (rc < 0)
		return reply_error(s, err.code == ETIMEDOUT ? PROTO_ERR_TIMEOUT : PROTO_ERR_FAILED,
				   req->id, err.message[0] ? err.message : "failed");
	if (out.unknown_metric[0]) {
		snprintf(msg, sizeof(msg), "%s set a metric its table lacks: \"%s\"", w->id,
			 out.unknown_metric);
		return reply_error(s, PROTO_ERR_FAILED, req->id, msg);
	}
	rep.type = PROTO_SAMPLE;
	rep.id = req->id;
	for (size_t i = 0; i < workload_metric_count(w); i++)
		proto_values_add(&rep.metrics, w->metrics[i].name, out.value[i]);
	for (unsigned i = 0; i < out.nsizes && i < WORKLOAD_MAX_SIZES; i++)
		proto_values_add(&rep.sizes, out.sizes[i].name, out.sizes[i].value);
	snprintf(rep.message, sizeof(rep.message), "%s", out.note);
	return serve_send_logged(s, &rep);
}

void serve_requests(struct serve *s)
{
	struct vb_error err;
	for (;;) {
		char *line;
		size_t len;
		struct proto_msg req;
		int rc = s->ops->read_line(s->ctx, &line, &len, &err);
		if (rc == 0)
			break; /* the harness closed the channel */
		if (rc < 0) {
			if (err.code == EINTR)
				continue;
			serve_log(s, err.message);
			/* the oversized line was skipped: say so, and serve the next one */
			if (err.code == EMSGSIZE) {
				reply_error(s, PROTO_ERR_OVERSIZED, 0, err.message);
				continue;
			}
			break;
		}
		if (proto_decode(line, len, &req, &err) < 0) {
			if (reply_error(s, PROTO_ERR_BAD_MESSAGE, 0, err.message) < 0)
				break;
			continue;
		}
		if (req.type == PROTO_RUN) {
			if (serve_run(s, &req) < 0)
				break;
		} else if (req.type == PROTO_PING) {
			if (reply_text(s, PROTO_PONG, req.id, "") < 0)
				break;
		} else if (req.type == PROTO_SHUTDOWN) {
			reply_text(s, PROTO_BYE, req.id, "");
			proto_msg_free(&req);
			break;
		} else {
			char msg[96];
			snprintf(msg, sizeof(msg), "unexpected %s message",
				 proto_type_name(req.type));
			reply_error(s, PROTO_ERR_UNEXPECTED, req.id, msg);
		}
		proto_msg_free(&req);
		if (s->ops->after_request)
			s->ops->after_request(s->ctx);
	}
}
