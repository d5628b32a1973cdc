/* The processes a backend forks for its environment: how they start, and how they are ended. */
#ifndef VB_BACKENDS_CHILD_H
#define VB_BACKENDS_CHILD_H

#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "common/error.h"

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

/*
 * Has process pid ended? Gone, or a zombie its parent has not reaped yet (a vbench killed with
 * SIGKILL stays one until its shell waits): what it left behind may be swept.
 */
bool backend_process_gone(pid_t pid);

/*
 * `vbench exec`: block the signals that stop a foreground command (SIGINT, SIGTERM, SIGHUP) and
 * SIGCHLD, so that its end wakes backend_wait_foreground at once; *old to restore after.
 */
void backend_block_stop_signals(sigset_t *blocked, sigset_t *old);
/*
 * Wait for *pid (then 0) with those signals blocked; the first stop signal calls stop(ctx) once,
 * to end the command. *status is its wait status. Returns that signal, or 0.
 */
int backend_wait_foreground(pid_t *pid, int *status, const sigset_t *blocked,
			    void (*stop)(void *ctx), void *ctx);

/* Find a program as a shell would: a name with a slash as it is, else the first on $PATH that this
 * process may run; out gets its path. -1 with the reason when there is none. */
int backend_find_program(const char *name, char out[PATH_MAX], struct vb_error *err);

#endif
