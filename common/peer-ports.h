/* The io.net peer's ports: what the agent connects to on the host side of its link. */
#ifndef VB_PEER_PORTS_H
#define VB_PEER_PORTS_H

/*
 * Echo: every byte received is sent back on the same connection (request/response latency).
 * Sink: everything received is discarded; after the sender shuts down its write side, the
 * peer answers with the byte count as 8 bytes little-endian, so the sender can time the whole
 * transfer up to its arrival (stream throughput).
 */
#define NETPEER_ECHO_PORT 7001
#define NETPEER_SINK_PORT 7002

#endif
