/*
 * The agent's own io.net peer (vbench-agent --net-peer), for a host where vbench cannot start
 * one beside the agent (ssh): echo and sink on 127.0.0.1 alone, on ports the kernel picks.
 */
#ifndef VB_AGENT_LOOPBACK_PEER_H
#define VB_AGENT_LOOPBACK_PEER_H

#include <stddef.h>
#include <sys/types.h>

#include "common/error.h"

/*
 * Start the peer as a child process that dies with the agent (PR_SET_PDEATHSIG); its address
 * as a run request's peer names it ("127.0.0.1:ECHO_PORT,SINK_PORT") in addr.
 */
int loopback_peer_start(char *addr, size_t len, pid_t *pid, struct vb_error *err);
/* End and reap it and its connection handlers; nothing for pid <= 0. */
void loopback_peer_stop(pid_t pid);

#endif
