/*
 * Copying and filling bytes inside timed work, with the same instructions wherever the agent runs.
 * The C library's memcpy and memset differ between the agents (glibc's pick AVX code at start-up,
 * the bare guest's musl does not): a workload timing them would compare libraries, not
 * environments. `rep movsb` / `rep stosb` are one instruction everywhere.
 */
#ifndef VB_BYTES_H
#define VB_BYTES_H

#include <stddef.h>

static inline void bytes_copy(void *dst, const void *src, size_t n)
{
#if defined(__x86_64__)
	__asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
#else
	unsigned char *d = dst;
	const unsigned char *s = src;
	while (n--)
		*(volatile unsigned char *)d++ = *s++;
#endif
}

static inline void bytes_fill(void *dst, unsigned char c, size_t n)
{
#if defined(__x86_64__)
	__asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(c) : "memory");
#else
	unsigned char *d = dst;
	while (n--)
		*(volatile unsigned char *)d++ = c;
#endif
}

#endif
