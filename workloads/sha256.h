/* SHA-256 (FIPS 180-4), written here so that cpu.sha256 measures the same code everywhere. */
#ifndef VB_SHA256_H
#define VB_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_BYTES 32

struct sha256 {
	uint32_t h[8];
	uint64_t bytes;
	uint8_t block[64];
	size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, uint8_t digest[SHA256_DIGEST_BYTES]);
void sha256(const void *data, size_t len, uint8_t digest[SHA256_DIGEST_BYTES]);

#endif
