/*
 * Unit tests for the bare guest's channel (guest-agent/bare/ring.c) over plain rings, with the
 * doorbell played by a fake VMM: index arithmetic across the wrap and the 2^32 overflow, a full
 * ring, lines longer than the ring, hang-up, oversized lines and corrupt indices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "guest-agent/bare/ring.h"

static struct bare_ring tx, rx;
static struct bare_channel channel;

/* The fake VMM: drains TX into `sent` on each TX doorbell, feeds `script` into RX on each wait. */
static struct {
	char *sent;
	size_t sent_len;
	unsigned tx_rings, rx_waits;
	const char *script;
	size_t script_len, script_at;
	size_t feed; /* bytes per RX wait */
	int close_when_done;
} vmm;

static void fake_doorbell(void *ctx, unsigned port, uint32_t value)
{
	(void)ctx;
	(void)value;
	if (port == BARE_PORT_TX) {
		vmm.tx_rings++;
		char buf[4096];
		size_t n;
		while ((n = bare_channel_ring_get(&tx, buf, sizeof(buf))) > 0) {
			vmm.sent = realloc(vmm.sent, vmm.sent_len + n + 1);
			memcpy(vmm.sent + vmm.sent_len, buf, n);
			vmm.sent_len += n;
			vmm.sent[vmm.sent_len] = '\0';
		}
	} else if (port == BARE_PORT_RX_WAIT) {
		vmm.rx_waits++;
		size_t left = vmm.script_len - vmm.script_at;
		size_t n = left < vmm.feed ? left : vmm.feed;
		vmm.script_at += bare_channel_ring_put(&rx, vmm.script + vmm.script_at, n);
		if (vmm.script_at == vmm.script_len && vmm.close_when_done)
			rx.closed = 1;
		/* a guest that waits on an empty, open ring with nothing to come would spin for ever */
		assert_true(n > 0 || vmm.close_when_done);
	} else {
		fail_msg("unexpected port %#x", port);
	}
}

static int setup(void **state)
{
	(void)state;
	memset(&tx, 0, sizeof(tx));
	memset(&rx, 0, sizeof(rx));
	free(vmm.sent);
	memset(&vmm, 0, sizeof(vmm));
	vmm.feed = 7;
	vmm.close_when_done = 1;
	bare_channel_init(&channel, &tx, &rx, fake_doorbell, NULL);
	return 0;
}

static void script(const char *s, size_t len)
{
	vmm.script = s;
	vmm.script_len = len;
}

/* A put and a get straddling the end of the data array, at indices about to overflow 2^32. */
static void test_bytes_cross_the_wrap_and_the_index_overflow(void **state)
{
	(void)state;
	static const uint32_t starts[] = { 0, BARE_RING_BYTES - 10, UINT32_MAX - 5,
					   3 * BARE_RING_BYTES + 1 };
	for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++) {
		rx.head = rx.tail = starts[s];
		char in[100], out[100];
		for (int i = 0; i < 100; i++)
			in[i] = (char)(i * 7 + (int)s);
		assert_int_equal(bare_channel_ring_put(&rx, in, 60), 60);
		assert_int_equal(bare_channel_ring_used(&rx), 60);
		assert_int_equal(rx.tail, starts[s] + 60u);
		assert_int_equal(bare_channel_ring_put(&rx, in + 60, 40), 40);
		memset(out, 0, sizeof(out));
		assert_int_equal(bare_channel_ring_get(&rx, out, 30), 30);
		assert_int_equal(bare_channel_ring_get(&rx, out + 30, 100), 70);
		assert_memory_equal(in, out, 100);
		assert_int_equal(bare_channel_ring_used(&rx), 0);
		assert_int_equal(rx.head, starts[s] + 100u);
		assert_int_equal(bare_channel_ring_get(&rx, out, 100), 0);
	}
	/* the wrap lands in the data array where the index says */
	rx.head = rx.tail = BARE_RING_BYTES - 2;
	bare_channel_ring_put(&rx, "abcd", 4);
	assert_memory_equal(&rx.data[BARE_RING_BYTES - 2], "ab", 2);
	assert_memory_equal(&rx.data[0], "cd", 2);
}

static void test_a_full_ring_takes_no_more(void **state)
{
	(void)state;
	static char big[BARE_RING_BYTES + 100];
	memset(big, 'x', sizeof(big));
	rx.head = rx.tail = UINT32_MAX - 100;
	assert_int_equal(bare_channel_ring_put(&rx, big, sizeof(big)), BARE_RING_BYTES);
	assert_int_equal(bare_channel_ring_used(&rx), BARE_RING_BYTES);
	assert_int_equal(bare_channel_ring_put(&rx, "y", 1), 0);
	char out[10];
	assert_int_equal(bare_channel_ring_get(&rx, out, 10), 10);
	assert_int_equal(bare_channel_ring_put(&rx, "yyyyyyyyyyyy", 12), 10);
	assert_int_equal(bare_channel_ring_used(&rx), BARE_RING_BYTES);
}

static void test_corrupt_indices_are_refused(void **state)
{
	(void)state;
	rx.head = 100;
	rx.tail = 100 + BARE_RING_BYTES + 1;
	assert_int_equal(bare_channel_ring_used(&rx), -1);
	char out[10];
	assert_int_equal(bare_channel_ring_get(&rx, out, 10), 0);
	rx.tail = 99; /* head ahead of tail */
	assert_int_equal(bare_channel_ring_used(&rx), -1);
	assert_int_equal(bare_channel_ring_put(&rx, "a", 1), 0);

	char *line;
	size_t len;
	struct vb_error err;
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), -1);
	assert_int_equal(err.code, EPROTO);
	assert_non_null(strstr(err.message, "corrupt"));
	tx.head = 5;
	tx.tail = 4;
	assert_int_equal(bare_channel_send_line(&channel, "x", 1, &err), -1);
	assert_int_equal(err.code, EPROTO);
}

/* A line longer than the ring goes out in pieces, each after the VMM drained the last. */
static void test_a_line_longer_than_the_ring_arrives_whole(void **state)
{
	(void)state;
	size_t n = 2 * BARE_RING_BYTES + 123;
	char *line = malloc(n);
	for (size_t i = 0; i < n; i++)
		line[i] = (char)('a' + i % 26);
	tx.head = tx.tail = UINT32_MAX - 3;
	struct vb_error err;
	assert_int_equal(bare_channel_send_line(&channel, line, n, &err), 0);
	assert_int_equal(vmm.sent_len, n + 1);
	assert_memory_equal(vmm.sent, line, n);
	assert_int_equal(vmm.sent[n], '\n');
	assert_true(vmm.tx_rings >= 3);
	assert_int_equal(bare_channel_ring_used(&tx), 0);
	assert_int_equal(bare_channel_send_line(&channel, "ok", 2, &err), 0);
	assert_string_equal(vmm.sent + n + 1, "ok\n");
	free(line);
}

static void test_lines_read_across_waits_until_hang_up(void **state)
{
	(void)state;
	static const char text[] = "{\"type\":\"ping\",\"id\":1}\n\nsecond line\n";
	script(text, sizeof(text) - 1);
	rx.head = rx.tail = BARE_RING_BYTES - 5;
	char *line;
	size_t len;
	struct vb_error err;
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), 1);
	assert_string_equal(line, "{\"type\":\"ping\",\"id\":1}");
	assert_int_equal(len, 22);
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), 1);
	assert_int_equal(len, 0);
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), 1);
	assert_string_equal(line, "second line");
	assert_true(vmm.rx_waits >= (sizeof(text) - 1) / vmm.feed);
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), 0);
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), 0);
}

static void test_hang_up_inside_a_line_is_a_truncated_message(void **state)
{
	(void)state;
	script("whole\nhalf a li", 15);
	char *line;
	size_t len;
	struct vb_error err;
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), 1);
	assert_string_equal(line, "whole");
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), -1);
	assert_int_equal(err.code, EPROTO);
}

/* Bytes already in the ring when the VMM closes it are still read. */
static void test_bytes_before_the_close_are_read(void **state)
{
	(void)state;
	bare_channel_ring_put(&rx, "last\n", 5);
	rx.closed = 1;
	char *line;
	size_t len;
	struct vb_error err;
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), 1);
	assert_string_equal(line, "last");
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), 0);
	assert_int_equal(vmm.rx_waits, 0);
}

static void test_an_oversized_line_is_skipped_and_the_next_read(void **state)
{
	(void)state;
	size_t n = PROTO_MAX_LINE + 5000;
	char *text = malloc(n + 20);
	memset(text, 'z', n);
	memcpy(text + n, "\nnext\n", 6);
	script(text, n + 6);
	vmm.feed = 3000;
	char *line;
	size_t len;
	struct vb_error err;
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), -1);
	assert_int_equal(err.code, EMSGSIZE);
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), 1);
	assert_string_equal(line, "next");
	assert_int_equal(bare_channel_read_line(&channel, &line, &len, &err), 0);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bytes_cross_the_wrap_and_the_index_overflow, setup),
		cmocka_unit_test_setup(test_a_full_ring_takes_no_more, setup),
		cmocka_unit_test_setup(test_corrupt_indices_are_refused, setup),
		cmocka_unit_test_setup(test_a_line_longer_than_the_ring_arrives_whole, setup),
		cmocka_unit_test_setup(test_lines_read_across_waits_until_hang_up, setup),
		cmocka_unit_test_setup(test_hang_up_inside_a_line_is_a_truncated_message, setup),
		cmocka_unit_test_setup(test_bytes_before_the_close_are_read, setup),
		cmocka_unit_test_setup(test_an_oversized_line_is_skipped_and_the_next_read, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(vmm.sent);
	return rc;
}
