/* Network interfaces of the calling thread's network namespace, configured over ioctl. */
#include "common/netif.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "common/cleanup.h"

static int netif_address(int sock, struct ifreq *ifr, const char *ipv4, unsigned prefix,
			 struct vb_error *err)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&ifr->ifr_addr;
	sin->sin_family = AF_INET;
	if (prefix > 32 || inet_pton(AF_INET, ipv4, &sin->sin_addr) != 1) {
		error_set(err, "%s: %s/%u is not an IPv4 address and prefix", ifr->ifr_name, ipv4,
			  prefix);
		if (err)
			err->code = EINVAL;
		return -1;
	}
	if (ioctl(sock, SIOCSIFADDR, ifr) < 0)
		return error_set_errno(err, "%s: set address %s", ifr->ifr_name, ipv4);
	/* ~0u << 32 is undefined: a zero prefix is the empty mask */
	sin->sin_addr.s_addr = prefix ? htonl(~0u << (32 - prefix)) : 0;
	if (ioctl(sock, SIOCSIFNETMASK, ifr) < 0)
		return error_set_errno(err, "%s: set netmask /%u", ifr->ifr_name, prefix);
	return 0;
}

int netif_up(const char *name, const char *ipv4, unsigned prefix, struct vb_error *err)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	if (snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name) >= (int)sizeof(ifr.ifr_name))
		return error_set(err, "%s: interface name too long", name);
	cleanup_close int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return error_set_errno(err, "%s: socket", name);
	if (ipv4 && netif_address(sock, &ifr, ipv4, prefix, err) < 0)
		return -1;
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return error_set_errno(err, "%s: get flags", name);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return error_set_errno(err, "%s: bring up", name);
	return 0;
}
