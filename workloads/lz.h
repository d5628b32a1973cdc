/* A small LZ77 byte compressor in LZ4's block format, written here for the cpu.lz workload; its decoder also unpacks LZ4 kernels (backends/kvm/vmlinux.c). */
#ifndef VB_LZ_H
#define VB_LZ_H

#include <stddef.h>
#include <stdint.h>

/* Worst-case compressed size for len input bytes. */
size_t lz_bound(size_t len);

/* Compress src into dst (at least lz_bound(len) bytes); returns the compressed size. */
size_t lz_compress(const uint8_t *src, size_t len, uint8_t *dst);

/*
 * Decompress exactly out_len bytes; returns 0, or -1 if the input is malformed (every
 * length and offset is checked, so any input is safe).
 */
int lz_decompress(const uint8_t *src, size_t len, uint8_t *dst, size_t out_len);

/* Decompress one block into at most cap bytes; returns the bytes made, or -1 as above. */
long lz_decompress_block(const uint8_t *src, size_t len, uint8_t *dst, size_t cap);

#endif
