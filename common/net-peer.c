/* The io.net peer's address grammar and its echo and sink servers (common/net-peer.h). */
#include "common/net-peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NETPEER_IDLE_MS 60000 /* a connection silent this long is abandoned */

/* A port of 1 to 5 digits, 1..65535, ending where *end says; -1 otherwise. */
static int net_peer_port(const char *text, const char **end)
{
	size_t digits = strspn(text, "0123456789");
	if (digits == 0 || digits > 5)
		return -1;
	unsigned long port = 0;
	for (size_t i = 0; i < digits; i++)
		port = port * 10 + (unsigned long)(text[i] - '0');
	*end = text + digits;
	return port >= 1 && port <= 65535 ? (int)port : -1;
}

int net_peer_parse(const char *text, struct net_peer_addr *out, struct vb_error *err)
{
	memset(out, 0, sizeof(*out));
	char ip[INET_ADDRSTRLEN];
	size_t ip_len = strcspn(text, ":");
	if (ip_len >= sizeof(ip))
		return error_set(err, "peer \"%s\" is not an IPv4 address", text);
	memcpy(ip, text, ip_len);
	ip[ip_len] = '\0';
	if (inet_pton(AF_INET, ip, &out->ip) != 1)
		return error_set(err, "peer \"%s\" is not an IPv4 address", text);
	out->echo_port = NETPEER_ECHO_PORT;
	out->sink_port = NETPEER_SINK_PORT;
	if (!text[ip_len])
		return 0;
	const char *p = text + ip_len + 1, *end;
	int echo = net_peer_port(p, &end);
	if (echo < 0 || (*end && *end != ','))
		return error_set(err, "peer \"%s\": not IPV4[:ECHO_PORT[,SINK_PORT]]", text);
	int sink = echo + 1;
	if (*end == ',') {
		sink = net_peer_port(end + 1, &end);
		if (sink < 0 || *end)
			return error_set(err, "peer \"%s\": not IPV4[:ECHO_PORT[,SINK_PORT]]",
					 text);
	} else if (sink > 65535) {
		return error_set(err, "peer \"%s\": the sink port would be %d, past 65535", text,
				 sink);
	}
	out->echo_port = (uint16_t)echo;
	out->sink_port = (uint16_t)sink;
	return 0;
}

int net_peer_format(const struct net_peer_addr *addr, char *out, size_t len)
{
	char ip[INET_ADDRSTRLEN];
	if (!inet_ntop(AF_INET, &addr->ip, ip, sizeof(ip)))
		return -1;
	int n = snprintf(out, len, "%s:%u,%u", ip, addr->echo_port, addr->sink_port);
	return n < 0 || (size_t)n >= len ? -1 : n;
}

int net_peer_listen(in_addr_t ip, uint16_t port, uint16_t *bound, struct vb_error *err)
{
	char where[INET_ADDRSTRLEN] = "?";
	inet_ntop(AF_INET, &ip, where, sizeof(where));
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return error_set_errno(err, "netpeer: socket");
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	a.sin_addr.s_addr = ip;
	socklen_t alen = sizeof(a);
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &alen) < 0) {
		error_set_errno(err, "netpeer: listening on %s port %u", where, port);
		close(fd);
		return -1;
	}
	if (bound)
		*bound = ntohs(a.sin_port);
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

/* At most this many connections at once; the agent makes one at a time. */
#define NETPEER_MAX_HANDLERS 64

static volatile sig_atomic_t net_peer_ending;

static void net_peer_end(int sig)
{
	(void)sig;
	net_peer_ending = 1;
}

/* Reap the handlers that ended (wait > 0: every one, waiting), forgetting their pids. */
static void net_peer_reap(pid_t *handlers, bool wait)
{
	for (int i = 0; i < NETPEER_MAX_HANDLERS; i++) {
		if (handlers[i] <= 0)
			continue;
		pid_t r;
		while ((r = waitpid(handlers[i], NULL, wait ? 0 : WNOHANG)) < 0 && errno == EINTR)
			;
		if (r != 0)
			handlers[i] = 0;
	}
}

void net_peer_serve(int echo_fd, int sink_fd)
{
	pid_t handlers[NETPEER_MAX_HANDLERS] = { 0 };
	/* SIGTERM only inside ppoll: the request to end is never missed between check and wait */
	sigset_t term, during_poll;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &during_poll);
	sigdelset(&during_poll, SIGTERM);
	struct sigaction sa = { .sa_handler = net_peer_end };
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a client gone mid-write ends its handler with EPIPE */
	struct pollfd p[2] = { { .fd = echo_fd, .events = POLLIN },
			       { .fd = sink_fd, .events = POLLIN } };
	pid_t server = getpid();
	/* handlers are reaped here, at least once a second, never by a SIGCHLD handler: the pids
	 * kept are those of live or unreaped children, never of a stranger that took one over */
	struct timespec tick = { .tv_sec = 1 };
	while (!net_peer_ending) {
		int n = ppoll(p, 2, &tick, &during_poll);
		net_peer_reap(handlers, false);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; n > 0 && i < 2; i++) {
			if (!(p[i].revents & POLLIN))
				continue;
			int c = accept4(p[i].fd, NULL, NULL, SOCK_CLOEXEC);
			if (c < 0)
				continue;
			int slot = 0;
			while (slot < NETPEER_MAX_HANDLERS && handlers[slot] > 0)
				slot++;
			pid_t h = slot < NETPEER_MAX_HANDLERS ? fork() : -1;
			if (h == 0) {
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (getppid() != server) /* the server died before the line above */
					_exit(0);
				signal(SIGTERM, SIG_DFL);
				sigprocmask(SIG_UNBLOCK, &term, NULL);
				close(echo_fd);
				close(sink_fd);
				if (i == 0)
					serve_echo(c);
				else
					serve_sink(c);
				_exit(0);
			}
			if (h > 0)
				handlers[slot] = h;
			close(c);
		}
	}
	/* nothing left behind: every handler killed and reaped here, none orphaned */
	for (int i = 0; i < NETPEER_MAX_HANDLERS; i++)
		if (handlers[i] > 0)
			kill(handlers[i], SIGKILL);
	net_peer_reap(handlers, true);
}

void net_peer_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGTERM);
	for (unsigned waited = 0;; waited += 10) {
		pid_t r = waitpid(pid, NULL, WNOHANG);
		if (r == pid || (r < 0 && errno != EINTR))
			return;
		if (waited >= NETPEER_STOP_GRACE_MS)
			break;
		struct timespec ten_ms = { .tv_nsec = 10 * 1000 * 1000 };
		nanosleep(&ten_ms, NULL);
	}
	/* its handlers die with it (PR_SET_PDEATHSIG) */
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}
