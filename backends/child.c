/* The processes a backend forks for its environment: how they start, and how they are ended. */
#include "backends/child.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
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
