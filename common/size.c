/* The one grammar for sizes on the command line and in sysfs: "1G", "512M", "1.5GiB", "4096". */
#include "common/size.h"

#include <ctype.h>
#include <stddef.h>

static int size_unit_shift(char c)
{
	switch (toupper((unsigned char)c)) {
	case 'K': return 10;
	case 'M': return 20;
	case 'G': return 30;
	case 'T': return 40;
	default: return -1;
	}
}

int size_parse(const char *text, uint64_t *bytes)
{
	if (!text || !isdigit((unsigned char)*text))
		return -1;
	const char *p = text;
	/* the whole part, exactly, and up to 18 decimals: more cannot change a byte count */
	unsigned __int128 whole = 0;
	for (; isdigit((unsigned char)*p); p++) {
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > UINT64_MAX)
			return -1;
	}
	uint64_t fraction = 0, scale = 1;
	if (*p == '.') {
		p++;
		if (!isdigit((unsigned char)*p))
			return -1;
		for (; isdigit((unsigned char)*p); p++)
			if (scale < 1000000000000000000ull) {
				fraction = fraction * 10 + (uint64_t)(*p - '0');
				scale *= 10;
			}
	}
	int shift = 0;
	if (*p) {
		shift = size_unit_shift(*p++);
		if (shift < 0)
			return -1;
		if (*p == 'i' || *p == 'I')
			p++;
		if (*p == 'B' || *p == 'b')
			p++;
		if (*p)
			return -1;
	}
	unsigned __int128 total =
		(whole << shift) + (((unsigned __int128)fraction << shift) / scale);
	if (total == 0 || total > UINT64_MAX)
		return -1;
	*bytes = (uint64_t)total;
	return 0;
}
