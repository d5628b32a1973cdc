/* The host-side peer of the io.net workloads: echo and sink servers inside a backend's peer namespace. */
#include "harness/peer-server.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/nsfs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/peer-ports.h"

#define NETPEER_IDLE_MS 60000 /* a connection silent this long is abandoned */

static int listen_on(uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_ANY) };
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool wait_readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	return poll(&p, 1, NETPEER_IDLE_MS) > 0;
}

static void serve_echo(int fd)
{
	static char buf[65536];
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (wait_readable(fd)) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w <= 0)
				return;
			off += w;
		}
	}
}

static void serve_sink(int fd)
{
	static char buf[1 << 18];
	uint64_t total = 0;
	while (wait_readable(fd)) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0)
			return;
		if (n == 0) {
			unsigned char le[8];
			for (int i = 0; i < 8; i++)
				le[i] = (unsigned char)(total >> (8 * i));
			if (write(fd, le, sizeof(le)) != sizeof(le))
				return;
			return;
		}
		total += (uint64_t)n;
	}
}

static void reap(int sig)
{
	(void)sig;
	int saved = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

static void peer_main(int echo_fd, int sink_fd)
{
	struct sigaction sa = { .sa_handler = reap, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	sigaction(SIGCHLD, &sa, NULL);
	struct pollfd p[2] = { { .fd = echo_fd, .events = POLLIN },
			       { .fd = sink_fd, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		for (int i = 0; i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			pid_t h = fork();
			if (h == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				close(echo_fd);
				close(sink_fd);
				if (i == 0)
					serve_echo(c);
				else
					serve_sink(c);
				_exit(0);
			}
			close(c);
		}
	}
}

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
		int e = status ? -1 : listen_on(NETPEER_ECHO_PORT);
		int s = status ? -1 : listen_on(NETPEER_SINK_PORT);
		if (!status && (e < 0 || s < 0))
			status = 2;
		if (write(ready[1], &status, 1) != 1 || status)
			_exit(1);
		close(ready[1]);
		peer_main(e, s);
		_exit(0);
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
	/* the handlers die with it (PDEATHSIG) */
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
