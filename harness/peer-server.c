/* The host-side peer of the io.net workloads: echo and sink servers inside a backend's peer namespace. */
#include "harness/peer-server.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/net-peer.h"

int peer_server_start(const char *netns_path, pid_t *pid, struct vb_error *err)
{
	if (!netns_path || !netns_path[0])
		return error_set(err,
				 "netpeer: no network namespace to run in (refusing the host's)");
	int nsfd = open(netns_path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return error_set_errno(err, "netpeer: open %s", netns_path);
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0) {
		close(nsfd);
		return error_set_errno(err, "netpeer: pipe");
	}
	pid_t parent = getpid();
	pid_t p = fork();
	if (p < 0) {
		close(nsfd);
		close(ready[0]);
		close(ready[1]);
		return error_set_errno(err, "netpeer: fork");
	}
	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_DFL);
		close(ready[0]);
		char status = 0;
		if (setns(nsfd, CLONE_NEWNET) < 0) {
			/* without root the namespace belongs to a user namespace we must join first */
			int owner = errno == EPERM ? ioctl(nsfd, NS_GET_USERNS) : -1;
			if (owner < 0 || setns(owner, CLONE_NEWUSER) < 0 ||
			    setns(nsfd, CLONE_NEWNET) < 0)
				status = 1;
		}
		/* every address of the namespace: the agent reaches it over its link */
		int e = status ? -1
			       : net_peer_listen(htonl(INADDR_ANY), NETPEER_ECHO_PORT, NULL, NULL);
		int s = status ? -1
			       : net_peer_listen(htonl(INADDR_ANY), NETPEER_SINK_PORT, NULL, NULL);
		if (!status && (e < 0 || s < 0))
			status = 2;
		if (write(ready[1], &status, 1) != 1 || status)
			_exit(1);
		close(ready[1]);
		net_peer_serve(e, s);
		_exit(1);
	}
	close(nsfd);
	close(ready[1]);
	char status = 3;
	ssize_t n;
	do
		n = read(ready[0], &status, 1);
	while (n < 0 && errno == EINTR);
	close(ready[0]);
	if (n != 1 || status) {
		peer_server_stop(p);
		return error_set(err, "netpeer: could not %s in %s",
				 status == 1 ? "join the network namespace"
					     : "listen on the peer ports",
				 netns_path);
	}
	*pid = p;
	return 0;
}

void peer_server_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	net_peer_stop(pid);
}
