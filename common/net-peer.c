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

static void reap(int sig)
{
	(void)sig;
	int saved = errno;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

void net_peer_serve(int echo_fd, int sink_fd)
{
	struct sigaction sa = { .sa_handler = reap, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	sigaction(SIGCHLD, &sa, NULL);
	signal(SIGPIPE, SIG_IGN); /* a client gone mid-write ends its handler with EPIPE */
	struct pollfd p[2] = { { .fd = echo_fd, .events = POLLIN },
			       { .fd = sink_fd, .events = POLLIN } };
	pid_t server = getpid();
	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return;
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
				if (getppid() != server) /* the server died before the line above */
					_exit(0);
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
