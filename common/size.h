/* The one grammar for sizes on the command line and in sysfs: "1G", "512M", "1.5GiB", "4096". */
#ifndef VB_SIZE_H
#define VB_SIZE_H

#include <stdint.h>

/*
 * Bytes of text: a whole or decimal number, then optionally K, M, G or T (powers of 1024, either
 * case), then optionally "i" and/or "B" ("1G", "1GiB", "1gb"). A fraction of a byte is dropped
 * ("0.1K" is 102). Returns 0, or -1 for anything else: empty, a sign, spaces, exponents or hex,
 * an unknown or a doubled unit, zero, or more than fits in 64 bits; *bytes is then untouched.
 */
int size_parse(const char *text, uint64_t *bytes);

#endif
