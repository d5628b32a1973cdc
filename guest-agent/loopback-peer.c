/* The agent's own io.net peer on 127.0.0.1 (guest-agent/loopback-peer.h). */
#include "guest-agent/loopback-peer.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "common/net-peer.h"

/*
 * The agent runs pinned (taskset); the peer is not, as the harness's peer is not: its work
 * would otherwise be taken from the CPUs being measured. The kernel keeps it within what the
 * host allows this process.
 */
static void loopback_peer_unpin(void)
{
	cpu_set_t all;
	CPU_ZERO(&all);
	long n = sysconf(_SC_NPROCESSORS_CONF);
	for (long c = 0; c < n && c < CPU_SETSIZE; c++)
		CPU_SET((int)c, &all);
	sched_setaffinity(0, sizeof(all), &all);
}

int loopback_peer_start(char *addr, size_t len, pid_t *pid, struct vb_error *err)
{
	struct net_peer_addr peer = { .ip.s_addr = htonl(INADDR_LOOPBACK) };
	/* 127.0.0.1 only: nothing of the run is reachable from outside the host */
	int echo_fd = net_peer_listen(peer.ip.s_addr, 0, &peer.echo_port, err);
	if (echo_fd < 0)
		return -1;
	int sink_fd = net_peer_listen(peer.ip.s_addr, 0, &peer.sink_port, err);
	if (sink_fd < 0) {
		close(echo_fd);
		return -1;
	}
	if (net_peer_format(&peer, addr, len) < 0) {
		close(echo_fd);
		close(sink_fd);
		return error_set(err, "netpeer: no room for its address");
	}
	pid_t agent = getpid();
	pid_t p = fork();
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != agent) /* the agent died before the line above */
			_exit(0);
		prctl(PR_SET_NAME, "vbench-netpeer");
		signal(SIGINT, SIG_IGN);
		/* nothing of the agent's is held: not its directory (removed when the agent ends),
		 * not its channel (the ssh session ends when every holder closed it) */
		int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (chdir("/") < 0 || null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(null_fd, 1) < 0 ||
		    dup2(null_fd, 2) < 0)
			_exit(1);
		loopback_peer_unpin();
		net_peer_serve(echo_fd, sink_fd);
		_exit(1);
	}
	close(echo_fd);
	close(sink_fd);
	if (p < 0)
		return error_set_errno(err, "netpeer: fork");
	*pid = p;
	return 0;
}

void loopback_peer_stop(pid_t pid)
{
	net_peer_stop(pid);
}
