/* Unit tests for the io.blk and io.net workloads, on a real scratch file and a private network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/loop.h>
#include <linux/seccomp.h>
#include <math.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/clock.h"
#include "common/netif.h"
#include "common/net-peer.h"
#include "workloads/io.h"
#include "workloads/io_blk.h"
#include "workloads/workload.h"

#define DISK_BYTES (16u << 20)
#define PATTERN	   0xa5

static char disk_path[256];

static void smoke_ctx(const char *id, struct workload_ctx *ctx, struct sample_out *out)
{
	const struct workload *w = workload_find(id);
	assert_non_null(w);
	memset(ctx, 0, sizeof(*ctx));
	ctx->workload = w;
	ctx->cpus = 2;
	ctx->seed = 42;
	for (size_t p = 0; p < workload_param_count(w); p++)
		ctx->params[p] = w->params[p].value[SUITE_SMOKE];
	memset(out, 0, sizeof(*out)); /* as the agent does: no note, no sizes, no unknown name */
	for (int m = 0; m < WORKLOAD_MAX_METRICS; m++)
		out->value[m] = NAN;
}

static double metric(const struct workload_ctx *ctx, const struct sample_out *out, const char *name)
{
	int i = workload_metric_index(ctx->workload, name);
	assert_true(i >= 0);
	return out->value[i];
}

/* The value of workload id's metric called name. */
static double named(const char *id, const struct sample_out *out, const char *name)
{
	int i = workload_metric_index(workload_find(id), name);
	assert_true(i >= 0);
	return out->value[i];
}

/* Every metric measured and positive; every "<x>_p50_<unit>" no larger than its p99. */
static void check_sample(const struct workload_ctx *ctx, const struct sample_out *out)
{
	const struct workload *w = ctx->workload;
	assert_string_equal(out->unknown_metric, "");
	for (size_t m = 0; m < workload_metric_count(w); m++) {
		const char *name = w->metrics[m].name;
		double v = out->value[m];
		print_message("  %s %s = %.2f %s\n", w->id, name, v, w->metrics[m].unit);
		if (!isfinite(v) || v <= 0)
			fail_msg("%s: metric %s = %g", w->id, name, v);
		const char *p50 = strstr(name, "_p50_");
		if (p50) {
			char p99[64];
			snprintf(p99, sizeof(p99), "%.*s_p99_%s", (int)(p50 - name), name, p50 + 5);
			double hi = metric(ctx, out, p99);
			if (!(v <= hi))
				fail_msg("%s: %s = %g above %s = %g", w->id, name, v, p99, hi);
		}
	}
}

static void test_percentile_interpolates(void **state)
{
	(void)state;
	const double v[] = { 1, 2, 3, 4 };
	assert_true(fabs(io_percentile_sorted(v, 4, 50) - 2.5) < 1e-12);
	assert_true(fabs(io_percentile_sorted(v, 4, 99) - 3.97) < 1e-12);
	assert_true(io_percentile_sorted(v, 4, 0) == 1);
	assert_true(io_percentile_sorted(v, 4, 100) == 4);
	assert_true(io_percentile_sorted(v, 1, 99) == 1);
	assert_true(isnan(io_percentile_sorted(v, 0, 50)));

	struct io_latencies l = { 0 };
	for (int i = 10000; i > 0; i--)
		assert_int_equal(io_latencies_add(&l, i), 0);
	double p50, p99;
	io_latencies_p50_p99(&l, &p50, &p99);
	assert_true(fabs(p50 - 5000.5) < 1e-9);
	assert_true(fabs(p99 - 9900.01) < 1e-9);
	io_latencies_free(&l);
}

/* ---- block I/O ---- */

static const char *const blk_ids[] = { "io.blk.randread", "io.blk.randwrite", "io.blk.seq",
				       "io.blk.fsync" };

static int make_disk(const char *dir, size_t bytes)
{
	snprintf(disk_path, sizeof(disk_path), "%s/vbench-test-io-XXXXXX", dir);
	int fd = mkstemp(disk_path);
	if (fd < 0)
		return -1;
	/* Written, not fallocated: reads of unwritten extents would never reach the device. */
	static unsigned char block[1 << 20];
	memset(block, PATTERN, sizeof(block));
	for (size_t off = 0; off < bytes; off += sizeof(block)) {
		size_t n = bytes - off < sizeof(block) ? bytes - off : sizeof(block);
		if (pwrite(fd, block, n, (off_t)off) != (ssize_t)n) {
			close(fd);
			unlink(disk_path);
			return -1;
		}
	}
	fsync(fd);
	close(fd);
	return 0;
}

/* A scratch file on a filesystem with O_DIRECT (tmpfs has none). */
static int setup_disk(void **state)
{
	static const char *const dirs[] = { "build", "/var/tmp", "/tmp" };
	(void)state;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		if (make_disk(dirs[i], DISK_BYTES) != 0)
			continue;
		int fd = open(disk_path, O_RDWR | O_DIRECT);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		unlink(disk_path);
	}
	disk_path[0] = '\0';
	return 0;
}

static int teardown_disk(void **state)
{
	(void)state;
	if (disk_path[0])
		unlink(disk_path);
	return 0;
}

#define NEED_DISK()                                                                                \
	do {                                                                                       \
		if (!disk_path[0]) {                                                               \
			print_message("skip: no directory here supports O_DIRECT\n");              \
			skip();                                                                    \
		}                                                                                  \
	} while (0)

static void test_blk_without_disk_is_unsupported(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(blk_ids) / sizeof(blk_ids[0]); i++) {
		struct workload_ctx ctx;
		struct sample_out out = { 0 };
		struct vb_error err = { 0 };
		smoke_ctx(blk_ids[i], &ctx, &out);
		assert_int_equal(ctx.workload->run(&ctx, &out, &err), WORKLOAD_UNSUPPORTED);
		assert_string_equal(err.message, "no scratch disk attached");
	}
}

/* 4 KiB blocks of the disk that no longer hold the fill pattern. */
static size_t changed_blocks(void)
{
	static unsigned char block[4096], pattern[4096];
	memset(pattern, PATTERN, sizeof(pattern));
	int fd = open(disk_path, O_RDONLY);
	assert_true(fd >= 0);
	size_t changed = 0;
	for (off_t off = 0; pread(fd, block, sizeof(block), off) == (ssize_t)sizeof(block);
	     off += (off_t)sizeof(block))
		changed += memcmp(block, pattern, sizeof(block)) != 0;
	close(fd);
	return changed;
}

static void run_blk(const char *id, const char *path, double engine, struct sample_out *out)
{
	struct workload_ctx ctx;
	struct vb_error err = { 0 };
	smoke_ctx(id, &ctx, out);
	ctx.disk_path = path;
	int e = workload_param_index(ctx.workload, "engine");
	if (e >= 0 && engine > 0)
		ctx.params[e] = engine;
	uint64_t t0 = clock_now_ns();
	int rc = ctx.workload->run(&ctx, out, &err);
	print_message("%s on %s: %.0f ms\n", id, path, (double)(clock_now_ns() - t0) / 1e6);
	if (rc != 0)
		fail_msg("%s: rc %d: %s", id, rc, err.message);
	check_sample(&ctx, out);
}

static void test_blk_workloads_on_a_file(void **state)
{
	(void)state;
	NEED_DISK();
	struct sample_out out = { 0 };
	struct stat before, after;
	assert_int_equal(stat(disk_path, &before), 0);

	run_blk("io.blk.randread", disk_path, 0, &out);
	double engine = named("io.blk.randread", &out, "engine");
	assert_true(engine == 1 || engine == 2);
	assert_int_equal(changed_blocks(), 0);

	run_blk("io.blk.randwrite", disk_path, 0, &out);
	size_t changed = changed_blocks();
	print_message("  randwrite changed %zu of %u blocks\n", changed, DISK_BYTES / 4096);
	assert_true(changed > 0);

	run_blk("io.blk.seq", disk_path, 0, &out);
	run_blk("io.blk.fsync", disk_path, 0, &out);

	/* Nothing was written past the end: a regular file would have grown. */
	assert_int_equal(stat(disk_path, &after), 0);
	assert_int_equal(after.st_size, before.st_size);
}

static void test_blk_thread_engine(void **state)
{
	(void)state;
	NEED_DISK();
	struct sample_out out = { 0 };
	run_blk("io.blk.randread", disk_path, 2, &out);
	assert_true(named("io.blk.randread", &out, "engine") == 2);
	run_blk("io.blk.randwrite", disk_path, 2, &out);
	assert_true(named("io.blk.randwrite", &out, "engine") == 2);
}

/* A container's seccomp profile refusing io_uring, as Docker's default does: threads take over. */
static void test_blk_falls_back_when_io_uring_is_refused(void **state)
{
	(void)state;
	NEED_DISK();
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sock_filter code[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { sizeof(code) / sizeof(code[0]), code };
		double result[2] = { -1, NAN };
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
		    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0) {
			struct workload_ctx ctx;
			struct sample_out out = { 0 };
			struct vb_error err = { 0 };
			smoke_ctx("io.blk.randread", &ctx, &out);
			ctx.disk_path = disk_path;
			result[0] = ctx.workload->run(&ctx, &out, &err);
			result[1] = metric(&ctx, &out, "engine");
		}
		_exit(write(p[1], result, sizeof(result)) == sizeof(result) ? 0 : 1);
	}
	close(p[1]);
	double result[2];
	assert_int_equal(read(p[0], result, sizeof(result)), sizeof(result));
	close(p[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(result[0] == 0);
	assert_true(result[1] == 2);
}

/* The VM gives a block device, not a file: a loop device over the scratch file stands in. */
static void test_blk_on_a_block_device(void **state)
{
	(void)state;
	NEED_DISK();
	int ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	int n = ctl >= 0 ? ioctl(ctl, LOOP_CTL_GET_FREE) : -1;
	if (n < 0) {
		if (ctl >= 0)
			close(ctl);
		print_message("skip: no loop devices here (%s)\n", strerror(errno));
		skip();
	}
	char dev[64];
	snprintf(dev, sizeof(dev), "/dev/loop%d", n);
	int loop = open(dev, O_RDWR | O_CLOEXEC);
	int file = open(disk_path, O_RDWR | O_CLOEXEC);
	assert_true(loop >= 0 && file >= 0);
	if (ioctl(loop, LOOP_SET_FD, file) != 0) {
		print_message("skip: LOOP_SET_FD on %s: %s\n", dev, strerror(errno));
		close(loop);
		close(file);
		close(ctl);
		skip();
	}
	close(file);
	/* Detach when the last descriptor closes, even if an assertion below ends the test. */
	struct loop_info64 info;
	memset(&info, 0, sizeof(info));
	info.lo_flags = LO_FLAGS_AUTOCLEAR;
	assert_int_equal(ioctl(loop, LOOP_SET_STATUS64, &info), 0);
	struct sample_out out = { 0 };
	for (size_t i = 0; i < sizeof(blk_ids) / sizeof(blk_ids[0]); i++)
		run_blk(blk_ids[i], dev, 0, &out);
	close(loop);
	close(ctl);
}

static void test_blk_too_small_disk_is_an_error(void **state)
{
	(void)state;
	NEED_DISK();
	/* Less than the one 1 MiB block io.blk.seq needs; the harness allows 1 MiB and up. */
	char saved[256];
	snprintf(saved, sizeof(saved), "%s", disk_path);
	char dir[256];
	snprintf(dir, sizeof(dir), "%s", disk_path);
	*strrchr(dir, '/') = '\0';
	assert_int_equal(make_disk(dir, 1020u << 10), 0);
	char small[256];
	snprintf(small, sizeof(small), "%s", disk_path);
	snprintf(disk_path, sizeof(disk_path), "%s", saved);

	struct workload_ctx ctx;
	struct sample_out out = { 0 };
	struct vb_error err = { 0 };
	smoke_ctx("io.blk.randread", &ctx, &out);
	ctx.disk_path = small;
	int rc = ctx.workload->run(&ctx, &out, &err);
	unlink(small);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err.message, "too small"));

	ctx.disk_path = "/nonexistent/disk.img";
	assert_int_equal(ctx.workload->run(&ctx, &out, &err), -1);
	assert_non_null(strstr(err.message, "/nonexistent/disk.img"));
}

/* ---- network: everything below runs in a forked child inside its own network namespace ---- */

enum peer_mode { PEER_NORMAL, PEER_HANG_UP, PEER_MISCOUNT };
static volatile int peer_mode;

static void *peer_connection(void *arg)
{
	int fd = (int)(intptr_t)arg & 0xffff, sink = (int)(intptr_t)arg >> 16;
	static __thread char buf[64 << 10];
	uint64_t count = 0;
	ssize_t n;
	if (peer_mode == PEER_HANG_UP) {
		close(fd);
		return NULL;
	}
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		count += (uint64_t)n;
		if (!sink && send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n)
			break;
	}
	if (sink && n == 0) {
		unsigned char le[8];
		if (peer_mode == PEER_MISCOUNT)
			count++;
		for (int i = 0; i < 8; i++)
			le[i] = (unsigned char)(count >> (8 * i));
		send(fd, le, sizeof(le), MSG_NOSIGNAL);
	}
	close(fd);
	return NULL;
}

static void *peer_listener(void *arg)
{
	int lfd = (int)(intptr_t)arg & 0xffff, sink = (int)(intptr_t)arg >> 16;
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		if (fd < 0)
			continue;
		pthread_t th;
		if (pthread_create(&th, NULL, peer_connection,
				   (void *)(intptr_t)(fd | sink << 16)) == 0)
			pthread_detach(th);
		else
			close(fd);
	}
	return NULL;
}

static int peer_listen(uint32_t ip, int port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)port),
				  .sin_addr.s_addr = htonl(ip) };
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 16) != 0)
		return -1;
	return fd;
}

static int peer_start(int port, int sink)
{
	int fd = peer_listen(INADDR_LOOPBACK, port);
	pthread_t th;
	if (fd < 0 ||
	    pthread_create(&th, NULL, peer_listener, (void *)(intptr_t)(fd | sink << 16)) != 0)
		return -1;
	pthread_detach(th);
	return 0;
}

struct net_run {
	int rc;
	char message[ERROR_MESSAGE_MAX];
	struct sample_out out;
	double ms;
};

struct net_report {
	int skipped;
	char skip_reason[128];
	struct net_run no_peer, refused, hung_up, miscounted, silent, rr, stream;
	/* against the shared server (common/net-peer.c) on ports the kernel picked */
	struct net_run served_rr, served_stream;
	char served_addr[NETPEER_ADDR_MAX];
	int served_held;    /* a connection was open (echoed) when the server was stopped */
	int served_left;    /* processes of the server's left after net_peer_stop, as ours */
	int served_refused; /* its port refuses connections afterwards */
};

static void net_run(const char *id, const char *peer, struct net_run *r)
{
	struct workload_ctx ctx;
	struct vb_error err = { 0 };
	smoke_ctx(id, &ctx, &r->out);
	ctx.peer_addr = peer;
	uint64_t t0 = clock_now_ns();
	r->rc = ctx.workload->run(&ctx, &r->out, &err);
	r->ms = (double)(clock_now_ns() - t0) / 1e6;
	snprintf(r->message, sizeof(r->message), "%s", err.message);
}

static void bring_up_loopback(struct net_report *rep)
{
	struct vb_error err;
	if (netif_up("lo", NULL, 0, &err) < 0) {
		rep->skipped = 1;
		snprintf(rep->skip_reason, sizeof(rep->skip_reason), "%.120s", err.message);
	}
}

/* A peer that accepts (the kernel does, from the backlog) but never answers. */
static void *silent_peer_client(void *arg)
{
	net_run("io.net.rr", "127.0.0.2", arg);
	return NULL;
}

/* One byte echoed on a fresh connection to ip:port; the fd (left open), or -1 with errno. */
static int echo_once(in_addr_t ip, uint16_t port)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	sa.sin_addr.s_addr = ip;
	char c = 'x', back = 0;
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    send(fd, &c, 1, MSG_NOSIGNAL) != 1 || recv(fd, &back, 1, 0) != 1 || back != c) {
		int saved = errno;
		if (fd >= 0)
			close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/*
 * The server the harness and the agent share, as the agent runs it (127.0.0.1, ports the
 * kernel picks): the workloads against it, then net_peer_stop with a connection still open.
 * As a child subreaper, a connection handler orphaned by the stop would become our child.
 */
static void net_served(struct net_report *rep)
{
	struct net_peer_addr a = { .ip.s_addr = htonl(INADDR_LOOPBACK) };
	struct vb_error err = { 0 };
	int e = net_peer_listen(a.ip.s_addr, 0, &a.echo_port, &err);
	int s = e < 0 ? -1 : net_peer_listen(a.ip.s_addr, 0, &a.sink_port, &err);
	if (s < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0 ||
	    net_peer_format(&a, rep->served_addr, sizeof(rep->served_addr)) < 0) {
		rep->served_rr.rc = -2;
		snprintf(rep->served_rr.message, sizeof(rep->served_rr.message),
			 "setting up: %.200s", err.message);
		return;
	}
	pid_t server = fork();
	if (server == 0) {
		net_peer_serve(e, s);
		_exit(0);
	}
	close(e);
	close(s);
	if (server < 0) {
		rep->served_rr.rc = -2;
		snprintf(rep->served_rr.message, sizeof(rep->served_rr.message), "fork");
		return;
	}
	net_run("io.net.rr", rep->served_addr, &rep->served_rr);
	net_run("io.net.stream", rep->served_addr, &rep->served_stream);
	int held = echo_once(a.ip.s_addr, a.echo_port);
	rep->served_held = held >= 0;
	net_peer_stop(server);
	rep->served_left = !(waitpid(-1, NULL, WNOHANG) < 0 && errno == ECHILD);
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (held >= 0)
		close(held);
	int after = echo_once(a.ip.s_addr, a.echo_port);
	rep->served_refused = after < 0 && errno == ECONNREFUSED;
	if (after >= 0)
		close(after);
}

/* The child: a private network namespace, the peer as threads, the workloads against it. */
static void net_child(int out_fd)
{
	static struct net_report rep;
	if (unshare(CLONE_NEWNET) != 0) {
		rep.skipped = 1;
		snprintf(rep.skip_reason, sizeof(rep.skip_reason),
			 "unshare(CLONE_NEWNET): %s (needs root)", strerror(errno));
	} else {
		bring_up_loopback(&rep);
	}
	if (!rep.skipped) {
		net_run("io.net.rr", NULL, &rep.no_peer);
		net_run("io.net.rr", "127.0.0.1", &rep.refused); /* nothing listens yet */
		if (peer_start(NETPEER_ECHO_PORT, 0) != 0 ||
		    peer_start(NETPEER_SINK_PORT, 1) != 0) {
			rep.skipped = 1;
			snprintf(rep.skip_reason, sizeof(rep.skip_reason), "peer: %s",
				 strerror(errno));
		}
	}
	pthread_t silent;
	int silent_started = 0;
	if (!rep.skipped && peer_listen(INADDR_LOOPBACK + 1, NETPEER_ECHO_PORT) >= 0)
		/* It waits out the workload's 10 s timeout, so it runs beside the others. */
		silent_started =
			pthread_create(&silent, NULL, silent_peer_client, &rep.silent) == 0;
	if (!rep.skipped) {
		peer_mode = PEER_HANG_UP;
		net_run("io.net.rr", "127.0.0.1", &rep.hung_up);
		peer_mode = PEER_MISCOUNT;
		net_run("io.net.stream", "127.0.0.1", &rep.miscounted);
		peer_mode = PEER_NORMAL;
		net_run("io.net.rr", "127.0.0.1:7001", &rep.rr);
		net_run("io.net.stream", "127.0.0.1", &rep.stream);
		net_served(&rep);
	}
	if (silent_started)
		pthread_join(silent, NULL);
	else
		snprintf(rep.silent.message, sizeof(rep.silent.message), "not started");
	ssize_t w = write(out_fd, &rep, sizeof(rep));
	_exit(w == (ssize_t)sizeof(rep) ? 0 : 1);
}

static void test_net_workloads_in_a_private_namespace(void **state)
{
	(void)state;
	static struct net_report rep;
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		net_child(p[1]);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(rep) && (n = read(p[0], (char *)&rep + got, sizeof(rep) - got)) > 0)
		got += (size_t)n;
	close(p[0]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(got, sizeof(rep));
	if (rep.skipped) {
		print_message("skip: %s\n", rep.skip_reason);
		skip();
	}

	assert_int_equal(rep.no_peer.rc, WORKLOAD_UNSUPPORTED);
	assert_string_equal(rep.no_peer.message, "no network peer");
	print_message("refused: %s\nhung up: %s\nmiscounted: %s\n", rep.refused.message,
		      rep.hung_up.message, rep.miscounted.message);
	assert_int_equal(rep.refused.rc, -1);
	assert_non_null(strstr(rep.refused.message, "Connection refused"));
	assert_int_equal(rep.hung_up.rc, -1);
	assert_true(strstr(rep.hung_up.message, "closed") || strstr(rep.hung_up.message, "reset"));
	assert_int_equal(rep.miscounted.rc, -1);
	assert_non_null(strstr(rep.miscounted.message, "peer counted"));
	print_message("silent: %s (after %.0f ms)\n", rep.silent.message, rep.silent.ms);
	assert_int_equal(rep.silent.rc, -1);
	assert_non_null(strstr(rep.silent.message, "no answer from peer"));

	struct workload_ctx ctx;
	struct sample_out unused = { 0 };
	if (rep.rr.rc != 0)
		fail_msg("io.net.rr: %s", rep.rr.message);
	smoke_ctx("io.net.rr", &ctx, &unused);
	print_message("io.net.rr: %.0f ms\n", rep.rr.ms);
	check_sample(&ctx, &rep.rr.out);
	if (rep.stream.rc != 0)
		fail_msg("io.net.stream: %s", rep.stream.message);
	smoke_ctx("io.net.stream", &ctx, &unused);
	print_message("io.net.stream: %.0f ms\n", rep.stream.ms);
	check_sample(&ctx, &rep.stream.out);

	/* the shared server on the ports it was given, and nothing of it left once stopped */
	print_message("served at %s\n", rep.served_addr);
	if (rep.served_rr.rc != 0)
		fail_msg("io.net.rr against the shared server: %s", rep.served_rr.message);
	smoke_ctx("io.net.rr", &ctx, &unused);
	check_sample(&ctx, &rep.served_rr.out);
	if (rep.served_stream.rc != 0)
		fail_msg("io.net.stream against the shared server: %s", rep.served_stream.message);
	smoke_ctx("io.net.stream", &ctx, &unused);
	check_sample(&ctx, &rep.served_stream.out);
	assert_true(rep.served_held);
	assert_false(rep.served_left);
	assert_true(rep.served_refused);
}

/* io.blk.randread on a file made by make(fd) must fail with a message containing expected. */
static void run_on_unwritten_file(int (*make)(int fd), const char *expected)
{
	NEED_DISK();
	char path[sizeof(disk_path) + 16];
	snprintf(path, sizeof(path), "%s.unwritten", disk_path);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	if (make(fd) != 0) {
		close(fd);
		unlink(path);
		print_message("skip: cannot make the file here: %s\n", strerror(errno));
		skip();
	}
	close(fd);
	struct workload_ctx ctx;
	struct sample_out out = { 0 };
	struct vb_error err = { 0 };
	smoke_ctx("io.blk.randread", &ctx, &out);
	ctx.disk_path = path;
	int rc = ctx.workload->run(&ctx, &out, &err);
	unlink(path);
	print_message("%s\n", err.message);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err.message, expected));
}

static int make_fallocated(int fd)
{
	return fallocate(fd, 0, 0, DISK_BYTES);
}

static int make_sparse(int fd)
{
	/* Data in the first and last MiB only: a hole in the middle. */
	static char mib[1 << 20];
	memset(mib, 1, sizeof(mib));
	if (pwrite(fd, mib, sizeof(mib), 0) != sizeof(mib) ||
	    pwrite(fd, mib, sizeof(mib), DISK_BYTES - sizeof(mib)) != sizeof(mib))
		return -1;
	return fsync(fd);
}

/* Reads of holes and unwritten extents never reach the device: such a disk is refused. */
static void test_blk_refuses_unwritten_files(void **state)
{
	(void)state;
	run_on_unwritten_file(make_fallocated, "unwritten (fallocated) blocks at offset 0");
	run_on_unwritten_file(make_sparse, "hole at offset 1048576");
}

/* The harness's way to make a scratch disk gives one every io.blk workload accepts. */
static void test_blk_create_scratch(void **state)
{
	(void)state;
	NEED_DISK();
	char path[sizeof(disk_path) + 16];
	struct vb_error err = { 0 };
	struct stat st;
	snprintf(path, sizeof(path), "%s.scratch", disk_path);
	assert_int_equal(io_blk_create_scratch(path, (3u << 20) + 1, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 4u << 20);
	assert_int_equal(st.st_mode & 0777, 0600);
	struct sample_out out = { 0 };
	for (size_t i = 0; i < sizeof(blk_ids) / sizeof(blk_ids[0]); i++)
		run_blk(blk_ids[i], path, 0, &out);
	/* Replacing a sparse file leaves a written one. */
	assert_int_equal(truncate(path, 64u << 20), 0);
	assert_int_equal(io_blk_create_scratch(path, 2u << 20, &err), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 2u << 20);
	run_blk("io.blk.randread", path, 0, &out);
	unlink(path);

	assert_int_equal(io_blk_create_scratch("/nonexistent/dir/disk.img", 1 << 20, &err), -1);
	assert_non_null(strstr(err.message, "/nonexistent/dir/disk.img"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_percentile_interpolates),
		cmocka_unit_test(test_blk_without_disk_is_unsupported),
		cmocka_unit_test(test_blk_workloads_on_a_file),
		cmocka_unit_test(test_blk_thread_engine),
		cmocka_unit_test(test_blk_falls_back_when_io_uring_is_refused),
		cmocka_unit_test(test_blk_on_a_block_device),
		cmocka_unit_test(test_blk_too_small_disk_is_an_error),
		cmocka_unit_test(test_blk_refuses_unwritten_files),
		cmocka_unit_test(test_blk_create_scratch),
		cmocka_unit_test(test_net_workloads_in_a_private_namespace),
	};
	return cmocka_run_group_tests(tests, setup_disk, teardown_disk);
}
