/*
 * The bare guest's side of the shared-memory rings: free-running head and tail, data copied in
 * at most two pieces around the wrap, indices published with release and read with acquire
 * ordering (the VMM's thread reads them while the vCPU runs).
 */
#include "guest-agent/bare/ring.h"

#include <errno.h>
#include <string.h>

static uint32_t ring_load(const volatile uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void ring_store(volatile uint32_t *p, uint32_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELEASE);
}

long bare_channel_ring_used(const struct bare_ring *r)
{
	uint32_t used = ring_load(&r->tail) - ring_load(&r->head);
	return used > BARE_RING_BYTES ? -1 : (long)used;
}

size_t bare_channel_ring_put(struct bare_ring *r, const void *src, size_t n)
{
	uint32_t head = ring_load(&r->head), tail = r->tail;
	uint32_t used = tail - head;
	if (used >= BARE_RING_BYTES)
		return 0;
	if (n > BARE_RING_BYTES - used)
		n = BARE_RING_BYTES - used;
	uint32_t at = tail % BARE_RING_BYTES;
	size_t first = n < BARE_RING_BYTES - at ? n : BARE_RING_BYTES - at;
	memcpy(&r->data[at], src, first);
	memcpy(&r->data[0], (const char *)src + first, n - first);
	ring_store(&r->tail, tail + (uint32_t)n);
	return n;
}

size_t bare_channel_ring_get(struct bare_ring *r, void *dst, size_t n)
{
	uint32_t head = r->head, tail = ring_load(&r->tail);
	uint32_t used = tail - head;
	if (used > BARE_RING_BYTES)
		return 0;
	if (n > used)
		n = used;
	uint32_t at = head % BARE_RING_BYTES;
	size_t first = n < BARE_RING_BYTES - at ? n : BARE_RING_BYTES - at;
	memcpy(dst, &r->data[at], first);
	memcpy((char *)dst + first, &r->data[0], n - first);
	ring_store(&r->head, head + (uint32_t)n);
	return n;
}

void bare_channel_init(struct bare_channel *c, struct bare_ring *tx, struct bare_ring *rx,
		       bare_doorbell_fn doorbell, void *doorbell_ctx)
{
	c->tx = tx;
	c->rx = rx;
	c->doorbell = doorbell;
	c->doorbell_ctx = doorbell_ctx;
	proto_reader_init(&c->reader, -1);
}

static int channel_put_all(struct bare_channel *c, const char *p, size_t n, struct vb_error *err)
{
	while (n > 0) {
		if (bare_channel_ring_used(c->tx) < 0) {
			error_set(err, "bare channel: the tx ring is corrupt");
			err->code = EPROTO;
			return -1;
		}
		size_t put = bare_channel_ring_put(c->tx, p, n);
		p += put;
		n -= put;
		/* full: the doorbell lets the VMM drain it before the vCPU runs on */
		if (n > 0)
			c->doorbell(c->doorbell_ctx, BARE_PORT_TX, 0);
	}
	return 0;
}

int bare_channel_send_line(struct bare_channel *c, const char *line, size_t len,
			   struct vb_error *err)
{
	if (channel_put_all(c, line, len, err) < 0 || channel_put_all(c, "\n", 1, err) < 0)
		return -1;
	c->doorbell(c->doorbell_ctx, BARE_PORT_TX, 0);
	return 0;
}

int bare_channel_read_line(struct bare_channel *c, char **line, size_t *len, struct vb_error *err)
{
	for (;;) {
		int got = proto_reader_take_line(&c->reader, line, len, err);
		if (got != 0)
			return got;
		long used = bare_channel_ring_used(c->rx);
		if (used < 0) {
			error_set(err, "bare channel: the rx ring is corrupt (head %u, tail %u)",
				  c->rx->head, c->rx->tail);
			err->code = EPROTO;
			return -1;
		}
		if (used > 0) {
			size_t room;
			char *space = proto_reader_space(&c->reader, &room);
			c->reader.len += bare_channel_ring_get(c->rx, space, room);
			continue;
		}
		/* the VMM sets closed after the last bytes: empty and closed is the end */
		if (__atomic_load_n(&c->rx->closed, __ATOMIC_ACQUIRE)) {
			if (bare_channel_ring_used(c->rx) == 0)
				return proto_reader_end(&c->reader, err);
			continue;
		}
		c->doorbell(c->doorbell_ctx, BARE_PORT_RX_WAIT, 0);
	}
}
