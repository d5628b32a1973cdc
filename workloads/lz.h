/* A small LZ77 byte compressor (LZ4-like token format) written here for the cpu.lz workload. */
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

#endif
