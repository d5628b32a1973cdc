/* Split virtqueues (virtio 1.x): descriptor chains walked with bounds, loop and direction checks. */
#include "backends/kvm/virtio/queue.h"

#include <string.h>

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
} __attribute__((packed));

static size_t virtq_avail_bytes(uint16_t size)
{
	return 4 + 2u * size + 2;
}
static size_t virtq_used_bytes(uint16_t size)
{
	return 4 + 8u * size + 2;
}

int virtq_check_layout(const struct virtq *q, uint16_t max_size, struct vb_error *err)
{
	if (q->size == 0 || (q->size & (q->size - 1)) != 0 || q->size > max_size)
		return error_set(err, "queue size %u is not a power of two up to %u", q->size,
				 max_size);
	if ((q->desc_gpa & 15) || (q->avail_gpa & 1) || (q->used_gpa & 3))
		return error_set(err,
				 "queue rings are misaligned (desc %#llx avail %#llx used %#llx)",
				 (unsigned long long)q->desc_gpa, (unsigned long long)q->avail_gpa,
				 (unsigned long long)q->used_gpa);
	if (!memory_at(q->mem, q->desc_gpa, 16u * q->size) ||
	    !memory_at(q->mem, q->avail_gpa, virtq_avail_bytes(q->size)) ||
	    !memory_at(q->mem, q->used_gpa, virtq_used_bytes(q->size)))
		return error_set(
			err,
			"queue rings lie outside guest memory (desc %#llx avail %#llx used %#llx)",
			(unsigned long long)q->desc_gpa, (unsigned long long)q->avail_gpa,
			(unsigned long long)q->used_gpa);
	return 0;
}

void virtq_reset(struct virtq *q)
{
	const struct memory *mem = q->mem;
	memset(q, 0, sizeof(*q));
	q->mem = mem;
}

/* The rings were checked at QueueReady; re-translating keeps a later memory change harmless. */
static uint16_t *virtq_avail_idx(const struct virtq *q)
{
	return memory_at(q->mem, q->avail_gpa + 2, 2);
}

bool virtq_has_avail(const struct virtq *q)
{
	if (!q->ready || q->broken)
		return false;
	uint16_t *idx = virtq_avail_idx(q);
	return idx && __atomic_load_n(idx, __ATOMIC_ACQUIRE) != q->last_avail;
}

static int virtq_fail(struct virtq *q, struct vb_error *err, const char *what, unsigned desc,
		      const struct virtq_desc *d)
{
	q->broken = true;
	if (d)
		return error_set(err, "virtqueue: descriptor %u %s (gpa %#llx, len %u)", desc, what,
				 (unsigned long long)d->addr, d->len);
	return error_set(err, "virtqueue: %s", what);
}

int virtq_pop(struct virtq *q, struct virtq_chain *chain, struct vb_error *err)
{
	if (!q->ready || q->broken)
		return 0;
	uint16_t *avail_idx = virtq_avail_idx(q);
	if (!avail_idx)
		return virtq_fail(q, err, "available ring outside guest memory", 0, NULL);
	uint16_t idx = __atomic_load_n(avail_idx, __ATOMIC_ACQUIRE);
	if (idx == q->last_avail)
		return 0;
	if ((uint16_t)(idx - q->last_avail) > q->size)
		return virtq_fail(q, err, "available index ran more than a queue's length ahead", 0,
				  NULL);
	uint16_t *ring = memory_at(q->mem, q->avail_gpa + 4 + 2u * (q->last_avail % q->size), 2);
	if (!ring)
		return virtq_fail(q, err, "available ring outside guest memory", 0, NULL);
	uint16_t head = __atomic_load_n(ring, __ATOMIC_RELAXED);
	if (head >= q->size)
		return virtq_fail(q, err, "available ring names a descriptor beyond the queue", 0,
				  NULL);
	struct virtq_desc *table = memory_at(q->mem, q->desc_gpa, 16u * q->size);
	if (!table)
		return virtq_fail(q, err, "descriptor table outside guest memory", 0, NULL);

	chain->head = head;
	chain->nsegs = 0;
	chain->out_len = chain->in_len = 0;
	uint16_t i = head;
	for (;;) {
		struct virtq_desc d;
		memcpy(&d, &table[i],
		       sizeof(d)); /* one snapshot: the guest may change it under us */
		/* A chain can hold each descriptor once; anything longer loops. */
		if (chain->nsegs >= q->size)
			return virtq_fail(q, err, "chain loops back on itself", i, &d);
		if (chain->nsegs >= VIRTQ_MAX_CHAIN)
			return virtq_fail(q, err, "chain has too many descriptors", i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return virtq_fail(q, err, "is indirect, which was not offered", i, &d);
		if (d.len == 0)
			return virtq_fail(q, err, "has zero length", i, &d);
		uint8_t *host = memory_at(q->mem, d.addr, d.len);
		if (!host)
			return virtq_fail(q, err, "points outside guest memory", i, &d);
		bool writable = d.flags & VIRTQ_DESC_F_WRITE;
		if (!writable && chain->in_len)
			return virtq_fail(q, err, "is device-readable after a device-writable one",
					  i, &d);
		chain->segs[chain->nsegs++] = (struct virtq_seg){ host, d.len, writable };
		if (writable)
			chain->in_len += d.len;
		else
			chain->out_len += d.len;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			break;
		if (d.next >= q->size)
			return virtq_fail(q, err, "links to a descriptor beyond the queue", i, &d);
		i = d.next;
	}
	q->last_avail++;
	return 1;
}

void virtq_unpop(struct virtq *q)
{
	q->last_avail--;
}

int virtq_push(struct virtq *q, uint16_t head, uint32_t written, struct vb_error *err)
{
	uint8_t *used = memory_at(q->mem, q->used_gpa, virtq_used_bytes(q->size));
	if (!used) {
		q->broken = true;
		return error_set(err, "virtqueue: used ring outside guest memory");
	}
	uint8_t *elem = used + 4 + 8u * (q->used_idx % q->size);
	uint32_t id = head;
	memcpy(elem, &id, 4);
	memcpy(elem + 4, &written, 4);
	q->used_idx++;
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n((uint16_t *)(used + 2), q->used_idx, __ATOMIC_RELEASE);
	return 0;
}

/* Between buf and the chain's readable (or writable) bytes from off, over the segments' iovec. */
static size_t virtq_chain_copy(const struct virtq_chain *c, bool writable, size_t off, uint8_t *buf,
			       size_t len, bool to_chain)
{
	struct iovec iov[VIRTQ_MAX_CHAIN];
	unsigned n = virtq_chain_iov(c, writable, off, len, iov, VIRTQ_MAX_CHAIN);
	size_t done = 0;
	for (unsigned i = 0; i < n; i++) {
		if (to_chain)
			memcpy(iov[i].iov_base, buf + done, iov[i].iov_len);
		else
			memcpy(buf + done, iov[i].iov_base, iov[i].iov_len);
		done += iov[i].iov_len;
	}
	return done;
}

size_t virtq_chain_read(const struct virtq_chain *c, size_t off, void *dst, size_t len)
{
	return virtq_chain_copy(c, false, off, dst, len, false);
}

size_t virtq_chain_write(const struct virtq_chain *c, size_t off, const void *src, size_t len)
{
	return virtq_chain_copy(c, true, off, (uint8_t *)src, len, true);
}

unsigned virtq_chain_iov(const struct virtq_chain *c, bool writable, size_t off, size_t len,
			 struct iovec *iov, unsigned max)
{
	unsigned n = 0;
	for (unsigned i = 0; i < c->nsegs && len && n < max; i++) {
		const struct virtq_seg *s = &c->segs[i];
		if (s->writable != writable)
			continue;
		if (off >= s->len) {
			off -= s->len;
			continue;
		}
		size_t take = s->len - off < len ? s->len - off : len;
		iov[n++] = (struct iovec){ s->base + off, take };
		len -= take;
		off = 0;
	}
	return n;
}
