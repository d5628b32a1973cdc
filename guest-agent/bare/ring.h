/*
 * The bare guest's message channel: protocol lines through the two struct bare_ring of
 * common/bare-abi.h, with a doorbell (one `out` in the guest, a function in the unit test) when
 * bytes were appended or the guest has nothing to read. No port I/O here, so that the index
 * arithmetic is tested over a plain buffer.
 */
#ifndef VB_BARE_RING_H
#define VB_BARE_RING_H

#include <stddef.h>
#include <stdint.h>

#include "common/bare-abi.h"
#include "common/error.h"
#include "common/protocol.h"
#include "guest-agent/bare/doorbell.h"

/* Bytes waiting in r (tail - head); -1 when the indices are more than a ring apart (corrupt). */
long bare_channel_ring_used(const struct bare_ring *r);
/* Append up to n bytes (as many as fit); returns how many. The producer's side. */
size_t bare_channel_ring_put(struct bare_ring *r, const void *src, size_t n);
/* Take up to n bytes (as many as wait); returns how many. The consumer's side. */
size_t bare_channel_ring_get(struct bare_ring *r, void *dst, size_t n);

struct bare_channel {
	struct bare_ring *tx, *rx;
	bare_doorbell_fn doorbell;
	void *doorbell_ctx;
	struct proto_reader reader;
};

void bare_channel_init(struct bare_channel *c, struct bare_ring *tx, struct bare_ring *rx,
		       bare_doorbell_fn doorbell, void *doorbell_ctx);
/* Send line + '\n', ringing BARE_PORT_TX as it goes; waits while the ring is full. */
int bare_channel_send_line(struct bare_channel *c, const char *line, size_t len,
			   struct vb_error *err);
/*
 * The next line, as proto_read_line: 1 a line, 0 the harness hung up (rx closed and drained),
 * -1 with err->code EMSGSIZE (an oversized line skipped), EPROTO (closed inside a line, or a
 * corrupt ring). Waits with BARE_PORT_RX_WAIT while the ring is empty.
 */
int bare_channel_read_line(struct bare_channel *c, char **line, size_t *len, struct vb_error *err);

#endif
