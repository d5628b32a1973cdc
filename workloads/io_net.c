/*
 * Network workloads (io.net.*): TCP request/response latency against the peer's echo port
 * and TCP stream throughput into its sink port (see common/net-peer.h for the peer).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/net-peer.h"
#include "workloads/io.h"
#include "workloads/workload.h"

/* Longest any connect, send or receive may block: past it the peer counts as dead. */
#define IO_NET_TIMEOUT_MS   10000
#define IO_NET_STREAM_CHUNK (128u << 10)
#define IO_NET_RR_WARMUP    20

/* The peer's address and ports (common/net-peer.h: "IPV4[:ECHO_PORT[,SINK_PORT]]"). */
static int io_net_peer(const struct workload_ctx *ctx, struct net_peer_addr *peer,
		       struct vb_error *err)
{
	if (!ctx->peer_addr) {
		error_set(err, "no network peer");
		return WORKLOAD_UNSUPPORTED;
	}
	if (net_peer_parse(ctx->peer_addr, peer, err) < 0)
		return error_prefix(err, "%s: ", ctx->workload->id);
	return 0;
}

/*
 * Connect with a bounded wait, then leave the socket blocking with SO_SNDTIMEO and
 * SO_RCVTIMEO: every later call is bounded too, without a poll() per transaction inflating
 * the latency being measured.
 */
static int io_net_connect(const struct workload_ctx *ctx, const struct in_addr *addr, int port,
			  int nodelay, struct vb_error *err)
{
	const char *id = ctx->workload->id;
	char ip[INET_ADDRSTRLEN] = "?", where[INET_ADDRSTRLEN + 8];
	inet_ntop(AF_INET, addr, ip, sizeof(ip));
	snprintf(where, sizeof(where), "%s:%d", ip, port);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return error_set_errno(err, "%s: socket", id);
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr = *addr };
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno != EINPROGRESS) {
			error_set_errno(err, "%s: connect to peer %s", id, where);
			goto fail;
		}
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int n;
		while ((n = poll(&p, 1, IO_NET_TIMEOUT_MS)) < 0 && errno == EINTR)
			;
		if (n == 0) {
			error_set(err, "%s: connect to peer %s: no answer in %d s", id, where,
				  IO_NET_TIMEOUT_MS / 1000);
			goto fail;
		}
		int soerr = 0;
		socklen_t sl = sizeof(soerr);
		if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0) {
			error_set_errno(err, "%s: connect to peer %s", id, where);
			goto fail;
		}
		if (soerr) {
			errno = soerr;
			error_set_errno(err, "%s: connect to peer %s", id, where);
			goto fail;
		}
	}
	struct timeval tv = { .tv_sec = IO_NET_TIMEOUT_MS / 1000,
			      .tv_usec = (IO_NET_TIMEOUT_MS % 1000) * 1000 };
	int one = 1;
	if (fcntl(fd, F_SETFL, 0) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    (nodelay && setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)) {
		error_set_errno(err, "%s: setting up the socket to %s", id, where);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

static int io_net_send_all(const char *id, int fd, const void *buf, size_t len,
			   struct vb_error *err)
{
	const char *p = buf;
	while (len > 0) {
		/* MSG_NOSIGNAL: a peer that went away must be an error, not SIGPIPE killing the agent. */
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return error_set(err, "%s: peer took nothing for %d s", id,
						 IO_NET_TIMEOUT_MS / 1000);
			return error_set_errno(err, "%s: send to peer", id);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int io_net_recv_all(const char *id, int fd, void *buf, size_t len, struct vb_error *err)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = recv(fd, p, len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return error_set(err, "%s: no answer from peer for %d s", id,
						 IO_NET_TIMEOUT_MS / 1000);
			return error_set_errno(err, "%s: receive from peer", id);
		}
		if (n == 0)
			return error_set(err, "%s: peer closed the connection early", id);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The peer's address and the "ms" parameter. Returns 0, -1, or WORKLOAD_UNSUPPORTED (no peer). */
static int io_net_prepare(const struct workload_ctx *ctx, struct net_peer_addr *peer,
			  uint64_t *duration, struct vb_error *err)
{
	int rc = io_net_peer(ctx, peer, err);
	if (rc != 0)
		return rc;
	return io_duration_ns(ctx, duration, err) != 0 ? -1 : 0;
}

/* ---- io.net.rr ---- */

/* Transactions of size bytes for duration ns: <prefix>_p50_us, _p99_us and _tps. */
static int io_net_rr_measure(const struct workload_ctx *ctx, int fd, size_t size, uint64_t duration,
			     const char *prefix, struct sample_out *out, struct vb_error *err)
{
	const char *id = ctx->workload->id;
	char req[1024], rep[1024];
	struct io_latencies lat = { 0 };
	int rc = 0;
	for (size_t i = 0; i < size; i++)
		req[i] = (char)('a' + i % 26);
	uint64_t start = 0, now = 0, deadline = 0, done = 0;
	/* The first transactions are untimed: they warm the path (ARP, caches, slow start). */
	for (unsigned i = 0; rc == 0; i++) {
		int timed = i >= IO_NET_RR_WARMUP;
		if (i == IO_NET_RR_WARMUP) {
			start = now = clock_now_ns();
			deadline = start + duration;
		}
		req[0] = (char)i;
		uint64_t t0 = clock_now_ns();
		rc = io_net_send_all(id, fd, req, size, err);
		if (rc == 0)
			rc = io_net_recv_all(id, fd, rep, size, err);
		if (rc != 0)
			break;
		now = clock_now_ns();
		if (memcmp(req, rep, size) != 0) {
			rc = error_set(err, "%s: the echo came back different from the request",
				       id);
			break;
		}
		if (!timed)
			continue;
		if (io_latencies_add(&lat, (double)(now - t0) / 1e3) != 0) {
			rc = error_set(err, "%s: out of memory for latencies", id);
			break;
		}
		done++;
		if (now >= deadline)
			break;
	}
	if (rc == 0) {
		char name[32];
		io_latencies_set_metrics(&lat, prefix, out, ctx);
		snprintf(name, sizeof(name), "%s_tps", prefix);
		workload_set_metric(out, ctx, name, (double)done * 1e9 / (double)(now - start));
	}
	io_latencies_free(&lat);
	return rc;
}

static int io_net_rr_run(const struct workload_ctx *ctx, struct sample_out *out,
			 struct vb_error *err)
{
	struct net_peer_addr peer;
	uint64_t duration = 0;
	int rc = io_net_prepare(ctx, &peer, &duration, err);
	if (rc != 0)
		return rc;
	int fd = io_net_connect(ctx, &peer.ip, peer.echo_port, 1, err);
	if (fd < 0)
		return -1;
	rc = io_net_rr_measure(ctx, fd, 1, duration, "rr1", out, err);
	if (rc == 0)
		rc = io_net_rr_measure(ctx, fd, 1024, duration, "rr1k", out, err);
	close(fd);
	return rc;
}

static const struct workload io_net_rr_workload = {
	.id = "io.net.rr",
	.group = "io.net",
	.description = "TCP request/response with the peer's echo port (TCP_NODELAY, one "
		       "connection, one transaction in flight): 1 byte and 1 KiB",
	.params = {
		{ "ms", { 20, 150, 1000 }, "milliseconds of transactions for each size" },
	},
	.metrics = {
		{ "rr1_p50_us", "us", BETTER_LOWER, METRIC_IO_PERCENTILE },
		{ "rr1_p99_us", "us", BETTER_LOWER, METRIC_IO_PERCENTILE },
		{ "rr1_tps", "transactions/s", BETTER_HIGHER },
		{ "rr1k_p50_us", "us", BETTER_LOWER, METRIC_IO_PERCENTILE },
		{ "rr1k_p99_us", "us", BETTER_LOWER, METRIC_IO_PERCENTILE },
		{ "rr1k_tps", "transactions/s", BETTER_HIGHER },
	},
	.run = io_net_rr_run,
	.needs = WORKLOAD_NEEDS_NETWORK | WORKLOAD_NEEDS_KERNEL,
};

/* ---- io.net.stream ---- */

static int io_net_stream_run(const struct workload_ctx *ctx, struct sample_out *out,
			     struct vb_error *err)
{
	const char *id = ctx->workload->id;
	struct net_peer_addr peer;
	uint64_t duration = 0;
	int rc = io_net_prepare(ctx, &peer, &duration, err);
	if (rc != 0)
		return rc;
	char *buf = malloc(IO_NET_STREAM_CHUNK);
	if (!buf)
		return error_set(err, "%s: out of memory", id);
	for (size_t i = 0; i < IO_NET_STREAM_CHUNK; i++)
		buf[i] = (char)(i * 131 + 7);
	int fd = io_net_connect(ctx, &peer.ip, peer.sink_port, 0, err);
	if (fd < 0) {
		free(buf);
		return -1;
	}
	uint64_t sent = 0, start = clock_now_ns(), deadline = start + duration;
	do {
		rc = io_net_send_all(id, fd, buf, IO_NET_STREAM_CHUNK, err);
		sent += IO_NET_STREAM_CHUNK;
	} while (rc == 0 && clock_now_ns() < deadline);
	/* The clock stops when the peer has counted everything, not when our buffers took it. */
	if (rc == 0 && shutdown(fd, SHUT_WR) != 0)
		rc = error_set_errno(err, "%s: shutdown", id);
	unsigned char le[8];
	if (rc == 0)
		rc = io_net_recv_all(id, fd, le, sizeof(le), err);
	uint64_t end = clock_now_ns();
	if (rc == 0) {
		uint64_t counted = 0;
		for (int i = 7; i >= 0; i--)
			counted = counted << 8 | le[i];
		if (counted != sent)
			rc = error_set(err, "%s: peer counted %llu bytes, we sent %llu", id,
				       (unsigned long long)counted, (unsigned long long)sent);
		else
			workload_set_metric(out, ctx, "stream_mbps",
					    (double)sent / 1e6 / ((double)(end - start) / 1e9));
	}
	close(fd);
	free(buf);
	return rc;
}

static const struct workload io_net_stream_workload = {
	.id = "io.net.stream",
	.group = "io.net",
	.description = "TCP stream into the peer's sink port, timed from the first byte sent to "
		       "the arrival of the peer's byte count",
	.params = {
		{ "ms", { 50, 300, 2000 }, "milliseconds of sending" },
	},
	.metrics = {
		{ "stream_mbps", "MB/s", BETTER_HIGHER },
	},
	.run = io_net_stream_run,
	.needs = WORKLOAD_NEEDS_NETWORK | WORKLOAD_NEEDS_KERNEL,
};

const struct workload *const io_net_workloads[] = {
	&io_net_rr_workload,
	&io_net_stream_workload,
	NULL,
};
