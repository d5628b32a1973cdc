/* A throw-away network namespace with a TAP in it, made from a helper thread so the process stays put. */
#include "backends/kvm/tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "common/netif.h"

struct netns_job {
	struct tap_netns *n;
	struct vb_error *err;
	int rc;
};

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
	if (netif_up("lo", NULL, 0, job->err) < 0 ||
	    netif_up("vbtap0", TAP_HOST_ADDR, TAP_PREFIX, job->err) < 0) {
		error_prefix(job->err, "netns: ");
		return NULL;
	}
	job->rc = 0;
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
