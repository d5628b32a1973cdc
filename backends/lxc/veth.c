/* The container's network: a veth pair to a peer namespace vbench creates, set up over rtnetlink. */
#include "backends/lxc/veth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define NL_BUF 1024

struct nl_request {
	struct nlmsghdr *hdr;
	char buf[NL_BUF] __attribute__((aligned(NLMSG_ALIGNTO)));
};

/* ---- message building ---- */

static void *nl_init(struct nl_request *req, uint16_t type, uint16_t flags, size_t body)
{
	memset(req->buf, 0, sizeof(req->buf));
	req->hdr = (struct nlmsghdr *)req->buf;
	req->hdr->nlmsg_len = NLMSG_LENGTH(body);
	req->hdr->nlmsg_type = type;
	req->hdr->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	return NLMSG_DATA(req->hdr);
}

/* Requests are built from constants and interface names, so the buffer cannot overflow them. */
static struct rtattr *nl_attr(struct nl_request *req, uint16_t type, const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)(req->buf + NLMSG_ALIGN(req->hdr->nlmsg_len));
	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	req->hdr->nlmsg_len = NLMSG_ALIGN(req->hdr->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

static struct rtattr *nl_nest_begin(struct nl_request *req, uint16_t type)
{
	return nl_attr(req, type, NULL, 0);
}

static void nl_nest_end(struct nl_request *req, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((req->buf + req->hdr->nlmsg_len) - (char *)nest);
}

/* ---- talking to the kernel ---- */

static int nl_open(struct vb_error *err)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0)
		return error_set_errno(err, "netns: netlink socket");
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		error_set_errno(err, "netns: bind netlink socket");
		close(fd);
		return -1;
	}
	return fd;
}

/* Send one request and wait for its acknowledgement. */
static int nl_transact(int fd, struct nl_request *req, const char *what, struct vb_error *err)
{
	static uint32_t seq;
	req->hdr->nlmsg_seq = ++seq;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (sendto(fd, req->buf, req->hdr->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return error_set_errno(err, "netns: %s: send", what);
	char reply[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		ssize_t n = recv(fd, reply, sizeof(reply), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return error_set_errno(err, "netns: %s: receive", what);
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, (size_t)n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != req->hdr->nlmsg_seq || h->nlmsg_type != NLMSG_ERROR)
				continue;
			struct nlmsgerr *e = NLMSG_DATA(h);
			if (e->error == 0)
				return 0;
			errno = -e->error;
			return error_set_errno(err, "netns: %s", what);
		}
	}
}

static int link_up(int fd, const char *ifname, struct vb_error *err)
{
	struct nl_request req;
	struct ifinfomsg *ifi = nl_init(&req, RTM_NEWLINK, 0, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_flags = IFF_UP;
	ifi->ifi_change = IFF_UP;
	nl_attr(&req, IFLA_IFNAME, ifname, strlen(ifname) + 1);
	char what[64];
	snprintf(what, sizeof(what), "set %s up", ifname);
	return nl_transact(fd, &req, what, err);
}

static int address_add(int fd, const char *ifname, const char *addr, struct vb_error *err)
{
	unsigned index = if_nametoindex(ifname);
	if (!index)
		return error_set_errno(err, "netns: interface %s", ifname);
	struct in_addr in;
	if (inet_pton(AF_INET, addr, &in) != 1)
		return error_set(err, "netns: bad address %s", addr);
	struct nl_request req;
	struct ifaddrmsg *ifa = nl_init(&req, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = VETH_PREFIX_LEN;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	ifa->ifa_index = index;
	nl_attr(&req, IFA_LOCAL, &in, sizeof(in));
	nl_attr(&req, IFA_ADDRESS, &in, sizeof(in));
	char what[96];
	snprintf(what, sizeof(what), "add %s/%d to %s", addr, VETH_PREFIX_LEN, ifname);
	return nl_transact(fd, &req, what, err);
}

/* The veth is born in the peer namespace; its other end goes straight to the container's. */
static int veth_create(int fd, pid_t container_pid, struct vb_error *err)
{
	struct nl_request req;
	struct ifinfomsg *ifi = nl_init(&req, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	nl_attr(&req, IFLA_IFNAME, VETH_PEER_IFNAME, sizeof(VETH_PEER_IFNAME));
	struct rtattr *linkinfo = nl_nest_begin(&req, IFLA_LINKINFO);
	nl_attr(&req, IFLA_INFO_KIND, "veth", sizeof("veth"));
	struct rtattr *data = nl_nest_begin(&req, IFLA_INFO_DATA);
	struct rtattr *peer = nl_nest_begin(&req, VETH_INFO_PEER);
	struct ifinfomsg peer_ifi = { .ifi_family = AF_UNSPEC };
	memcpy(req.buf + req.hdr->nlmsg_len, &peer_ifi, sizeof(peer_ifi));
	req.hdr->nlmsg_len += NLMSG_ALIGN(sizeof(peer_ifi));
	nl_attr(&req, IFLA_IFNAME, VETH_CONTAINER_IFNAME, sizeof(VETH_CONTAINER_IFNAME));
	uint32_t pid = (uint32_t)container_pid;
	nl_attr(&req, IFLA_NET_NS_PID, &pid, sizeof(pid));
	nl_nest_end(&req, peer);
	nl_nest_end(&req, data);
	nl_nest_end(&req, linkinfo);
	return nl_transact(fd, &req, "create veth pair", err);
}

/* ---- namespace switching (this thread only) ---- */

static int netns_enter(int target_fd, int *saved_fd, struct vb_error *err)
{
	*saved_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (*saved_fd < 0)
		return error_set_errno(err, "netns: open own network namespace");
	if (setns(target_fd, CLONE_NEWNET) < 0) {
		error_set_errno(err, "netns: setns");
		close(*saved_fd);
		return -1;
	}
	return 0;
}

static int netns_leave(int saved_fd, struct vb_error *err)
{
	int rc = 0;
	if (setns(saved_fd, CLONE_NEWNET) < 0)
		rc = error_set_errno(err, "netns: cannot return to the original network namespace");
	close(saved_fd);
	return rc;
}

/* Run `fn` with a netlink socket opened inside the namespace `ns_fd`. */
static int with_netlink_in(int ns_fd, int (*fn)(int nl, void *arg, struct vb_error *err), void *arg,
			   struct vb_error *err)
{
	int saved;
	if (netns_enter(ns_fd, &saved, err) < 0)
		return -1;
	int nl = nl_open(err);
	int rc = nl < 0 ? -1 : fn(nl, arg, err);
	if (nl >= 0)
		close(nl);
	struct vb_error leave_err;
	if (netns_leave(saved, &leave_err) < 0) {
		if (err)
			*err = leave_err;
		return -1;
	}
	return rc;
}

static int peer_setup(int nl, void *arg, struct vb_error *err)
{
	(void)arg;
	return link_up(nl, "lo", err);
}

int veth_peer_create(struct veth_peer *peer, struct vb_error *err)
{
	peer->fd = -1;
	peer->path[0] = '\0';
	int saved = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (saved < 0)
		return error_set_errno(err, "netns: open own network namespace");
	if (unshare(CLONE_NEWNET) < 0) {
		error_set_errno(err, "netns: unshare network namespace");
		close(saved);
		return -1;
	}
	peer->fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	int open_errno = errno;
	if (netns_leave(saved, err) < 0) {
		/* Stuck in the new namespace: the caller must not carry on as if nothing happened. */
		if (peer->fd >= 0)
			close(peer->fd);
		peer->fd = -1;
		return -1;
	}
	if (peer->fd < 0) {
		errno = open_errno;
		return error_set_errno(err, "netns: open new network namespace");
	}
	snprintf(peer->path, sizeof(peer->path), "/proc/%d/fd/%d", (int)getpid(), peer->fd);
	if (with_netlink_in(peer->fd, peer_setup, NULL, err) < 0) {
		veth_peer_destroy(peer);
		return error_prefix(err, "peer namespace: ");
	}
	return 0;
}

static int peer_link(int nl, void *arg, struct vb_error *err)
{
	pid_t pid = *(pid_t *)arg;
	if (veth_create(nl, pid, err) < 0)
		return -1;
	if (address_add(nl, VETH_PEER_IFNAME, VETH_PEER_ADDR, err) < 0)
		return -1;
	return link_up(nl, VETH_PEER_IFNAME, err);
}

static int container_link(int nl, void *arg, struct vb_error *err)
{
	(void)arg;
	if (link_up(nl, "lo", err) < 0)
		return -1;
	if (address_add(nl, VETH_CONTAINER_IFNAME, VETH_CONTAINER_ADDR, err) < 0)
		return -1;
	return link_up(nl, VETH_CONTAINER_IFNAME, err);
}

int veth_link_container(struct veth_peer *peer, pid_t container_pid, struct vb_error *err)
{
	if (peer->fd < 0)
		return error_set(err, "netns: no peer namespace");
	if (with_netlink_in(peer->fd, peer_link, &container_pid, err) < 0)
		return error_prefix(err, "peer side: ");
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)container_pid);
	int cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		return error_set_errno(err, "netns: open %s", path);
	int rc = with_netlink_in(cfd, container_link, NULL, err);
	close(cfd);
	return rc < 0 ? error_prefix(err, "container side: ") : 0;
}

/* Run fn with a netlink socket in the calling thread's current network namespace. */
static int with_netlink_here(int (*fn)(int nl, void *arg, struct vb_error *err), void *arg,
			     struct vb_error *err)
{
	int nl = nl_open(err);
	if (nl < 0)
		return -1;
	int rc = fn(nl, arg, err);
	close(nl);
	return rc;
}

/*
 * The helper's side, in a process of its own that never needs to come back: returns the peer
 * namespace fd to send, or -1 with err filled.
 */
static int helper_link(pid_t container_pid, struct vb_error *err)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)container_pid);
	int userns = open(path, O_RDONLY | O_CLOEXEC);
	if (userns < 0)
		return error_set_errno(err, "netns: open %s", path);
	int rc = setns(userns, CLONE_NEWUSER);
	close(userns);
	if (rc < 0)
		return error_set_errno(err, "netns: join the container's user namespace");
	if (unshare(CLONE_NEWNET) < 0)
		return error_set_errno(err, "netns: unshare network namespace");
	int peer_fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (peer_fd < 0)
		return error_set_errno(err, "netns: open new network namespace");
	if (with_netlink_here(peer_setup, NULL, err) < 0 ||
	    with_netlink_here(peer_link, &container_pid, err) < 0)
		return error_prefix(err, "peer side: ");
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)container_pid);
	int cfd = open(path, O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		return error_set_errno(err, "netns: open %s", path);
	rc = setns(cfd, CLONE_NEWNET);
	close(cfd);
	if (rc < 0)
		return error_set_errno(err, "netns: enter the container's network namespace");
	if (with_netlink_here(container_link, NULL, err) < 0)
		return error_prefix(err, "container side: ");
	return peer_fd;
}

int veth_link_container_userns(struct veth_peer *peer, pid_t container_pid, struct vb_error *err)
{
	int sv[2];
	peer->fd = -1;
	peer->path[0] = '\0';
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return error_set_errno(err, "netns: socketpair");
	/* A forked helper has one thread, as joining a user namespace requires. */
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return error_set_errno(err, "netns: fork");
	}
	if (pid == 0) {
		struct vb_error herr = { 0 };
		int fd = helper_link(container_pid, &herr);
		char msg[ERROR_MESSAGE_MAX];
		size_t len = fd >= 0 ? 1 : strnlen(herr.message, sizeof(herr.message));
		memcpy(msg, fd >= 0 ? "+" : herr.message, len);
		struct iovec iov = { .iov_base = msg, .iov_len = len };
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} control;
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (fd >= 0) {
			mh.msg_control = control.buf;
			mh.msg_controllen = sizeof(control.buf);
			struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		_exit(sendmsg(sv[1], &mh, 0) < 0 ? 2 : 0);
	}
	close(sv[1]);
	char msg[ERROR_MESSAGE_MAX];
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(msg) - 1 };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control.buf,
			     .msg_controllen = sizeof(control.buf) };
	ssize_t n;
	do
		n = recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	int saved = errno;
	close(sv[0]);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (n <= 0) {
		errno = n < 0 ? saved : EPIPE;
		return error_set_errno(err, "netns: the network helper did not answer");
	}
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	if (msg[0] != '+' || n != 1 || !c || c->cmsg_type != SCM_RIGHTS) {
		msg[n] = '\0';
		return error_set(err, "%s", msg);
	}
	memcpy(&peer->fd, CMSG_DATA(c), sizeof(int));
	snprintf(peer->path, sizeof(peer->path), "/proc/%d/fd/%d", (int)getpid(), peer->fd);
	return 0;
}

void veth_peer_destroy(struct veth_peer *peer)
{
	if (peer->fd >= 0)
		close(peer->fd);
	peer->fd = -1;
	peer->path[0] = '\0';
}
