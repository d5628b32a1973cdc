/*
 * The agent protocol: newline-delimited JSON between the harness and the guest agent.
 * Both directions go through proto_decode, which trusts nothing in the line.
 */
#include "common/protocol.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/json.h"

static const char *const type_names[] = {
	[PROTO_HELLO] = "hello",
	[PROTO_RUN] = "run",
	[PROTO_SAMPLE] = "sample",
	[PROTO_ERROR] = "error",
	[PROTO_UNSUPPORTED] = "unsupported",
	[PROTO_PING] = "ping",
	[PROTO_PONG] = "pong",
	[PROTO_SHUTDOWN] = "shutdown",
	[PROTO_BYE] = "bye",
};

static const char *const error_code_names[] = {
	[PROTO_ERR_FAILED] = "failed",
	[PROTO_ERR_BAD_MESSAGE] = "bad_message",
	[PROTO_ERR_OVERSIZED] = "oversized",
	[PROTO_ERR_UNEXPECTED] = "unexpected",
	[PROTO_ERR_UNKNOWN_WORKLOAD] = "unknown_workload",
	[PROTO_ERR_BAD_PARAMS] = "bad_params",
	[PROTO_ERR_TIMEOUT] = "timeout",
};

const char *proto_type_name(enum proto_type t)
{
	return (unsigned)t < sizeof(type_names) / sizeof(type_names[0]) ? type_names[t] : "?";
}

const char *proto_error_code_name(enum proto_error_code c)
{
	return (unsigned)c < sizeof(error_code_names) / sizeof(error_code_names[0])
		       ? error_code_names[c]
		       : "?";
}

int proto_values_add(struct proto_values *vals, const char *name, double value)
{
	if (vals->count >= PROTO_MAX_VALUES || strlen(name) >= PROTO_NAME_MAX)
		return -1;
	struct proto_value *v = &vals->v[vals->count++];
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->value = value;
	return 0;
}

int proto_values_get(const struct proto_values *vals, const char *name, double *out)
{
	for (unsigned i = 0; i < vals->count; i++) {
		if (strcmp(vals->v[i].name, name) == 0) {
			*out = vals->v[i].value;
			return 0;
		}
	}
	return -1;
}

/* ---- decoding ---- */

static int decode_values(const struct json_doc *doc, int obj, struct proto_values *vals,
			 const char *what, struct vb_error *err)
{
	if (!json_is_object(doc, obj))
		return error_set(err, "\"%s\" is not an object", what);
	int n = json_size(doc, obj);
	if (n > PROTO_MAX_VALUES)
		return error_set(err, "\"%s\" has %d values (at most %d)", what, n,
				 PROTO_MAX_VALUES);
	int tok = obj + 1;
	for (int i = 0; i < n; i++) {
		char name[PROTO_NAME_MAX];
		double v;
		if (json_get_string(doc, tok, name, sizeof(name)) < 0 || name[0] == '\0')
			return error_set(err, "\"%s\" has a bad or overlong name", what);
		if (json_get_number(doc, tok + 1, &v) < 0)
			return error_set(err, "\"%s\".\"%s\" is not a number", what, name);
		/* null is NaN (not measured); a literal beyond a double's range would come back null */
		if (isinf(v))
			return error_set(err, "\"%s\".\"%s\" is out of range for a double", what,
					 name);
		for (unsigned k = 0; k < vals->count; k++)
			if (strcmp(vals->v[k].name, name) == 0)
				return error_set(err, "\"%s\" repeats \"%s\"", what, name);
		proto_values_add(vals, name, v);
		tok = json_skip(doc, tok + 1);
	}
	return 0;
}

static int need_string(const struct json_doc *doc, int obj, const char *key, char *out, size_t len,
		       bool required, struct vb_error *err)
{
	int t = json_find(doc, obj, key);
	if (t < 0) {
		out[0] = '\0';
		return required ? error_set(err, "missing \"%s\"", key) : 0;
	}
	if (json_get_string(doc, t, out, len) < 0)
		return error_set(err, "\"%s\" is not a string or is too long", key);
	return 0;
}

/*
 * Integers travel as plain decimal digits (no sign, fraction or exponent) and are read exactly:
 * a value must fit its field, or it would come out of proto_encode as a different number.
 */
static int need_uint(const struct json_doc *doc, int obj, const char *key, uint64_t min,
		     uint64_t max, uint64_t *out, bool required, struct vb_error *err)
{
	int t = json_find(doc, obj, key);
	*out = 0;
	if (t < 0)
		return required ? error_set(err, "missing \"%s\"", key) : 0;
	const jsmntok_t *tok = &doc->tokens[t];
	const char *s = doc->text + tok->start;
	int l = tok->end - tok->start;
	char digits[24];
	bool plain = tok->type == JSMN_PRIMITIVE && l > 0;
	for (int i = 0; plain && i < l; i++)
		plain = s[i] >= '0' && s[i] <= '9';
	if (!plain)
		return error_set(err, "\"%s\" is not a non-negative integer", key);
	if (l >= (int)sizeof(digits))
		return error_set(err, "\"%s\" is out of range (%d digits; at most %llu)", key, l,
				 (unsigned long long)max);
	memcpy(digits, s, (size_t)l);
	digits[l] = '\0';
	errno = 0;
	unsigned long long v = strtoull(digits, NULL, 10);
	if (errno == ERANGE || v < min || v > max)
		return error_set(err, "\"%s\" is out of range (%s; %llu to %llu)", key, digits,
				 (unsigned long long)min, (unsigned long long)max);
	*out = v;
	return 0;
}

/* An optional member object of the top level kept as raw JSON text (malloc'd) in *out. */
static int decode_raw_object(const struct json_doc *doc, const char *key, int max, char **out,
			     struct vb_error *err)
{
	int tok = json_find(doc, 0, key);
	if (tok < 0)
		return 0;
	if (!json_is_object(doc, tok))
		return error_set(err, "\"%s\" is not an object", key);
	const jsmntok_t *t = &doc->tokens[tok];
	/* bounded so that the hello, encoded again, stays within PROTO_MAX_LINE */
	if (t->end - t->start > max)
		return error_set(err, "\"%s\" is oversized (%d bytes; at most %d)", key,
				 t->end - t->start, max);
	*out = strndup(doc->text + t->start, (size_t)(t->end - t->start));
	if (!*out)
		return error_set(err, "out of memory");
	return 0;
}

static int decode_hello(const struct json_doc *doc, struct proto_msg *msg, struct vb_error *err)
{
	struct proto_hello *h = &msg->hello;
	uint64_t v;
#define HELLO_STRING(field, required)                                                              \
	need_string(doc, 0, #field, h->field, sizeof(h->field), required, err)
	if (HELLO_STRING(version, true) < 0 || HELLO_STRING(kernel, false) < 0 ||
	    HELLO_STRING(hostname, false) < 0 || HELLO_STRING(clocksource, false) < 0 ||
	    HELLO_STRING(peer, false) < 0)
		return -1;
#undef HELLO_STRING
	/* any version an int holds decodes, so that a mismatch is reported as one */
	if (need_uint(doc, 0, "proto", 0, INT_MAX, &v, true, err) < 0)
		return -1;
	h->proto = (int)v;
	if (need_uint(doc, 0, "cpus", 1, PROTO_MAX_CPUS, &v, true, err) < 0)
		return -1;
	h->cpus = (unsigned)v;
	if (need_uint(doc, 0, "memory_bytes", 0, PROTO_MAX_INT, &h->memory_bytes, true, err) < 0)
		return -1;
	if (decode_raw_object(doc, "isolation", PROTO_MAX_ISOLATION, &h->isolation_json, err) < 0 ||
	    decode_raw_object(doc, "environment", PROTO_MAX_ENVIRONMENT, &h->environment_json,
			      err) < 0)
		return -1;
	int thp = json_find(doc, 0, "thp");
	if (thp >= 0) {
		if (!json_is_object(doc, thp))
			return error_set(err, "\"thp\" is not an object");
		if (need_string(doc, thp, "enabled", h->thp_enabled, sizeof(h->thp_enabled), false,
				err) < 0 ||
		    need_string(doc, thp, "defrag", h->thp_defrag, sizeof(h->thp_defrag), false,
				err) < 0)
			return error_prefix(err, "\"thp\": ");
	}
	int c = json_find(doc, 0, "counters");
	if (c >= 0) {
		if (!json_is_object(doc, c))
			return error_set(err, "\"counters\" is not an object");
		int hw = json_find(doc, c, "hardware");
		if (hw >= 0 && json_get_bool(doc, hw, &h->hw_counters) < 0)
			return error_set(err, "\"counters.hardware\" is not a boolean");
		if (need_string(doc, c, "note", h->counters_note, sizeof(h->counters_note), false,
				err) < 0)
			return error_prefix(err, "\"counters\": ");
	}
	return 0;
}

static int decode_error(const struct json_doc *doc, struct proto_msg *msg, struct vb_error *err)
{
	char code[24];
	if (need_string(doc, 0, "message", msg->message, sizeof(msg->message), true, err) < 0 ||
	    need_string(doc, 0, "code", code, sizeof(code), false, err) < 0)
		return -1;
	msg->code = PROTO_ERR_FAILED;
	if (!code[0])
		return 0;
	for (unsigned i = 0; i < sizeof(error_code_names) / sizeof(error_code_names[0]); i++) {
		if (strcmp(code, error_code_names[i]) == 0) {
			msg->code = (enum proto_error_code)i;
			return 0;
		}
	}
	return error_set(err, "unknown error code \"%s\"", code);
}

static int decode_run(const struct json_doc *doc, struct proto_msg *msg, struct vb_error *err)
{
	struct proto_run *r = &msg->run;
	uint64_t v;
	if (need_string(doc, 0, "workload", r->workload, sizeof(r->workload), true, err) < 0 ||
	    need_string(doc, 0, "disk", r->disk, sizeof(r->disk), false, err) < 0 ||
	    need_string(doc, 0, "peer", r->peer, sizeof(r->peer), false, err) < 0)
		return -1;
	if (need_uint(doc, 0, "cpus", 1, PROTO_MAX_CPUS, &v, true, err) < 0)
		return -1;
	r->cpus = (unsigned)v;
	if (need_uint(doc, 0, "seed", 0, PROTO_MAX_INT, &r->seed, false, err) < 0)
		return -1;
	int p = json_find(doc, 0, "params");
	if (p >= 0 && decode_values(doc, p, &r->params, "params", err) < 0)
		return -1;
	return 0;
}

int proto_decode(const char *line, size_t len, struct proto_msg *msg, struct vb_error *err)
{
	struct json_doc doc;
	memset(msg, 0, sizeof(*msg));
	if (len > PROTO_MAX_LINE)
		return error_set(err, "message of %zu bytes is oversized (limit %d)", len,
				 PROTO_MAX_LINE);
	/* a newline (JSON whitespace) would split the message when it is sent again */
	if (memchr(line, '\n', len))
		return error_set(err, "bad message: a newline inside the line");
	if (json_parse(&doc, line, len, err) < 0)
		return error_prefix(err, "bad message: ");
	int rc = -1;
	char type[24];
	if (!json_is_object(&doc, 0)) {
		error_set(err, "bad message: not a JSON object");
		goto out;
	}
	if (json_member_string(&doc, 0, "type", type, sizeof(type)) < 0) {
		error_set(err, "bad message: no \"type\"");
		goto out;
	}
	int found = -1;
	for (unsigned i = 0; i < sizeof(type_names) / sizeof(type_names[0]); i++)
		if (strcmp(type, type_names[i]) == 0)
			found = (int)i;
	if (found < 0) {
		error_set(err, "bad message: unknown type \"%s\"", type);
		goto out;
	}
	msg->type = (enum proto_type)found;
	if (need_uint(&doc, 0, "id", 0, PROTO_MAX_INT, &msg->id, false, err) < 0) {
		error_prefix(err, "bad message: ");
		goto out;
	}

	switch (msg->type) {
	case PROTO_HELLO: rc = decode_hello(&doc, msg, err); break;
	case PROTO_RUN: rc = decode_run(&doc, msg, err); break;
	case PROTO_SAMPLE: {
		int m = json_find(&doc, 0, "metrics");
		if (m < 0) {
			rc = error_set(err, "missing \"metrics\"");
			break;
		}
		rc = decode_values(&doc, m, &msg->metrics, "metrics", err);
		int c = json_find(&doc, 0, "counters");
		if (rc == 0 && c >= 0)
			rc = decode_values(&doc, c, &msg->counters, "counters", err);
		int z = json_find(&doc, 0, "sizes");
		if (rc == 0 && z >= 0)
			rc = decode_values(&doc, z, &msg->sizes, "sizes", err);
		if (rc == 0)
			rc = need_string(&doc, 0, "message", msg->message, sizeof(msg->message),
					 false, err);
		break;
	}
	case PROTO_ERROR: rc = decode_error(&doc, msg, err); break;
	case PROTO_UNSUPPORTED:
		rc = need_string(&doc, 0, "message", msg->message, sizeof(msg->message), true, err);
		break;
	default: rc = 0;
	}
	if (rc < 0) {
		error_prefix(err, "bad %s message: ", type);
		proto_msg_free(msg);
	}
out:
	json_doc_free(&doc);
	return rc;
}

void proto_hello_free(struct proto_hello *h)
{
	free(h->isolation_json);
	free(h->environment_json);
	h->isolation_json = NULL;
	h->environment_json = NULL;
}

void proto_msg_free(struct proto_msg *msg)
{
	proto_hello_free(&msg->hello);
}

/* ---- encoding ---- */

static void encode_values(struct json_writer *w, const char *key, const struct proto_values *vals)
{
	json_key(w, key);
	json_object_begin(w);
	for (unsigned i = 0; i < vals->count; i++)
		json_kv_number(w, vals->v[i].name, vals->v[i].value);
	json_object_end(w);
}

char *proto_encode(const struct proto_msg *msg, size_t *len)
{
	struct json_writer w;
	json_writer_init(&w);
	json_object_begin(&w);
	json_kv_string(&w, "type", proto_type_name(msg->type));
	json_kv_int(&w, "id", (int64_t)msg->id);
	switch (msg->type) {
	case PROTO_HELLO: {
		const struct proto_hello *h = &msg->hello;
		json_kv_string(&w, "version", h->version);
		json_kv_int(&w, "proto", h->proto);
		json_kv_string(&w, "kernel", h->kernel);
		json_kv_string(&w, "hostname", h->hostname);
		json_kv_string(&w, "clocksource", h->clocksource);
		if (h->peer[0])
			json_kv_string(&w, "peer", h->peer);
		if (h->thp_enabled[0] || h->thp_defrag[0]) {
			json_key(&w, "thp");
			json_object_begin(&w);
			json_kv_string(&w, "enabled", h->thp_enabled);
			json_kv_string(&w, "defrag", h->thp_defrag);
			json_object_end(&w);
		}
		json_kv_int(&w, "cpus", h->cpus);
		json_kv_int(&w, "memory_bytes", (int64_t)h->memory_bytes);
		json_key(&w, "counters");
		json_object_begin(&w);
		json_kv_bool(&w, "hardware", h->hw_counters);
		json_kv_string(&w, "note", h->counters_note);
		json_object_end(&w);
		if (h->isolation_json) {
			/* raw JSON from a trusted writer: the agent's own, or validated by proto_decode */
			json_key(&w, "isolation");
			json_raw(&w, h->isolation_json);
		}
		if (h->environment_json) {
			json_key(&w, "environment");
			json_raw(&w, h->environment_json);
		}
		break;
	}
	case PROTO_RUN: {
		const struct proto_run *r = &msg->run;
		json_kv_string(&w, "workload", r->workload);
		json_kv_int(&w, "cpus", r->cpus);
		/* JSON numbers are doubles to most readers: keep seeds exact (53 bits) */
		json_kv_int(&w, "seed", (int64_t)(r->seed & ((1ULL << 53) - 1)));
		if (r->disk[0])
			json_kv_string(&w, "disk", r->disk);
		if (r->peer[0])
			json_kv_string(&w, "peer", r->peer);
		encode_values(&w, "params", &r->params);
		break;
	}
	case PROTO_SAMPLE:
		encode_values(&w, "metrics", &msg->metrics);
		encode_values(&w, "counters", &msg->counters);
		if (msg->sizes.count)
			encode_values(&w, "sizes", &msg->sizes);
		if (msg->message[0])
			json_kv_string(&w, "message", msg->message);
		break;
	case PROTO_ERROR:
		json_kv_string(&w, "code", proto_error_code_name(msg->code));
		json_kv_string(&w, "message", msg->message);
		break;
	case PROTO_UNSUPPORTED: json_kv_string(&w, "message", msg->message); break;
	default: break;
	}
	json_object_end(&w);
	return json_writer_take(&w, len);
}

/* ---- line assembly (the transport fills the buffer) ---- */

void proto_reader_init(struct proto_reader *r, int fd)
{
	r->fd = fd;
	r->len = 0;
	r->consumed = 0;
	r->discarding = false;
}

int proto_reader_take_line(struct proto_reader *r, char **line, size_t *len, struct vb_error *err)
{
	if (r->consumed) {
		memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
		r->len -= r->consumed;
		r->consumed = 0;
	}
	char *nl = memchr(r->buf, '\n', r->len);
	if (nl) {
		size_t l = (size_t)(nl - r->buf);
		if (r->discarding) {
			r->discarding = false;
			memmove(r->buf, nl + 1, r->len - l - 1);
			r->len -= l + 1;
			error_set(err, "message is oversized (over %d bytes)", PROTO_MAX_LINE);
			err->code = EMSGSIZE;
			return -1;
		}
		*nl = '\0';
		*line = r->buf;
		*len = l;
		r->consumed = l + 1;
		return 1;
	}
	if (r->len >= PROTO_MAX_LINE) {
		r->len = 0;
		r->discarding = true;
	}
	return 0;
}

char *proto_reader_space(struct proto_reader *r, size_t *room)
{
	*room = PROTO_MAX_LINE - r->len;
	return r->buf + r->len;
}

int proto_reader_end(struct proto_reader *r, struct vb_error *err)
{
	if (r->len > 0 && !r->discarding) {
		r->len = 0;
		error_set(err, "stream ended in the middle of a message (truncated)");
		err->code = EPROTO;
		return -1;
	}
	return 0;
}
