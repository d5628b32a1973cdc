/*
 * What the bare guest gives the C library in place of a kernel: malloc and friends over the
 * platform's heap (musl's would ask the kernel for memory), and abort and failed assertions that
 * end the VM with a message (musl's would raise a signal). Linked before libc.a, so that musl's
 * versions are never pulled in.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest-agent/bare/bare.h"

/* Each block starts with its size, so that free needs no table; 16 keeps malloc's alignment. */
#define MALLOC_HEADER 16u

void *malloc(size_t n)
{
	if (n > SIZE_MAX - MALLOC_HEADER) {
		errno = ENOMEM;
		return NULL;
	}
	char *block = bare_mem_alloc(n + MALLOC_HEADER, MALLOC_HEADER);
	if (!block) {
		errno = ENOMEM;
		return NULL;
	}
	*(size_t *)block = n + MALLOC_HEADER;
	return block + MALLOC_HEADER;
}

static size_t malloc_block_bytes(const void *p)
{
	return *(const size_t *)((const char *)p - MALLOC_HEADER);
}

void free(void *p)
{
	if (!p)
		return;
	char *block = (char *)p - MALLOC_HEADER;
	if (bare_mem_free(block, malloc_block_bytes(p)) < 0)
		bare_abort("free(%p): not a block malloc returned, or freed twice", p);
}

void *calloc(size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size) {
		errno = ENOMEM;
		return NULL;
	}
	void *p = malloc(count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	size_t old = malloc_block_bytes(p) - MALLOC_HEADER;
	if (n <= old && n >= old / 2)
		return p;
	void *q = malloc(n);
	if (!q)
		return NULL;
	memcpy(q, p, n < old ? n : old);
	free(p);
	return q;
}

void abort(void)
{
	bare_abort("abort() called");
}

void __assert_fail(const char *expr, const char *file, int line, const char *func)
{
	bare_abort("%s:%d: %s: assertion \"%s\" failed", file, line, func, expr);
}
