/* Where this executable is, so that what is built beside it (the agent, the guest) is found. */
#ifndef VB_PATH_H
#define VB_PATH_H

#include <stddef.h>

/*
 * The directory this executable is in ("/opt/vbench/build"), from /proc/self/exe; where that
 * cannot be read, the directory of fallback (argv[0]; NULL for none), and "." for a bare name.
 */
void path_self_dir(const char *fallback, char *out, size_t len);

/* name (relative, "vbench-agent" or "guest/vmlinuz") in the directory this executable is in. */
void path_beside_self(const char *name, const char *fallback, char *out, size_t len);

#endif
