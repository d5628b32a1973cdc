/*
 * Cache sizes from CPUID, shared by the hosted platform (when sysfs says nothing) and the bare
 * guest's (which has no sysfs).
 */
#include "workloads/platform-cpuid.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
/* Deterministic cache parameters: Intel leaf 4, AMD leaf 0x8000001D (same layout). */
size_t platform_cache_size_cpuid(int level)
{
	unsigned a, b, c, d;
	unsigned leaf = 4;
	if (!__get_cpuid(0, &a, &b, &c, &d))
		return 0;
	/* "AuthenticAMD" / "HygonGenuine" keep leaf 4 reserved. */
	if (b == 0x68747541 || b == 0x6f677948) {
		if (__get_cpuid_max(0x80000000, NULL) < 0x8000001d)
			return 0;
		leaf = 0x8000001d;
	} else if (a < 4) {
		return 0;
	}
	for (unsigned sub = 0; sub < 16; sub++) {
		__cpuid_count(leaf, sub, a, b, c, d);
		unsigned type = a & 0x1f;
		if (type == 0)
			break;
		if (type == 2 || (int)((a >> 5) & 7) != level)
			continue;
		size_t ways = ((b >> 22) & 0x3ff) + 1;
		size_t partitions = ((b >> 12) & 0x3ff) + 1;
		size_t line = (b & 0xfff) + 1;
		size_t sets = (size_t)c + 1;
		return ways * partitions * line * sets;
	}
	return 0;
}
#else
size_t platform_cache_size_cpuid(int level)
{
	(void)level;
	return 0;
}
#endif
