/* The container's network: a veth pair to a peer namespace vbench creates, set up over rtnetlink. */
#ifndef VB_LXC_VETH_H
#define VB_LXC_VETH_H

#include <sys/types.h>

#include "common/error.h"

#define VETH_PEER_ADDR	      "169.254.77.1"
#define VETH_CONTAINER_ADDR   "169.254.77.2"
#define VETH_PREFIX_LEN	      30
#define VETH_PEER_IFNAME      "vb0"
#define VETH_CONTAINER_IFNAME "eth0"

struct veth_peer {
	int fd;		/* holds the peer namespace alive; -1 = none */
	char path[128]; /* "/proc/<pid>/fd/<fd>": what another process can open and setns() into */
};

/* Create the peer namespace (loopback up). It lives exactly as long as peer->fd is open. */
int veth_peer_create(struct veth_peer *peer, struct vb_error *err);
/*
 * Create the veth pair inside the peer namespace with its other end moved straight into the
 * network namespace of `container_pid`, then address and bring up both ends and the
 * container's loopback. The host's own namespace is never touched.
 */
int veth_link_container(struct veth_peer *peer, pid_t container_pid, struct vb_error *err);
/*
 * The same without root: a helper process joins the container's user namespace (where it is
 * root), creates the peer namespace there, links it, and hands the namespace back over a
 * socket. The peer namespace then belongs to that user namespace: to enter it, a process
 * without root joins the owner first (ioctl NS_GET_USERNS on the namespace file, setns).
 */
int veth_link_container_userns(struct veth_peer *peer, pid_t container_pid, struct vb_error *err);
/* Close the peer namespace: the kernel then deletes it and the veth pair with it. */
void veth_peer_destroy(struct veth_peer *peer);

#endif
