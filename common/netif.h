/* Network interfaces of the calling thread's network namespace, configured over ioctl. */
#ifndef VB_NETIF_H
#define VB_NETIF_H

#include "common/error.h"

/*
 * Bring interface `name` up; with ipv4 ("10.0.2.2"), first give it that address and a netmask
 * of `prefix` bits (0 to 32). Returns 0, or -1 with err naming the interface and the step that
 * failed (err->code ENODEV when there is no such interface, EINVAL for a bad address).
 */
int netif_up(const char *name, const char *ipv4, unsigned prefix, struct vb_error *err);

#endif
