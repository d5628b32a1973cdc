/* libFuzzer target: the agent protocol decoder must reject anything bad without crashing or leaking. */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/net-peer.h"
#include "common/protocol.h"

static bool values_equal(const struct proto_values *a, const struct proto_values *b)
{
	if (a->count != b->count)
		return false;
	for (unsigned i = 0; i < a->count; i++) {
		const struct proto_value *x = &a->v[i], *y = &b->v[i];
		/* NaN (null) must stay NaN; -0 and 0 are told apart by the bits */
		bool same = isnan(x->value) ? isnan(y->value)
					    : memcmp(&x->value, &y->value, sizeof(double)) == 0;
		if (strcmp(x->name, y->name) != 0 || !same)
			return false;
	}
	return true;
}

/* Every field proto_encode writes for the message's type. */
static bool msgs_equal(const struct proto_msg *a, const struct proto_msg *b)
{
	if (a->type != b->type || a->id != b->id)
		return false;
	switch (a->type) {
	case PROTO_HELLO: {
		const struct proto_hello *x = &a->hello, *y = &b->hello;
		bool iso = x->isolation_json && y->isolation_json
				   ? strcmp(x->isolation_json, y->isolation_json) == 0
				   : x->isolation_json == y->isolation_json;
		bool env = x->environment_json && y->environment_json
				   ? strcmp(x->environment_json, y->environment_json) == 0
				   : x->environment_json == y->environment_json;
		return strcmp(x->version, y->version) == 0 && x->proto == y->proto &&
		       strcmp(x->kernel, y->kernel) == 0 && strcmp(x->hostname, y->hostname) == 0 &&
		       strcmp(x->clocksource, y->clocksource) == 0 && x->cpus == y->cpus &&
		       x->memory_bytes == y->memory_bytes && iso && env &&
		       x->hw_counters == y->hw_counters &&
		       strcmp(x->counters_note, y->counters_note) == 0 &&
		       strcmp(x->peer, y->peer) == 0;
	}
	case PROTO_RUN: {
		const struct proto_run *x = &a->run, *y = &b->run;
		return strcmp(x->workload, y->workload) == 0 &&
		       values_equal(&x->params, &y->params) && x->cpus == y->cpus &&
		       x->seed == y->seed && strcmp(x->disk, y->disk) == 0 &&
		       strcmp(x->peer, y->peer) == 0;
	}
	case PROTO_SAMPLE:
		return values_equal(&a->metrics, &b->metrics) &&
		       values_equal(&a->counters, &b->counters) &&
		       strcmp(a->message, b->message) == 0;
	case PROTO_ERROR: return a->code == b->code && strcmp(a->message, b->message) == 0;
	case PROTO_UNSUPPORTED: return strcmp(a->message, b->message) == 0;
	default: return true;
	}
}

/* A peer address an agent would read (a run's, a hello's) formats to text that reads back. */
static void check_peer(const char *text)
{
	struct net_peer_addr a, b;
	char again[NETPEER_ADDR_MAX];
	if (!text[0] || net_peer_parse(text, &a, NULL) != 0)
		return;
	if (a.echo_port == 0 || a.sink_port == 0 || net_peer_format(&a, again, sizeof(again)) < 0 ||
	    net_peer_parse(again, &b, NULL) != 0 || memcmp(&a, &b, sizeof(a)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proto_msg msg;
	struct vb_error err;
	if (size > PROTO_MAX_LINE + 16)
		return 0;
	char *line = malloc(size + 1);
	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (proto_decode(line, size, &msg, &err) == 0) {
		check_peer(msg.type == PROTO_RUN ? msg.run.peer : msg.hello.peer);
		/* whatever decodes must encode to one line that decodes to the same message */
		size_t len;
		char *again = proto_encode(&msg, &len);
		if (again) {
			struct proto_msg msg2;
			if (memchr(again, '\n', len) || proto_decode(again, len, &msg2, &err) != 0)
				abort();
			if (!msgs_equal(&msg, &msg2))
				abort();
			proto_msg_free(&msg2);
			free(again);
		}
		proto_msg_free(&msg);
	}
	free(line);
	return 0;
}
