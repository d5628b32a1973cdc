/* The processes a backend forks for its environment: how they start, and how they are ended. */
#ifndef VB_BACKENDS_CHILD_H
#define VB_BACKENDS_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * In the child, first: it dies with vbench (parent, read before the fork), leaves Ctrl-C to the
 * harness and runs on the ncpus PUs in cpus (none: unpinned). On failure it says why as
 * "vbench <who>: ..." and exits 127.
 */
void backend_child_prepare(pid_t parent, const unsigned *cpus, unsigned ncpus, const char *who);

/*
 * Reaps the child pid within grace_ms, or SIGKILLs and reaps it; *status is its wait status.
 * Returns true when it had to be killed.
 */
bool backend_child_end(pid_t pid, int *status, unsigned grace_ms);

/* Is the child *pid still running? Once it has ended it is reaped (*status, its wait status) and
 * *pid set to 0; false for 0 too. */
bool backend_child_alive(pid_t *pid, int *status);

#endif
