/*
 * memcpy and memmove for the bare guest. musl's (rep movsq, then a byte loop) pays a microcoded start-up on
 * every call, which the short literal runs of cpu.lz make most calls: the workload ran about 40%
 * slower than under the Linux agent's glibc, a difference of C libraries and not of the VM. This
 * one moves short blocks as two overlapping loads and stores, as glibc's does, and long ones with
 * `rep movsb`. memmove comes along because musl's shares an object file with its memcpy. GCC must
 * not turn the copy loop back into a call to memcpy (hence the optimize attribute).
 */
#include <stddef.h>
#include <stdint.h>

typedef uint64_t copy8 __attribute__((may_alias, aligned(1)));
typedef uint32_t copy4 __attribute__((may_alias, aligned(1)));
typedef uint16_t copy2 __attribute__((may_alias, aligned(1)));
typedef long long copy16 __attribute__((vector_size(16), may_alias, aligned(1)));

/* Long copies: the string instruction is fast for them on every CPU with ERMS. */
#define COPY_STRING_FROM 512

__attribute__((optimize("no-tree-loop-distribute-patterns"))) void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (n <= 16) {
		if (n >= 8) {
			copy8 a = *(const copy8 *)s, b = *(const copy8 *)(s + n - 8);
			*(copy8 *)d = a;
			*(copy8 *)(d + n - 8) = b;
		} else if (n >= 4) {
			copy4 a = *(const copy4 *)s, b = *(const copy4 *)(s + n - 4);
			*(copy4 *)d = a;
			*(copy4 *)(d + n - 4) = b;
		} else if (n >= 2) {
			copy2 a = *(const copy2 *)s, b = *(const copy2 *)(s + n - 2);
			*(copy2 *)d = a;
			*(copy2 *)(d + n - 2) = b;
		} else if (n) {
			*d = *s;
		}
		return dst;
	}
	if (n < COPY_STRING_FROM) {
		/* 16-byte blocks, the last one overlapping the one before it */
		copy16 last = *(const copy16 *)(s + n - 16);
		for (size_t i = 0; i + 16 < n; i += 16)
			*(copy16 *)(d + i) = *(const copy16 *)(s + i);
		*(copy16 *)(d + n - 16) = last;
		return dst;
	}
	__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;
	if (d == s || n == 0)
		return dst;
	if (d + n <= s || s + n <= d)
		return memcpy(dst, src, n);
	if (d < s) {
		/* forwards, byte by byte as the instruction is defined: overlap is safe */
		__asm__ volatile("rep movsb" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
		return dst;
	}
	d += n - 1;
	s += n - 1;
	__asm__ volatile("std; rep movsb; cld" : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	return dst;
}
