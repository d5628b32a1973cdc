/*
 * Unit tests for the agent's error replies: the real agent binary ($BUILD/vbench-agent) under the
 * native backend, driven through a session. Every failure carries a code, and the session acts
 * on the code alone (an agent that dropped an unreadable request stays up).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/session.h"

static char agent_path[PATH_MAX];
static struct backend_config cfg;

/*
 * $BUILD/vbench-agent, else build/vbench-agent: the sanitizer build (BUILD=build-san) has no agent
 * of its own, since a static binary cannot carry AddressSanitizer.
 */
static int setup(void **state)
{
	(void)state;
	const char *build = getenv("BUILD");
	snprintf(agent_path, sizeof(agent_path), "%s/vbench-agent",
		 build && *build ? build : "build");
	if (access(agent_path, X_OK) < 0)
		snprintf(agent_path, sizeof(agent_path), "build/vbench-agent");
	if (access(agent_path, X_OK) < 0) {
		fprintf(stderr, "the agent %s is missing: run make first\n", agent_path);
		return -1;
	}
	signal(SIGPIPE, SIG_IGN);
	memset(&cfg, 0, sizeof(cfg));
	cfg.agent_path = agent_path;
	return 0;
}

static void start(struct session *s)
{
	struct vb_error err;
	session_init(s, &native_backend, NULL, &cfg);
	if (session_start(s, &err) < 0)
		fail_msg("%s", err.message);
}

/* Send req; return the code of the error the agent answered with. */
static enum proto_error_code request_error(struct session *s, struct proto_msg *req)
{
	struct proto_msg rep;
	struct vb_error err;
	/* a request the agent rejected unread fails in the session, with the error in rep */
	session_request(s, req, &rep, 10000, &err);
	proto_msg_free(&rep);
	assert_int_equal(rep.type, PROTO_ERROR);
	return rep.code;
}

static void assert_serves_ping(struct session *s)
{
	struct proto_msg req = { .type = PROTO_PING }, rep;
	struct vb_error err;
	if (session_request(s, &req, &rep, 10000, &err) < 0)
		fail_msg("ping after a rejected request: %s", err.message);
	assert_int_equal(rep.type, PROTO_PONG);
	proto_msg_free(&rep);
}

/* An oversized request is dropped by the agent with code oversized; the session goes on. */
static void test_oversized_request_keeps_the_session(void **state)
{
	(void)state;
	struct session s;
	start(&s);
	/* a hello with a huge isolation object is the one message that encodes over the limit */
	struct proto_msg req;
	memset(&req, 0, sizeof(req));
	req.type = PROTO_HELLO;
	req.hello.cpus = 1;
	size_t n = PROTO_MAX_LINE + 1000;
	char *iso = malloc(n + 8);
	assert_non_null(iso);
	strcpy(iso, "{\"pad\":\"");
	memset(iso + 8, 'x', n - 10);
	strcpy(iso + n - 2, "\"}");
	req.hello.isolation_json = iso;
	struct proto_msg rep;
	struct vb_error err;
	assert_int_equal(session_request(&s, &req, &rep, 10000, &err), -1);
	free(iso);
	assert_int_equal(rep.type, PROTO_ERROR);
	assert_int_equal(rep.code, PROTO_ERR_OVERSIZED);
	/* acted on by code: the agent is still in step with the harness */
	assert_true(s.up);
	assert_serves_ping(&s);
	session_free(&s);
}

/* A request the agent cannot decode: code bad_message, and the session goes on. */
static void test_undecodable_request_keeps_the_session(void **state)
{
	(void)state;
	struct session s;
	start(&s);
	struct proto_msg req;
	memset(&req, 0, sizeof(req));
	req.type = PROTO_RUN; /* cpus 0 is out of range for a run: it does not decode */
	snprintf(req.run.workload, sizeof(req.run.workload), "cpu.sha256");
	assert_int_equal(request_error(&s, &req), PROTO_ERR_BAD_MESSAGE);
	assert_true(s.up);
	assert_serves_ping(&s);
	session_free(&s);
}

/* Requests that decode and fail say why by code. */
static void test_failed_requests_carry_their_reason(void **state)
{
	(void)state;
	struct session s;
	start(&s);
	struct proto_msg req;
	memset(&req, 0, sizeof(req));
	req.type = PROTO_RUN;
	req.run.cpus = 1;
	snprintf(req.run.workload, sizeof(req.run.workload), "no.such.workload");
	assert_int_equal(request_error(&s, &req), PROTO_ERR_UNKNOWN_WORKLOAD);
	/* cpu.sha256 without its parameters */
	snprintf(req.run.workload, sizeof(req.run.workload), "cpu.sha256");
	assert_int_equal(request_error(&s, &req), PROTO_ERR_BAD_PARAMS);
	memset(&req, 0, sizeof(req));
	req.type = PROTO_PONG;
	assert_int_equal(request_error(&s, &req), PROTO_ERR_UNEXPECTED);
	assert_true(s.up);
	assert_serves_ping(&s);
	session_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oversized_request_keeps_the_session),
		cmocka_unit_test(test_undecodable_request_keeps_the_session),
		cmocka_unit_test(test_failed_requests_carry_their_reason),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
