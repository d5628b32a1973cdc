/* The host-side peer of the io.net workloads: echo and sink servers inside a backend's peer namespace. */
#ifndef VB_HARNESS_PEER_SERVER_H
#define VB_HARNESS_PEER_SERVER_H

#include <sys/types.h>

#include "common/error.h"

/*
 * Start the peer as a child process that joins the network namespace at netns_path (opened
 * and setns()'d) and serves the ports of common/net-peer.h on every address there. It never
 * runs in the host's own namespace: an empty path is an error. Returns its pid.
 */
int peer_server_start(const char *netns_path, pid_t *pid, struct vb_error *err);
/* Kill and reap the peer and its connection handlers. */
void peer_server_stop(pid_t pid);

#endif
