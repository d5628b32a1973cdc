/* Unit tests for the agent protocol: round trips, and malformed, truncated and oversized input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/json.h"
#include "common/protocol.h"

static int decode(const char *s, struct proto_msg *m, struct vb_error *err)
{
	return proto_decode(s, strlen(s), m, err);
}

static void test_run_round_trip(void **state)
{
	(void)state;
	struct proto_msg m, d;
	struct vb_error err;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_RUN;
	m.id = 42;
	strcpy(m.run.workload, "mem.stream");
	m.run.cpus = 2;
	m.run.seed = 123456789;
	strcpy(m.run.disk, "/scratch/disk.img");
	proto_values_add(&m.run.params, "llc_bytes", 33554432);
	proto_values_add(&m.run.params, "scale", 0.1);
	size_t len;
	char *line = proto_encode(&m, &len);
	assert_non_null(line);
	assert_null(strchr(line, '\n'));
	assert_int_equal(decode(line, &d, &err), 0);
	assert_int_equal(d.type, PROTO_RUN);
	assert_int_equal(d.id, 42);
	assert_string_equal(d.run.workload, "mem.stream");
	assert_int_equal(d.run.cpus, 2);
	assert_int_equal(d.run.seed, 123456789);
	assert_string_equal(d.run.disk, "/scratch/disk.img");
	double v;
	assert_int_equal(proto_values_get(&d.run.params, "llc_bytes", &v), 0);
	assert_true(v == 33554432);
	assert_int_equal(proto_values_get(&d.run.params, "scale", &v), 0);
	assert_true(v == 0.1);
	free(line);
}

/* Seeds travel as JSON numbers: they must survive readers that hold numbers in doubles. */
static void test_large_seed_survives(void **state)
{
	(void)state;
	struct proto_msg m, d;
	struct vb_error err;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_RUN;
	strcpy(m.run.workload, "cpu.sha256");
	m.run.cpus = 1;
	m.run.seed = (1ULL << 62) + 12345;
	char *line = proto_encode(&m, NULL);
	assert_int_equal(decode(line, &d, &err), 0);
	assert_int_equal(d.run.seed, m.run.seed & ((1ULL << 53) - 1));
	free(line);
}

static void test_hello_round_trip(void **state)
{
	(void)state;
	struct proto_msg m, d;
	struct vb_error err;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	strcpy(m.hello.version, "0.1.0");
	m.hello.proto = PROTO_VERSION;
	strcpy(m.hello.kernel, "6.1.0-\"quoted\"\n");
	m.hello.cpus = 2;
	m.hello.memory_bytes = 1ULL << 33;
	m.hello.isolation_json = strdup("{\"pid1\":true,\"caps\":\"0\"}");
	m.hello.environment_json = strdup("{\"hypervisor\":\"KVM\"}");
	char *line = proto_encode(&m, NULL);
	assert_non_null(line);
	assert_int_equal(decode(line, &d, &err), 0);
	assert_int_equal(d.type, PROTO_HELLO);
	assert_string_equal(d.hello.kernel, "6.1.0-\"quoted\"\n");
	assert_int_equal(d.hello.memory_bytes, 1ULL << 33);
	assert_string_equal(d.hello.isolation_json, "{\"pid1\":true,\"caps\":\"0\"}");
	assert_string_equal(d.hello.environment_json, "{\"hypervisor\":\"KVM\"}");
	assert_string_equal(d.hello.peer, ""); /* no peer of its own: none said, none read */
	assert_null(strstr(line, "\"peer\""));
	proto_msg_free(&d);
	free(line);
	/* the agent's own io.net peer (--net-peer) is named in its hello */
	snprintf(m.hello.peer, sizeof(m.hello.peer), "127.0.0.1:40001,38211");
	line = proto_encode(&m, NULL);
	assert_non_null(strstr(line, "\"peer\":\"127.0.0.1:40001,38211\""));
	assert_int_equal(decode(line, &d, &err), 0);
	assert_string_equal(d.hello.peer, "127.0.0.1:40001,38211");
	proto_msg_free(&d);
	proto_msg_free(&m);
	free(line);
	assert_int_equal(decode("{\"type\":\"hello\",\"version\":\"1\",\"proto\":1,\"cpus\":1,"
				"\"memory_bytes\":1,\"peer\":7}",
				&d, &err),
			 -1);
}

static void test_sample_nan_is_null(void **state)
{
	(void)state;
	struct proto_msg m, d;
	struct vb_error err;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_SAMPLE;
	m.id = 7;
	proto_values_add(&m.metrics, "lat_4KiB", 1.25);
	proto_values_add(&m.metrics, "lat_1GiB", NAN);
	char *line = proto_encode(&m, NULL);
	assert_non_null(strstr(line, "null"));
	assert_int_equal(decode(line, &d, &err), 0);
	double v;
	assert_int_equal(proto_values_get(&d.metrics, "lat_4KiB", &v), 0);
	assert_true(v == 1.25);
	assert_int_equal(proto_values_get(&d.metrics, "lat_1GiB", &v), 0);
	assert_true(isnan(v));
	free(line);
}

/* A sample carries the sizes the workload used and why it left metrics out; a hello the THP state. */
static void test_sample_sizes_note_and_hello_thp(void **state)
{
	(void)state;
	struct proto_msg m, d;
	struct vb_error err;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_SAMPLE;
	proto_values_add(&m.metrics, "faults_4k", 1e6);
	proto_values_add(&m.metrics, "thp", NAN);
	proto_values_add(&m.sizes, "bytes", 16777216);
	snprintf(m.message, sizeof(m.message), "thp: MADV_HUGEPAGE got 0 of 16777216 bytes");
	char *line = proto_encode(&m, NULL);
	assert_int_equal(decode(line, &d, &err), 0);
	double v;
	assert_int_equal(proto_values_get(&d.sizes, "bytes", &v), 0);
	assert_true(v == 16777216);
	assert_string_equal(d.message, m.message);
	free(line);

	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	snprintf(m.hello.version, sizeof(m.hello.version), "0.1.0");
	m.hello.proto = PROTO_VERSION;
	m.hello.cpus = 2;
	snprintf(m.hello.thp_enabled, sizeof(m.hello.thp_enabled), "madvise");
	snprintf(m.hello.thp_defrag, sizeof(m.hello.thp_defrag), "defer+madvise");
	line = proto_encode(&m, NULL);
	assert_non_null(
		strstr(line, "\"thp\":{\"enabled\":\"madvise\",\"defrag\":\"defer+madvise\"}"));
	assert_int_equal(decode(line, &d, &err), 0);
	assert_string_equal(d.hello.thp_enabled, "madvise");
	assert_string_equal(d.hello.thp_defrag, "defer+madvise");
	proto_msg_free(&d);
	free(line);
	/* an old agent's sample (no sizes, no message) still decodes */
	assert_int_equal(decode("{\"type\":\"sample\",\"id\":1,\"metrics\":{\"a\":1}}", &d, &err),
			 0);
	assert_int_equal(d.sizes.count, 0);
	assert_string_equal(d.message, "");
	assert_int_equal(
		decode("{\"type\":\"sample\",\"id\":1,\"metrics\":{},\"sizes\":[1]}", &d, &err),
		-1);
	assert_int_equal(decode("{\"type\":\"hello\",\"version\":\"1\",\"proto\":1,\"cpus\":1,"
				"\"memory_bytes\":1,\"thp\":7}",
				&d, &err),
			 -1);
}

static void test_rejects_malformed(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"",
		"not json",
		"[1,2,3]",
		"{\"type\":\"run\"",				      /* truncated */
		"{\"type\":\"run\",\"workload\":\"x\"}",	      /* no cpus */
		"{\"type\":\"run\",\"workload\":\"x\",\"cpus\":-1}",  /* negative */
		"{\"type\":\"run\",\"workload\":\"x\",\"cpus\":1.5}", /* not an integer */
		"{\"type\":\"run\",\"workload\":7,\"cpus\":1}",	      /* wrong type */
		"{\"type\":\"explode\",\"id\":1}",		      /* unknown type */
		"{\"id\":1}",					      /* no type */
		"{\"type\":\"sample\",\"id\":1}",		      /* no metrics */
		"{\"type\":\"sample\",\"id\":1,\"metrics\":{\"a\":\"x\"}}",
		"{\"type\":\"sample\",\"id\":1,\"metrics\":{\"a\":1,\"a\":2}}",
		"{\"type\":\"sample\",\"id\":1,\"metrics\":{\"a\":bogus}}",
		"{\"type\":\"hello\",\"version\":\"1\",\"proto\":1,\"cpus\":0,\"memory_bytes\":1}",
		"{\"type\":\"hello\",\"version\":\"1\",\"proto\":1,\"cpus\":1,\"memory_bytes\":1,"
		"\"isolation\":3}",
		"{\"type\":\"error\",\"id\":1}",
		"{\"type\":\"ping\",\"id\":1} {\"type\":\"ping\"}", /* trailing data */
		"{\"type\":\"ping\",\"id\":\"1\"}",
		"{\"type\":\"ping\",\"id\":1,}",		  /* trailing comma */
		"{\"type\":\"ping\",\"id\":01}",		  /* leading zero */
		"{\"type\":\"ping\",\"id\":1,\"x\":\"a\":\"b\"}", /* a value with a value */
		"{\"type\":\"ping\" \"id\":1}",			  /* missing comma */
		"{\"type\":\"ping\",\"id\":1,\"s\":\"a\tb\"}",	  /* raw control character */
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct proto_msg d;
		struct vb_error err;
		err.message[0] = '\0';
		int rc = decode(bad[i], &d, &err);
		if (rc == 0)
			fail_msg("accepted bad message %zu: %s", i, bad[i]);
		assert_true(err.message[0] != '\0');
	}
}

/* Found by fuzz-protocol: "proto":12e9 decoded into an int as a negative version, which encoded
 * to a message that no longer decoded. Every integer field must reject what it cannot hold. */
static void test_rejects_out_of_range_integers(void **state)
{
	(void)state;
#define HELLO(proto, cpus, mem)                                                                    \
	"{\"type\":\"hello\",\"version\":\"1\",\"proto\":" proto ",\"cpus\":" cpus                 \
	",\"memory_bytes\":" mem "}"
#define RUN(cpus, seed)                                                                            \
	"{\"type\":\"run\",\"id\":1,\"workload\":\"x\",\"cpus\":" cpus ",\"seed\":" seed "}"
	static const struct {
		const char *line, *key;
	} bad[] = {
		{ HELLO("12e9", "1", "1"), "proto" },
		{ HELLO("12000000000", "1", "1"), "proto" },
		{ HELLO("2147483648", "1", "1"), "proto" },
		{ HELLO("-1", "1", "1"), "proto" },
		{ HELLO("1.0", "1", "1"), "proto" },
		{ HELLO("1e0", "1", "1"), "proto" },
		{ HELLO("1", "4097", "1"), "cpus" },
		{ HELLO("1", "4294967297", "1"), "cpus" },
		{ HELLO("1", "1", "9007199254740992"), "memory_bytes" },
		{ HELLO("1", "1", "18446744073709551616"), "memory_bytes" },
		{ HELLO("1", "1", "123456789012345678901234567890"), "memory_bytes" },
		{ HELLO("1", "1", "-0"), "memory_bytes" },
		{ RUN("1", "9007199254740992"), "seed" },
		{ RUN("1", "1e3"), "seed" },
		{ RUN("0", "1"), "cpus" },
		{ "{\"type\":\"ping\",\"id\":9007199254740992}", "id" },
		{ "{\"type\":\"ping\",\"id\":9.2e18}", "id" },
		{ "{\"type\":\"ping\",\"id\":true}", "id" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct proto_msg d;
		struct vb_error err;
		err.message[0] = '\0';
		if (decode(bad[i].line, &d, &err) == 0)
			fail_msg("accepted bad message %zu: %s", i, bad[i].line);
		char quoted[32];
		snprintf(quoted, sizeof(quoted), "\"%s\"", bad[i].key);
		if (!strstr(err.message, quoted))
			fail_msg("message %zu: error does not name %s: %s", i, quoted, err.message);
	}
	/* the largest values each field holds decode, and encode back to the same values */
	struct proto_msg d, d2;
	struct vb_error err;
	assert_int_equal(decode(HELLO("2147483647", "4096", "9007199254740991"), &d, &err), 0);
	assert_int_equal(d.hello.proto, 2147483647);
	assert_int_equal(d.hello.cpus, 4096);
	assert_true(d.hello.memory_bytes == PROTO_MAX_INT);
	char *line = proto_encode(&d, NULL);
	assert_int_equal(decode(line, &d2, &err), 0);
	assert_int_equal(d2.hello.proto, 2147483647);
	assert_true(d2.hello.memory_bytes == PROTO_MAX_INT);
	free(line);
	assert_int_equal(decode("{\"type\":\"run\",\"id\":9007199254740991,\"workload\":\"x\","
				"\"cpus\":1,\"seed\":9007199254740991}",
				&d, &err),
			 0);
	line = proto_encode(&d, NULL);
	assert_int_equal(decode(line, &d2, &err), 0);
	assert_true(d2.id == PROTO_MAX_INT && d2.run.seed == PROTO_MAX_INT);
	free(line);
#undef HELLO
#undef RUN
}

/* A hello's id travels like any other message's. */
static void test_hello_id_round_trip(void **state)
{
	(void)state;
	struct proto_msg d, d2;
	struct vb_error err;
	assert_int_equal(decode("{\"type\":\"hello\",\"id\":5,\"version\":\"1\",\"proto\":1,"
				"\"cpus\":1,\"memory_bytes\":1}",
				&d, &err),
			 0);
	char *line = proto_encode(&d, NULL);
	assert_int_equal(decode(line, &d2, &err), 0);
	assert_int_equal(d2.id, 5);
	free(line);
}

/* Numbers beyond a double's range would decode to infinity and come back as null (NaN). */
static void test_rejects_non_finite_values(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"{\"type\":\"sample\",\"id\":1,\"metrics\":{\"a\":1e999}}",
		"{\"type\":\"sample\",\"id\":1,\"metrics\":{\"a\":1},\"counters\":{\"c\":-1e400}}",
		"{\"type\":\"run\",\"id\":1,\"workload\":\"x\",\"cpus\":1,\"params\":{\"p\":2e308}"
		"}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct proto_msg d;
		struct vb_error err;
		if (decode(bad[i], &d, &err) == 0)
			fail_msg("accepted bad message %zu: %s", i, bad[i]);
		assert_non_null(strstr(err.message, "out of range"));
	}
}

/* What decodes must encode to one line within PROTO_MAX_LINE, with the same note. */
static void test_rejects_what_would_not_encode_again(void **state)
{
	(void)state;
	struct proto_msg d;
	struct vb_error err;
	/* a newline is JSON whitespace, but the encoded isolation object would split the line */
	assert_int_equal(decode("{\"type\":\"hello\",\"version\":\"1\",\"proto\":1,\"cpus\":1,"
				"\"memory_bytes\":1,\"isolation\":{\n}}",
				&d, &err),
			 -1);
	assert_non_null(strstr(err.message, "newline"));
	/* an isolation object that would push the encoded hello past PROTO_MAX_LINE */
	size_t n = PROTO_MAX_LINE - 200;
	char *big = malloc(n + 1);
	int k = snprintf(big, n,
			 "{\"type\":\"hello\",\"version\":\"1\",\"proto\":1,\"cpus\":1,"
			 "\"memory_bytes\":1,\"isolation\":{\"x\":\"");
	memset(big + k, 'x', n - (size_t)k - 4);
	memcpy(big + n - 4, "\"}}", 4);
	assert_int_equal(proto_decode(big, strlen(big), &d, &err), -1);
	assert_non_null(strstr(err.message, "oversized"));
	free(big);
	/* a note that is not a string is an error, not an empty note */
	assert_int_equal(decode("{\"type\":\"hello\",\"version\":\"1\",\"proto\":1,\"cpus\":1,"
				"\"memory_bytes\":1,\"counters\":{\"note\":5}}",
				&d, &err),
			 -1);
	assert_non_null(strstr(err.message, "note"));
}

static void test_too_many_values(void **state)
{
	(void)state;
	char line[4096] = "{\"type\":\"sample\",\"id\":1,\"metrics\":{";
	for (int i = 0; i < PROTO_MAX_VALUES + 1; i++) {
		char kv[32];
		snprintf(kv, sizeof(kv), "%s\"m%d\":1", i ? "," : "", i);
		strcat(line, kv);
	}
	strcat(line, "}}");
	struct proto_msg d;
	struct vb_error err;
	assert_int_equal(decode(line, &d, &err), -1);
	assert_non_null(strstr(err.message, "at most"));
}

static void test_reader_lines_truncation_and_oversize(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	static struct proto_reader r;
	proto_reader_init(&r, p[0]);
	const char *two = "{\"type\":\"ping\",\"id\":1}\n{\"type\":\"pong\",\"id\":1}\n";
	assert_int_equal(write(p[1], two, strlen(two)), (ssize_t)strlen(two));
	char *line;
	size_t len;
	struct vb_error err;
	assert_int_equal(proto_read_line(&r, 1000, &line, &len, &err), 1);
	assert_string_equal(line, "{\"type\":\"ping\",\"id\":1}");
	assert_int_equal(proto_read_line(&r, 1000, &line, &len, &err), 1);
	assert_string_equal(line, "{\"type\":\"pong\",\"id\":1}");
	/* nothing more: a time-out, not a hang */
	assert_int_equal(proto_read_line(&r, 50, &line, &len, &err), -1);
	assert_non_null(strstr(err.message, "timed out"));
	assert_int_equal(err.code, ETIMEDOUT);

	/* an oversized line is rejected, and the line after it still reads */
	char *big = malloc(PROTO_MAX_LINE + 100);
	memset(big, 'x', PROTO_MAX_LINE + 99);
	big[PROTO_MAX_LINE + 99] = '\n';
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		ssize_t n = write(p[1], big, PROTO_MAX_LINE + 100);
		n += write(p[1], "{\"type\":\"ping\",\"id\":2}\n{\"type\":\"pi", 34);
		_exit(n > 0 ? 0 : 1);
	}
	close(p[1]);
	assert_int_equal(proto_read_line(&r, 5000, &line, &len, &err), -1);
	assert_non_null(strstr(err.message, "oversized"));
	assert_int_equal(err.code, EMSGSIZE);
	assert_int_equal(proto_read_line(&r, 5000, &line, &len, &err), 1);
	assert_string_equal(line, "{\"type\":\"ping\",\"id\":2}");
	/* the stream ends inside a message: truncated */
	assert_int_equal(proto_read_line(&r, 5000, &line, &len, &err), -1);
	assert_non_null(strstr(err.message, "truncated"));
	assert_int_equal(err.code, EPROTO);
	assert_int_equal(proto_read_line(&r, 5000, &line, &len, &err), 0);
	free(big);
	close(p[0]);
}

/* An error carries its reason as a code; one without a code (an older agent) is "failed". */
static void test_error_codes_round_trip(void **state)
{
	(void)state;
	struct proto_msg m, d;
	struct vb_error err;
	static const enum proto_error_code codes[] = {
		PROTO_ERR_FAILED,     PROTO_ERR_BAD_MESSAGE,	  PROTO_ERR_OVERSIZED,
		PROTO_ERR_UNEXPECTED, PROTO_ERR_UNKNOWN_WORKLOAD, PROTO_ERR_BAD_PARAMS,
		PROTO_ERR_TIMEOUT,
	};
	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_ERROR;
		m.id = 7;
		m.code = codes[i];
		/* the text says nothing of the reason: only the code carries it */
		snprintf(m.message, sizeof(m.message), "no reason in words");
		char *line = proto_encode(&m, NULL);
		assert_non_null(line);
		assert_int_equal(decode(line, &d, &err), 0);
		assert_int_equal(d.type, PROTO_ERROR);
		assert_int_equal(d.code, codes[i]);
		assert_string_equal(proto_error_code_name(d.code), proto_error_code_name(codes[i]));
		free(line);
	}
	assert_int_equal(
		decode("{\"type\":\"error\",\"id\":0,\"message\":\"oversized\"}", &d, &err), 0);
	assert_int_equal(d.code, PROTO_ERR_FAILED);
	assert_int_equal(
		decode("{\"type\":\"error\",\"id\":0,\"code\":\"oversized\",\"message\":\"\"}", &d,
		       &err),
		0);
	assert_int_equal(d.code, PROTO_ERR_OVERSIZED);
	assert_int_equal(decode("{\"type\":\"error\",\"code\":\"no_such_code\",\"message\":\"x\"}",
				&d, &err),
			 -1);
	assert_int_equal(decode("{\"type\":\"error\",\"code\":7,\"message\":\"x\"}", &d, &err), -1);
}

static void test_json_writer_escapes(void **state)
{
	(void)state;
	struct json_writer w;
	json_writer_init(&w);
	json_object_begin(&w);
	json_kv_string(&w, "s", "a\"b\\c\n\x01");
	json_key(&w, "a");
	json_array_begin(&w);
	json_number(&w, 0.1);
	json_number(&w, 1e300);
	json_int(&w, -5);
	json_array_end(&w);
	json_object_end(&w);
	char *s = json_writer_take(&w, NULL);
	assert_string_equal(s, "{\"s\":\"a\\\"b\\\\c\\n\\u0001\",\"a\":[0.1,1e+300,-5]}");
	struct json_doc doc;
	struct vb_error err;
	assert_int_equal(json_parse(&doc, s, strlen(s), &err), 0);
	char out[32];
	assert_int_equal(json_member_string(&doc, 0, "s", out, sizeof(out)), 0);
	assert_string_equal(out, "a\"b\\c\n\x01");
	json_doc_free(&doc);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_run_round_trip),
		cmocka_unit_test(test_hello_round_trip),
		cmocka_unit_test(test_large_seed_survives),
		cmocka_unit_test(test_sample_nan_is_null),
		cmocka_unit_test(test_sample_sizes_note_and_hello_thp),
		cmocka_unit_test(test_rejects_malformed),
		cmocka_unit_test(test_rejects_out_of_range_integers),
		cmocka_unit_test(test_hello_id_round_trip),
		cmocka_unit_test(test_rejects_non_finite_values),
		cmocka_unit_test(test_rejects_what_would_not_encode_again),
		cmocka_unit_test(test_too_many_values),
		cmocka_unit_test(test_reader_lines_truncation_and_oversize),
		cmocka_unit_test(test_error_codes_round_trip),
		cmocka_unit_test(test_json_writer_escapes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
