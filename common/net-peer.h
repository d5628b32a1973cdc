/*
 * The io.net peer: what it serves, the address the agent is given for it, and its serving loop,
 * run by the harness in a backend's peer namespace and by the agent itself on a remote host.
 */
#ifndef VB_NET_PEER_H
#define VB_NET_PEER_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/error.h"

/*
 * Echo: every byte received is sent back on the same connection (request/response latency).
 * Sink: everything received is discarded; after the sender shuts down its write side, the
 * peer answers with the byte count as 8 bytes little-endian, so the sender can time the whole
 * transfer up to its arrival (stream throughput).
 * The harness's peers serve these fixed ports; the agent's own (--net-peer) serves ports the
 * kernel picks, and says which.
 */
#define NETPEER_ECHO_PORT 7001
#define NETPEER_SINK_PORT 7002

/* How long net_peer_stop waits for the server to end after SIGTERM before SIGKILL. */
#define NETPEER_STOP_GRACE_MS 2000

/* Longest text net_peer_format writes: "255.255.255.255:65535,65535". */
#define NETPEER_ADDR_MAX 32

struct net_peer_addr {
	struct in_addr ip;
	uint16_t echo_port, sink_port;
};

/*
 * "IPV4[:ECHO[,SINK]]" as the agent is given it: without ports the fixed ones; with the echo
 * port alone the sink is on the next one, as for the fixed pair. 0 or -1 with err.
 */
int net_peer_parse(const char *text, struct net_peer_addr *out, struct vb_error *err);
/* "IP:ECHO,SINK", which net_peer_parse reads back; the length written, or -1 when len is short. */
int net_peer_format(const struct net_peer_addr *addr, char *out, size_t len);

/*
 * A listening TCP socket on ip:port (network byte order ip; port 0: the kernel picks). *bound
 * (may be NULL) gets the port it listens on. The fd, or -1 with err.
 */
int net_peer_listen(in_addr_t ip, uint16_t port, uint16_t *bound, struct vb_error *err);
/*
 * Serve the two listening sockets, each connection in a child process that dies with the
 * server (PR_SET_PDEATHSIG), until SIGTERM: then every such child is killed and reaped, and it
 * returns (also when it cannot go on). Blocks SIGTERM outside its wait for connections.
 */
void net_peer_serve(int echo_fd, int sink_fd);
/* End a server process net_peer_serve runs in (SIGTERM, SIGKILL after a grace) and reap it. */
void net_peer_stop(pid_t pid);

#endif
