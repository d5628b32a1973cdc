/* What the OS workload family exposes besides its registry entries. */
#ifndef VB_OS_H
#define VB_OS_H

#include <stddef.h>

/*
 * The kernel's current clock source ("tsc", "kvm-clock", ...), or "unknown". Points to a
 * static buffer that each call rewrites; for the agent's hello, which os.clock's numbers
 * need beside them.
 */
const char *os_clocksource(void);

/*
 * The selected choice of a transparent-huge-page switch, file "enabled" or "defrag" ("madvise"
 * from "always [madvise] never"), or "unknown": for the hello, as workloads' page sizes depend
 * on it.
 */
void os_thp_setting(const char *file, char *out, size_t len);

#endif
