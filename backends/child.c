/* The processes a backend forks for its environment: how they start, and how they are ended. */
#include "backends/child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backends/cpus.h"

void backend_child_prepare(pid_t parent, const unsigned *cpus, unsigned ncpus, const char *who)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) /* vbench died before the line above took effect */
		_exit(127);
	signal(SIGINT, SIG_IGN); /* Ctrl-C is the harness's to handle */
	struct vb_error err;
	if (ncpus && cpus_bind_process(cpus, ncpus, &err) < 0) {
		fprintf(stderr, "vbench %s: %s\n", who, err.message);
		_exit(127);
	}
}

bool backend_child_end(pid_t pid, int *status, unsigned grace_ms)
{
	enum { POLL_MS = 2 };
	for (unsigned waited = 0; waited < grace_ms; waited += POLL_MS) {
		if (waitpid(pid, status, WNOHANG) == pid)
			return false;
		usleep(POLL_MS * 1000);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return true;
}

bool backend_child_alive(pid_t *pid, int *status)
{
	if (*pid <= 0)
		return false;
	pid_t r = waitpid(*pid, status, WNOHANG);
	if (r == 0)
		return true;
	if (r == *pid || (r < 0 && errno == ECHILD))
		*pid = 0;
	return false;
}

int backend_find_program(const char *name, char out[PATH_MAX], struct vb_error *err)
{
	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			return error_set_errno(err, "%s", name);
		snprintf(out, PATH_MAX, "%s", name);
		return 0;
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/local/bin:/usr/bin:/bin:/usr/local/sbin:/usr/sbin:/sbin";
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, ":");
		int len = snprintf(out, PATH_MAX, "%.*s/%s", (int)n, p, name);
		if (len > 0 && len < PATH_MAX && access(out, X_OK) == 0)
			return 0;
		p += n;
		p += strspn(p, ":");
	}
	return error_set(err, "%s: not found on PATH", name);
}

bool backend_process_gone(pid_t pid)
{
	if (pid <= 0)
		return false;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	char path[64], text[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	/* "pid (comm) S ...": the state follows the last ')' (comm may hold one itself) */
	const char *paren = strrchr(text, ')');
	return paren && paren[1] == ' ' && (paren[2] == 'Z' || paren[2] == 'X');
}

void backend_block_stop_signals(sigset_t *blocked, sigset_t *old)
{
	sigemptyset(blocked);
	sigaddset(blocked, SIGINT);
	sigaddset(blocked, SIGTERM);
	sigaddset(blocked, SIGHUP);
	sigaddset(blocked, SIGCHLD);
	sigprocmask(SIG_BLOCK, blocked, old);
}

int backend_wait_foreground(pid_t *pid, int *status, const sigset_t *blocked,
			    void (*stop)(void *ctx), void *ctx)
{
	int interrupted = 0;
	while (*pid > 0) {
		pid_t r = waitpid(*pid, status, WNOHANG);
		if (r == *pid || (r < 0 && errno != EINTR)) {
			*pid = 0;
			break;
		}
		/* the tick only guards a SIGCHLD that came between waitpid and the wait */
		struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
		int sig = sigtimedwait(blocked, NULL, &tick);
		if (sig > 0 && sig != SIGCHLD && !interrupted) {
			interrupted = sig;
			stop(ctx);
		}
	}
	return interrupted;
}
