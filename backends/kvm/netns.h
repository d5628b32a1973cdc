/* A private network namespace holding the VM's TAP device and the host-side peer address. */
#ifndef VB_KVM_NETNS_H
#define VB_KVM_NETNS_H

#include "common/error.h"

#define NETNS_HOST_ADDR	 "10.0.2.1"
#define NETNS_GUEST_ADDR "10.0.2.2"
#define NETNS_PREFIX	 24

struct netns {
	int ns_fd;  /* the namespace: setns() into it to reach the guest */
	int tap_fd; /* non-blocking TAP with a 12-byte virtio header */
};

/* Create the namespace and the TAP in it (address NETNS_HOST_ADDR); the host's own network is untouched. */
int netns_create_tap(struct netns *n, struct vb_error *err);
/* Closing both fds removes the TAP and the namespace. */
void netns_destroy(struct netns *n);

#endif
