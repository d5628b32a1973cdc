/* A session with one running agent: start its backend, wait for hello, send requests, restart. */
#include "harness/session.h"

#include "common/clock.h"
#include "common/net-peer.h"
#include "harness/peer-server.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SESSION_SHUTDOWN_TIMEOUT_MS 2000

void session_init(struct session *s, const struct backend_ops *ops, const char *name,
		  const struct backend_config *cfg)
{
	memset(s, 0, sizeof(*s));
	s->ops = ops;
	s->name = name ? name : ops->name;
	s->cfg = cfg;
	s->rfd = s->wfd = -1;
	s->hello_timeout_ms = ops->ready_timeout_ms ? ops->ready_timeout_ms : 30000;
}

static void teardown(struct session *s)
{
	peer_server_stop(s->netpeer);
	s->netpeer = 0;
	if (s->inst)
		s->ops->stop(s->inst);
	s->inst = NULL;
	s->up = false;
	s->rfd = s->wfd = -1;
}

/* The peer the agent serves itself, as its hello names it; without one io.net is unsupported. */
static void session_take_agent_peer(struct session *s)
{
	struct net_peer_addr peer;
	if (s->hello.peer[0] && net_peer_parse(s->hello.peer, &peer, NULL) == 0) {
		snprintf(s->stats.peer_addr, sizeof(s->stats.peer_addr), "%s", s->hello.peer);
		return;
	}
	s->stats.peer_addr[0] = '\0';
	s->stats.lacks |= BACKEND_PROVIDES_NETWORK;
	snprintf(s->stats.lacks_note, sizeof(s->stats.lacks_note), "%s",
		 s->hello.peer[0]
			 ? "the agent named its io.net peer in a form vbench cannot read"
			 : "the agent started no io.net peer on its host (it says why on stderr)");
}

int session_start(struct session *s, struct vb_error *err)
{
	if (!s->ops->start)
		return error_set(err, "%s: backend cannot start", s->name);
	if (!s->reader) {
		s->reader = malloc(sizeof(*s->reader));
		if (!s->reader)
			return error_set(err, "out of memory");
	}
	/* start-up time: from here, the request to start, until the hello has been read */
	double t0 = clock_now_ms();
	if (s->ops->start(s->cfg, &s->inst, err) < 0) {
		s->inst = NULL;
		return error_prefix(err, "%s: ", s->name);
	}
	s->ops->channel(s->inst, &s->rfd, &s->wfd);
	proto_reader_init(s->reader, s->rfd);

	char *line;
	size_t len;
	struct proto_msg msg;
	int rc = proto_read_line(s->reader, s->hello_timeout_ms, &line, &len, err);
	if (rc <= 0) {
		if (rc == 0)
			error_set(err, "the agent exited before saying hello");
		int code = err->code;
		teardown(s);
		error_prefix(err, "%s: waiting for the agent's hello: ", s->name);
		err->code = code;
		return -1;
	}
	s->startup_ms = clock_now_ms() - t0;
	if (proto_decode(line, len, &msg, err) < 0 || msg.type != PROTO_HELLO) {
		if (msg.type != PROTO_HELLO && err->message[0] == '\0')
			error_set(err, "first message was %s, not hello",
				  proto_type_name(msg.type));
		else if (msg.type != PROTO_HELLO)
			error_set(err, "first message was not a hello");
		proto_msg_free(&msg);
		teardown(s);
		return error_prefix(err, "%s: ", s->name);
	}
	if (msg.hello.proto != PROTO_VERSION) {
		error_set(err, "%s: agent speaks protocol %d, vbench speaks %d", s->name,
			  msg.hello.proto, PROTO_VERSION);
		proto_msg_free(&msg);
		teardown(s);
		return -1;
	}
	proto_hello_free(&s->hello);
	s->hello = msg.hello; /* takes ownership of its raw JSON objects */
	memset(&s->stats, 0, sizeof(s->stats));
	if (s->ops->stats)
		s->ops->stats(s->inst, &s->stats);
	/* one definition for every backend (results/README.md): whatever one timed itself (kvm's
	 * boot timer) starts and ends elsewhere, and would not compare with the others */
	s->stats.startup_ms = s->startup_ms;
	if (s->cfg->network && s->stats.peer_in_agent)
		session_take_agent_peer(s);
	else if (s->cfg->network && s->stats.peer_addr[0] &&
		 peer_server_start(s->stats.peer_netns, &s->netpeer, err) < 0) {
		teardown(s);
		return error_prefix(err, "%s: ", s->name);
	}
	s->up = true;
	return 0;
}

int session_request(struct session *s, struct proto_msg *req, struct proto_msg *rep, int timeout_ms,
		    struct vb_error *err)
{
	memset(rep, 0, sizeof(*rep));
	if (!s->up)
		return error_set(err, "%s: the agent is not running", s->name);
	req->id = ++s->next_id;
	if (proto_send(s->wfd, req, 10000, err) < 0) {
		s->up = false;
		/* the environment's own word on how it ended says more than a closed channel */
		char why[400] = "";
		if (err->code != EINTR && s->ops->alive && !s->ops->alive(s->inst) &&
		    s->ops->describe_end && s->ops->describe_end(s->inst, why, sizeof(why)))
			error_set(err, "%s", why);
		return error_prefix(err, "%s: sending %s: ", s->name, proto_type_name(req->type));
	}
	char *line;
	size_t len;
	int rc = proto_read_line(s->reader, timeout_ms, &line, &len, err);
	if (rc < 0 && err->code == EINTR)
		return -1;
	if (rc <= 0) {
		bool alive = s->ops->alive ? s->ops->alive(s->inst) : true;
		char why[400] = "";
		if (!alive && s->ops->describe_end)
			s->ops->describe_end(s->inst, why, sizeof(why));
		if ((rc == 0 || !alive) && why[0])
			error_set(err, "the agent died during the request: %s", why);
		else if (rc == 0 || !alive)
			error_set(err, "the agent died during the request");
		/* a hung or silent agent cannot be trusted with the next request either */
		s->up = false;
		return error_prefix(err, "%s: ", s->name);
	}
	if (proto_decode(line, len, rep, err) < 0) {
		s->up = false;
		return error_prefix(err, "%s: malformed message from the agent: ", s->name);
	}
	if (rep->id != req->id) {
		bool rejected = rep->type == PROTO_ERROR && rep->id == 0;
		/* a request the agent could not read was dropped whole: the agent serves the next */
		s->up = rejected &&
			(rep->code == PROTO_ERR_OVERSIZED || rep->code == PROTO_ERR_BAD_MESSAGE);
		if (rejected)
			error_set(err, "%s: the agent rejected the request (%s): %s", s->name,
				  proto_error_code_name(rep->code), rep->message);
		else
			error_set(err, "%s: reply for request %llu while waiting for %llu", s->name,
				  (unsigned long long)rep->id, (unsigned long long)req->id);
		proto_msg_free(rep);
		return -1;
	}
	return 0;
}

const char *session_lacks(const struct session *s, const struct workload *w)
{
	unsigned has = s->ops->provides & ~s->stats.lacks;
	unsigned want = (w->needs & WORKLOAD_NEEDS_KERNEL ? BACKEND_PROVIDES_KERNEL : 0) |
			(w->needs & WORKLOAD_NEEDS_DISK ? BACKEND_PROVIDES_DISK : 0) |
			(w->needs & WORKLOAD_NEEDS_NETWORK ? BACKEND_PROVIDES_NETWORK : 0) |
			(w->needs & WORKLOAD_NEEDS_VMM ? BACKEND_PROVIDES_VMM : 0);
	if ((want & s->stats.lacks) && s->stats.lacks_note[0])
		return s->stats.lacks_note;
	if ((w->needs & WORKLOAD_NEEDS_KERNEL) && !(has & BACKEND_PROVIDES_KERNEL))
		return "no kernel under the agent";
	if ((w->needs & WORKLOAD_NEEDS_VMM) && !(has & BACKEND_PROVIDES_VMM))
		return "not on vbench's own VMM";
	if ((w->needs & WORKLOAD_NEEDS_DISK) &&
	    (!(has & BACKEND_PROVIDES_DISK) || !s->stats.agent_disk_path[0]))
		return "no scratch disk attached";
	if ((w->needs & WORKLOAD_NEEDS_NETWORK) &&
	    (!(has & BACKEND_PROVIDES_NETWORK) || !s->stats.peer_addr[0]))
		return "no network peer";
	return NULL;
}

int session_restart(struct session *s, struct vb_error *err)
{
	teardown(s);
	return session_start(s, err);
}

void session_stop(struct session *s)
{
	if (s->up) {
		struct proto_msg req = { .type = PROTO_SHUTDOWN }, rep;
		struct vb_error err;
		if (session_request(s, &req, &rep, SESSION_SHUTDOWN_TIMEOUT_MS, &err) == 0)
			proto_msg_free(&rep);
	}
	teardown(s);
}

void session_free(struct session *s)
{
	session_stop(s);
	free(s->reader);
	proto_hello_free(&s->hello);
	s->reader = NULL;
}
