/* A private network namespace holding the VM's TAP device and the host-side peer address. */
#ifndef VB_KVM_TAP_H
#define VB_KVM_TAP_H

#include "common/error.h"

#define TAP_HOST_ADDR  "10.0.2.1"
#define TAP_GUEST_ADDR "10.0.2.2"
#define TAP_PREFIX     24

struct tap_netns {
	int ns_fd;  /* the namespace: setns() into it to reach the guest */
	int tap_fd; /* non-blocking TAP with a 12-byte virtio header */
};

/* Create the namespace and the TAP in it (address TAP_HOST_ADDR); the host's own network is untouched. */
int tap_create(struct tap_netns *n, struct vb_error *err);
/* Closing both fds removes the TAP and the namespace. */
void tap_destroy(struct tap_netns *n);

#endif
