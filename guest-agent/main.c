/*
 * vbench-agent: the static guest agent. The same binary runs as a plain process, as PID 1
 * in a container and as /init in a VM; it says hello, then serves one request at a time.
 */
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/json.h"
#include "common/protocol.h"
#include "guest-agent/counters.h"
#include "guest-agent/isolation.h"
#include "guest-agent/vm-init.h"
#include "workloads/os.h"
#include "workloads/workload.h"

/* With no request for this long the harness is gone: exit rather than linger. */
#define AGENT_IDLE_TIMEOUT_MS  (30 * 60 * 1000)
#define AGENT_WRITE_TIMEOUT_MS (30 * 1000)

struct agent {
	int rfd, wfd;
	bool vm;
	struct agent_vm_env vm_env;
	struct counters *counters;
};

static void fill_hello(struct agent *a, struct proto_msg *m)
{
	struct proto_hello *h = &m->hello;
	struct utsname u;
	struct sysinfo si;
	cpu_set_t set;

	memset(m, 0, sizeof(*m));
	m->type = PROTO_HELLO;
	snprintf(h->version, sizeof(h->version), "%s", VBENCH_VERSION);
	h->proto = PROTO_VERSION;
	if (uname(&u) == 0) {
		snprintf(h->kernel, sizeof(h->kernel), "%.120s", u.release);
		snprintf(h->hostname, sizeof(h->hostname), "%.60s", u.nodename);
	}
	snprintf(h->clocksource, sizeof(h->clocksource), "%.30s", os_clocksource());
	os_thp_setting("enabled", h->thp_enabled, sizeof(h->thp_enabled));
	os_thp_setting("defrag", h->thp_defrag, sizeof(h->thp_defrag));
	CPU_ZERO(&set);
	h->cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? (unsigned)CPU_COUNT(&set) : 1;
	if (h->cpus == 0)
		h->cpus = 1;
	if (sysinfo(&si) == 0)
		h->memory_bytes = (uint64_t)si.totalram * si.mem_unit;
	h->hw_counters = counters_have_hardware(a->counters);
	snprintf(h->counters_note, sizeof(h->counters_note), "%.150s", counters_note(a->counters));

	struct json_writer w;
	json_writer_init(&w);
	isolation_write_json(&w);
	h->isolation_json = json_writer_take(&w, NULL);
}

static int reply_coded(struct agent *a, enum proto_type type, enum proto_error_code code,
		       uint64_t id, const char *text)
{
	struct proto_msg m;
	struct vb_error err;
	memset(&m, 0, sizeof(m));
	m.type = type;
	m.id = id;
	m.code = code;
	snprintf(m.message, sizeof(m.message), "%s", text);
	if (proto_send(a->wfd, &m, AGENT_WRITE_TIMEOUT_MS, &err) < 0) {
		fprintf(stderr, "vbench-agent: %s\n", err.message);
		return -1;
	}
	return 0;
}

static int reply_text(struct agent *a, enum proto_type type, uint64_t id, const char *text)
{
	return reply_coded(a, type, PROTO_ERR_FAILED, id, text);
}

static int reply_error(struct agent *a, enum proto_error_code code, uint64_t id, const char *text)
{
	return reply_coded(a, PROTO_ERROR, code, id, text);
}

static int serve_run(struct agent *a, const struct proto_msg *req)
{
	const struct proto_run *r = &req->run;
	const struct workload *w = workload_find(r->workload);
	char msg[512];
	if (!w || w->host_side) {
		snprintf(msg, sizeof(msg), "unknown workload \"%s\"", r->workload);
		return reply_error(a, PROTO_ERR_UNKNOWN_WORKLOAD, req->id, msg);
	}
	struct workload_ctx ctx;
	memset(&ctx, 0, sizeof(ctx));
	ctx.workload = w;
	ctx.cpus = r->cpus;
	ctx.seed = r->seed;
	ctx.disk_path = r->disk[0] ? r->disk : NULL;
	ctx.peer_addr = r->peer[0] ? r->peer : NULL;
	if (!ctx.disk_path && a->vm_env.disk_path[0])
		ctx.disk_path = a->vm_env.disk_path;
	if (!ctx.peer_addr && a->vm_env.peer_addr[0])
		ctx.peer_addr = a->vm_env.peer_addr;
	for (size_t i = 0; i < workload_param_count(w); i++) {
		if (proto_values_get(&r->params, w->params[i].name, &ctx.params[i]) < 0 ||
		    !isfinite(ctx.params[i])) {
			snprintf(msg, sizeof(msg), "%s: parameter \"%s\" missing or not finite",
				 w->id, w->params[i].name);
			return reply_error(a, PROTO_ERR_BAD_PARAMS, req->id, msg);
		}
	}
	for (unsigned i = 0; i < r->params.count; i++) {
		if (workload_param_index(w, r->params.v[i].name) < 0) {
			snprintf(msg, sizeof(msg), "%s: unknown parameter \"%s\"", w->id,
				 r->params.v[i].name);
			return reply_error(a, PROTO_ERR_BAD_PARAMS, req->id, msg);
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
	counters_start(a->counters, !w->uncounted);
	int rc = w->run(&ctx, &out, &err);
	counters_stop(a->counters, &rep.counters);
	if (rc == WORKLOAD_UNSUPPORTED)
		return reply_text(a, PROTO_UNSUPPORTED, req->id, err.message);
	if (rc < 0)
		return reply_error(a, err.code == ETIMEDOUT ? PROTO_ERR_TIMEOUT : PROTO_ERR_FAILED,
				   req->id, err.message[0] ? err.message : "failed");
	if (out.unknown_metric[0]) {
		snprintf(msg, sizeof(msg), "%s set a metric its table lacks: \"%s\"", w->id,
			 out.unknown_metric);
		return reply_error(a, PROTO_ERR_FAILED, req->id, msg);
	}
	rep.type = PROTO_SAMPLE;
	rep.id = req->id;
	for (size_t i = 0; i < workload_metric_count(w); i++)
		proto_values_add(&rep.metrics, w->metrics[i].name, out.value[i]);
	for (unsigned i = 0; i < out.nsizes && i < WORKLOAD_MAX_SIZES; i++)
		proto_values_add(&rep.sizes, out.sizes[i].name, out.sizes[i].value);
	snprintf(rep.message, sizeof(rep.message), "%s", out.note);
	if (proto_send(a->wfd, &rep, AGENT_WRITE_TIMEOUT_MS, &err) < 0) {
		fprintf(stderr, "vbench-agent: %s\n", err.message);
		return -1;
	}
	return 0;
}

/*
 * As PID 1 the agent inherits orphans. They are reaped between requests, never by a SIGCHLD
 * handler, which would steal the exit status a workload is waiting for.
 */
static void reap_orphans(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

static void usage(void)
{
	printf("usage: vbench-agent\n"
	       "\n"
	       "The vbench guest agent. It speaks the agent protocol (newline-delimited JSON)\n"
	       "on stdin/stdout, or on its virtio channel when it runs as /init in a VM.\n"
	       "It is started by vbench; running it by hand prints a hello and waits for "
	       "requests.\n");
}

int main(int argc, char **argv)
{
	struct agent a = { .rfd = 0, .wfd = 1 };
	struct vb_error err;

	if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage();
		return 0;
	}
	signal(SIGPIPE, SIG_IGN);
	if (agent_vm_is_init(argc, argv)) {
		a.vm = true;
		if (agent_vm_init(&a.vm_env, &err) < 0) {
			fprintf(stderr, "vbench-agent: VM init failed: %s\n", err.message);
			agent_vm_poweroff();
		}
		a.rfd = a.vm_env.channel_rfd;
		a.wfd = a.vm_env.channel_wfd;
	}
	a.counters = counters_open();

	struct proto_msg hello;
	fill_hello(&a, &hello);
	int rc = proto_send(a.wfd, &hello, AGENT_WRITE_TIMEOUT_MS, &err);
	proto_msg_free(&hello);
	if (rc < 0) {
		fprintf(stderr, "vbench-agent: sending hello: %s\n", err.message);
		goto out;
	}
	if (a.vm)
		agent_vm_mark_ready();

	static struct proto_reader reader;
	proto_reader_init(&reader, a.rfd);
	for (;;) {
		char *line;
		size_t len;
		struct proto_msg req;
		rc = proto_read_line(&reader, AGENT_IDLE_TIMEOUT_MS, &line, &len, &err);
		if (rc == 0)
			break; /* the harness closed the channel */
		if (rc < 0) {
			if (err.code == EINTR)
				continue;
			fprintf(stderr, "vbench-agent: %s\n", err.message);
			/* the oversized line was skipped: say so, and serve the next one */
			if (err.code == EMSGSIZE) {
				reply_error(&a, PROTO_ERR_OVERSIZED, 0, err.message);
				continue;
			}
			break;
		}
		if (proto_decode(line, len, &req, &err) < 0) {
			if (reply_error(&a, PROTO_ERR_BAD_MESSAGE, 0, err.message) < 0)
				break;
			continue;
		}
		if (req.type == PROTO_RUN) {
			if (serve_run(&a, &req) < 0)
				break;
		} else if (req.type == PROTO_PING) {
			if (reply_text(&a, PROTO_PONG, req.id, "") < 0)
				break;
		} else if (req.type == PROTO_SHUTDOWN) {
			reply_text(&a, PROTO_BYE, req.id, "");
			proto_msg_free(&req);
			break;
		} else {
			char msg[96];
			snprintf(msg, sizeof(msg), "unexpected %s message",
				 proto_type_name(req.type));
			reply_error(&a, PROTO_ERR_UNEXPECTED, req.id, msg);
		}
		proto_msg_free(&req);
		if (getpid() == 1)
			reap_orphans();
	}
out:
	counters_close(a.counters);
	if (a.vm)
		agent_vm_poweroff();
	return 0;
}
