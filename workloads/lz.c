/*
 * A small LZ77 byte compressor for the cpu.lz workload. Sequences are a token (literal count
 * in the high nibble, match length - 4 in the low nibble, 15 meaning "more bytes follow"),
 * the literals, then a 16-bit little-endian offset; the last sequence has literals only.
 */
#include "workloads/lz.h"

#include <string.h>

#include "workloads/bytes.h"

#define LZ_MIN_MATCH  4
#define LZ_HASH_BITS  14
#define LZ_MAX_OFFSET 65535
/* The last bytes are always literals, so the match finder may read 4 bytes without checks. */
#define LZ_TAIL 8

size_t lz_bound(size_t len)
{
	return len + len / 255 + 16;
}

static inline uint32_t lz_read32(const uint8_t *p)
{
	uint32_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

static inline uint32_t lz_hash(uint32_t v)
{
	return (v * 2654435761u) >> (32 - LZ_HASH_BITS);
}

static uint8_t *lz_put_length(uint8_t *op, size_t len)
{
	for (; len >= 255; len -= 255)
		*op++ = 255;
	*op++ = (uint8_t)len;
	return op;
}

static uint8_t *lz_put_sequence(uint8_t *op, const uint8_t *lit, size_t nlit, size_t match,
				size_t offset)
{
	uint8_t *token = op++;
	size_t ml = match ? match - LZ_MIN_MATCH : 0;
	*token = (uint8_t)((nlit < 15 ? nlit : 15) << 4 | (ml < 15 ? ml : 15));
	if (nlit >= 15)
		op = lz_put_length(op, nlit - 15);
	bytes_copy(op, lit, nlit);
	op += nlit;
	if (!match)
		return op;
	*op++ = (uint8_t)offset;
	*op++ = (uint8_t)(offset >> 8);
	if (ml >= 15)
		op = lz_put_length(op, ml - 15);
	return op;
}

size_t lz_compress(const uint8_t *src, size_t len, uint8_t *dst)
{
	uint32_t table[1u << LZ_HASH_BITS];
	uint8_t *op = dst;
	size_t anchor = 0, ip = 0;
	bytes_fill(table, 0, sizeof(table));
	if (len > LZ_TAIL) {
		size_t limit = len - LZ_TAIL;
		while (ip < limit) {
			uint32_t seq = lz_read32(src + ip);
			uint32_t h = lz_hash(seq);
			size_t cand = table[h];
			table[h] = (uint32_t)ip;
			if (cand >= ip || ip - cand > LZ_MAX_OFFSET ||
			    lz_read32(src + cand) != seq) {
				ip++;
				continue;
			}
			size_t match = LZ_MIN_MATCH;
			while (ip + match < limit && src[cand + match] == src[ip + match])
				match++;
			op = lz_put_sequence(op, src + anchor, ip - anchor, match, ip - cand);
			ip += match;
			anchor = ip;
		}
	}
	return (size_t)(lz_put_sequence(op, src + anchor, len - anchor, 0, 0) - dst);
}

static int lz_get_length(const uint8_t **ip, const uint8_t *end, size_t *len)
{
	uint8_t b;
	do {
		if (*ip >= end)
			return -1;
		b = *(*ip)++;
		*len += b;
	} while (b == 255);
	return 0;
}

long lz_decompress_block(const uint8_t *src, size_t len, uint8_t *dst, size_t cap)
{
	const uint8_t *ip = src, *end = src + len;
	size_t op = 0;
	while (ip < end) {
		uint8_t token = *ip++;
		size_t nlit = token >> 4;
		if (nlit == 15 && lz_get_length(&ip, end, &nlit) != 0)
			return -1;
		if (nlit > (size_t)(end - ip) || nlit > cap - op)
			return -1;
		bytes_copy(dst + op, ip, nlit);
		ip += nlit;
		op += nlit;
		if (ip == end)
			break;
		if (end - ip < 2)
			return -1;
		size_t offset = ip[0] | (size_t)ip[1] << 8;
		ip += 2;
		size_t match = (token & 15);
		if (match == 15 && lz_get_length(&ip, end, &match) != 0)
			return -1;
		match += LZ_MIN_MATCH;
		if (offset == 0 || offset > op || match > cap - op)
			return -1;
		/* Byte by byte: a match may overlap the bytes it is producing. */
		for (size_t i = 0; i < match; i++, op++)
			dst[op] = dst[op - offset];
	}
	return (long)op;
}

int lz_decompress(const uint8_t *src, size_t len, uint8_t *dst, size_t out_len)
{
	return lz_decompress_block(src, len, dst, out_len) == (long)out_len ? 0 : -1;
}
