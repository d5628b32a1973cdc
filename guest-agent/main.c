/*
 * vbench-agent: the static guest agent. The same binary runs as a plain process, as PID 1
 * in a container and as /init in a VM; it says hello, then serves one request at a time
 * (serve.c, shared with the bare guest).
 */
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
#include "guest-agent/environment.h"
#include "guest-agent/isolation.h"
#include "guest-agent/loopback-peer.h"
#include "guest-agent/serve.h"
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
	struct proto_reader *reader;
	char peer_addr[64]; /* its own io.net peer (--net-peer), "" = none */
	pid_t peer_pid;
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
	snprintf(h->peer, sizeof(h->peer), "%s", a->peer_addr);
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

	struct environment_cpuid cpuid;
	struct environment env;
	environment_read_cpuid(&cpuid);
	environment_detect("/", &cpuid, &env);
	json_writer_init(&w);
	environment_write_json(&w, &env);
	h->environment_json = json_writer_take(&w, NULL);
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

/* The agent's side of serve.c: its file descriptors, its counters, PID 1's duties, stderr. */
static int agent_send_line(void *ctx, const char *line, size_t len, struct vb_error *err)
{
	struct agent *a = ctx;
	return proto_write_line(a->wfd, line, len, AGENT_WRITE_TIMEOUT_MS, err);
}

static int agent_read_line(void *ctx, char **line, size_t *len, struct vb_error *err)
{
	struct agent *a = ctx;
	return proto_read_line(a->reader, AGENT_IDLE_TIMEOUT_MS, line, len, err);
}

static void agent_sample_start(void *ctx, bool events)
{
	struct agent *a = ctx;
	counters_start(a->counters, events);
}

static void agent_sample_stop(void *ctx, struct proto_values *counters)
{
	struct agent *a = ctx;
	counters_stop(a->counters, counters);
}

static void agent_after_request(void *ctx)
{
	(void)ctx;
	if (getpid() == 1)
		reap_orphans();
}

static void agent_log(void *ctx, const char *message)
{
	(void)ctx;
	fprintf(stderr, "vbench-agent: %s\n", message);
}

static const struct serve_ops agent_serve_ops = {
	.send_line = agent_send_line,
	.read_line = agent_read_line,
	.sample_start = agent_sample_start,
	.sample_stop = agent_sample_stop,
	.after_request = agent_after_request,
	.log = agent_log,
};

static void usage(void)
{
	printf("usage: vbench-agent [--net-peer]\n"
	       "\n"
	       "The vbench guest agent. It speaks the agent protocol (newline-delimited JSON)\n"
	       "on stdin/stdout, or on its virtio channel when it runs as /init in a VM.\n"
	       "It is started by vbench; running it by hand prints a hello and waits for "
	       "requests.\n"
	       "\n"
	       "  --net-peer  also serve the io.net peer (echo and sink) on 127.0.0.1, on ports\n"
	       "              the kernel picks, named in the hello; it ends with the agent.\n"
	       "              For a remote host (ssh backend): loopback there, not a network.\n");
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
	bool net_peer = false;
	if (!agent_vm_is_init(argc, argv))
		for (int i = 1; i < argc; i++)
			net_peer |= strcmp(argv[i], "--net-peer") == 0;
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
	/* without it the hello names no peer, and vbench reports io.net unsupported */
	if (net_peer &&
	    loopback_peer_start(a.peer_addr, sizeof(a.peer_addr), &a.peer_pid, &err) < 0)
		fprintf(stderr, "vbench-agent: --net-peer: %s\n", err.message);

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
	a.reader = &reader;
	struct serve serve = {
		.ops = &agent_serve_ops,
		.ctx = &a,
		.disk_path = a.vm_env.disk_path,
		.peer_addr = a.vm_env.peer_addr,
	};
	serve_requests(&serve);
out:
	loopback_peer_stop(a.peer_pid);
	counters_close(a.counters);
	if (a.vm)
		agent_vm_poweroff();
	return 0;
}
