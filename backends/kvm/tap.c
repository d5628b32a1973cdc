/* A throw-away network namespace with a TAP in it, made from a helper thread so the process stays put. */
#include "backends/kvm/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

struct netns_job {
	struct tap_netns *n;
	struct vb_error *err;
	int rc;
};

static int netns_if(int sock, const char *name, const char *addr, struct vb_error *err)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (addr) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ifr.ifr_addr;
		sin->sin_family = AF_INET;
		inet_pton(AF_INET, addr, &sin->sin_addr);
		if (ioctl(sock, SIOCSIFADDR, &ifr) < 0)
			return error_set_errno(err, "netns: address %s on %s", addr, name);
		sin->sin_addr.s_addr = htonl(~0u << (32 - TAP_PREFIX));
		if (ioctl(sock, SIOCSIFNETMASK, &ifr) < 0)
			return error_set_errno(err, "netns: netmask on %s", name);
	}
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) < 0)
		return error_set_errno(err, "netns: flags of %s", name);
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sock, SIOCSIFFLAGS, &ifr) < 0)
		return error_set_errno(err, "netns: bring %s up", name);
	return 0;
}

static void *netns_thread(void *arg)
{
	struct netns_job *job = arg;
	struct tap_netns *n = job->n;
	job->rc = -1;
	/* unshare() in this thread only: the rest of vbench stays in the host's namespace. */
	if (unshare(CLONE_NEWNET) < 0) {
		error_set_errno(job->err, "netns: unshare(CLONE_NEWNET)");
		return NULL;
	}
	n->ns_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (n->ns_fd < 0) {
		error_set_errno(job->err, "netns: open /proc/thread-self/ns/net");
		return NULL;
	}
	n->tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (n->tap_fd < 0) {
		error_set_errno(job->err, "netns: open /dev/net/tun");
		return NULL;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "vbtap0");
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(n->tap_fd, TUNSETIFF, &ifr) < 0) {
		error_set_errno(job->err, "netns: create TAP");
		return NULL;
	}
	int hdr = 12;
	if (ioctl(n->tap_fd, TUNSETVNETHDRSZ, &hdr) < 0) {
		error_set_errno(job->err, "netns: TAP header size");
		return NULL;
	}
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sock < 0) {
		error_set_errno(job->err, "netns: socket");
		return NULL;
	}
	if (netns_if(sock, "lo", NULL, job->err) == 0 &&
	    netns_if(sock, "vbtap0", TAP_HOST_ADDR, job->err) == 0)
		job->rc = 0;
	close(sock);
	return NULL;
}

int tap_create(struct tap_netns *n, struct vb_error *err)
{
	n->ns_fd = n->tap_fd = -1;
	struct netns_job job = { n, err, -1 };
	pthread_t t;
	if (pthread_create(&t, NULL, netns_thread, &job) != 0)
		return error_set(err, "netns: cannot start helper thread");
	pthread_join(t, NULL);
	if (job.rc < 0) {
		tap_destroy(n);
		return -1;
	}
	return 0;
}

void tap_destroy(struct tap_netns *n)
{
	if (n->tap_fd >= 0)
		close(n->tap_fd);
	if (n->ns_fd >= 0)
		close(n->ns_fd);
	n->tap_fd = n->ns_fd = -1;
}
