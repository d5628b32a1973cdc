/* Cache sizes from CPUID, for the platforms that implement platform_cache_size. */
#ifndef VB_PLATFORM_CPUID_H
#define VB_PLATFORM_CPUID_H

#include <stddef.h>

/* Bytes of the data or unified cache of a level (1..3), 0 if CPUID does not say. */
size_t platform_cache_size_cpuid(int level);

#endif
