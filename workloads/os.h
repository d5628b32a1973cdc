/* What the OS workload family exposes besides its registry entries. */
#ifndef VB_OS_H
#define VB_OS_H

/*
 * The kernel's current clock source ("tsc", "kvm-clock", ...), or "unknown". Points to a
 * static buffer that each call rewrites; for the agent's hello, which os.clock's numbers
 * need beside them.
 */
const char *os_clocksource(void);

#endif
