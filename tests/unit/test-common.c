/*
 * Unit tests for the utility layer common/: the clock, atomic files, the size grammar, network
 * interfaces (in a private network namespace), the io.net peer's address grammar, the executable's directory, the RNG and the
 * cleanup attributes, each with known answers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "common/cleanup.h"
#include "common/clock.h"
#include "common/file.h"
#include "common/net-peer.h"
#include "common/netif.h"
#include "common/path.h"
#include "common/rng.h"
#include "common/size.h"

/* ---- clock ---- */

static void test_clock(void **state)
{
	(void)state;
	struct timespec ts = { .tv_sec = 3, .tv_nsec = 5 };
	assert_true(clock_timespec_ns(&ts) == 3000000005ull);
	/* one clock in three units: each reading lies between the readings around it */
	uint64_t a = clock_now_ns();
	double ms = clock_now_ms();
	double s = clock_now_s();
	uint64_t b = clock_now_ns();
	assert_true(a <= b);
	assert_true((double)a / 1e6 <= ms && ms <= (double)b / 1e6);
	assert_true((double)a / 1e9 <= s && s <= (double)b / 1e9);
	/* deadlines for poll(): none, passed, and far away */
	assert_int_equal(clock_deadline_ms(-1), -1);
	assert_int_equal(clock_ms_left(-1), -1);
	assert_int_equal(clock_ms_left(0), 0);
	assert_int_equal(clock_ms_left(clock_deadline_ms(0) - 1), 0);
	int left = clock_ms_left(clock_deadline_ms(1000000000));
	assert_true(left > 0 && left <= 1000000000);
	assert_int_equal(clock_ms_left(INT64_MAX / 2), INT_MAX);
}

/* ---- the io.net peer's address ---- */

static void test_net_peer_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		const char *ip;
		uint16_t echo, sink;
	} good[] = {
		/* no ports: the fixed pair; the echo port alone: the sink on the next one */
		{ "10.0.2.2", "10.0.2.2", NETPEER_ECHO_PORT, NETPEER_SINK_PORT },
		{ "10.0.2.2:7001", "10.0.2.2", 7001, 7002 },
		{ "127.0.0.1:41000", "127.0.0.1", 41000, 41001 },
		/* both, as the agent's own peer names the ports the kernel picked */
		{ "127.0.0.1:41000,35000", "127.0.0.1", 41000, 35000 },
		{ "127.0.0.1:1,65535", "127.0.0.1", 1, 65535 },
		{ "127.0.0.1:65534", "127.0.0.1", 65534, 65535 },
		{ "127.0.0.1:00080,7", "127.0.0.1", 80, 7 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct net_peer_addr a;
		struct vb_error err = { 0 };
		if (net_peer_parse(good[i].text, &a, &err) != 0)
			fail_msg("%s: %s", good[i].text, err.message);
		char ip[INET_ADDRSTRLEN];
		assert_non_null(inet_ntop(AF_INET, &a.ip, ip, sizeof(ip)));
		assert_string_equal(ip, good[i].ip);
		assert_int_equal(a.echo_port, good[i].echo);
		assert_int_equal(a.sink_port, good[i].sink);
		/* what it formats reads back the same */
		char text[NETPEER_ADDR_MAX];
		struct net_peer_addr again;
		assert_true(net_peer_format(&a, text, sizeof(text)) > 0);
		assert_int_equal(net_peer_parse(text, &again, NULL), 0);
		assert_memory_equal(&a, &again, sizeof(a));
	}
	static const char *const bad[] = {
		"",
		"localhost",
		"::1",
		"1.2.3.4.5",
		"10.0.2.2:",
		"10.0.2.2:0",
		"10.0.2.2:65536",
		/* the sink would be past the last port */
		"10.0.2.2:65535",
		"10.0.2.2:7001,",
		"10.0.2.2:7001,0",
		"10.0.2.2:7001,7002,7003",
		"10.0.2.2:+7001",
		"10.0.2.2:7001x",
		"10.0.2.2: 7001",
		"10.0.2.2:123456",
		"10.0.2.2:7001:7002",
		"10.0.2.2:,7002",
		"10.0.2.2:-1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct net_peer_addr a;
		struct vb_error err = { 0 };
		if (net_peer_parse(bad[i], &a, &err) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_non_null(strstr(err.message, "peer \""));
	}
	struct net_peer_addr a;
	assert_int_equal(net_peer_parse("255.255.255.255:65535,65535", &a, NULL), 0);
	char text[NETPEER_ADDR_MAX], small[20];
	assert_int_equal(net_peer_format(&a, text, sizeof(text)), 27);
	assert_string_equal(text, "255.255.255.255:65535,65535");
	assert_int_equal(net_peer_format(&a, small, sizeof(small)), -1);
}

/* ---- atomic files ---- */

static size_t entries_in(const char *dir)
{
	DIR *d = opendir(dir);
	assert_non_null(d);
	size_t n = 0;
	for (struct dirent *e; (e = readdir(d));)
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	closedir(d);
	return n;
}

static void assert_file_holds(const char *path, const char *text)
{
	char buf[256] = { 0 };
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	assert_int_equal(n, (ssize_t)strlen(text));
	assert_string_equal(buf, text);
}

static void test_file_write_atomic(void **state)
{
	(void)state;
	char dir[64] = "/tmp/vbench-test-common.XXXXXX", path[128], missing[160], taken[160];
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run.json", dir);
	snprintf(missing, sizeof(missing), "%s/no-such-dir/run.json", dir);
	snprintf(taken, sizeof(taken), "%s/taken", dir);
	struct vb_error err;
	assert_int_equal(file_write_atomic(path, "first\n", 6, &err), 0);
	assert_file_holds(path, "first\n");
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	/* replaced whole, and no temporary file left beside it */
	assert_int_equal(file_write_atomic(path, "second", 6, &err), 0);
	assert_file_holds(path, "second");
	assert_int_equal(entries_in(dir), 1);
	assert_int_equal(file_write_atomic(path, "", 0, &err), 0);
	assert_file_holds(path, "");

	/* a path in no directory: an error that names it, nothing created */
	assert_int_equal(file_write_atomic(missing, "x", 1, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.message, missing));
	/* a directory in the way: rename fails, the directory stays, the temporary file goes */
	assert_int_equal(mkdir(taken, 0755), 0);
	assert_int_equal(file_write_atomic(taken, "x", 1, &err), -1);
	assert_non_null(strstr(err.message, "rename"));
	assert_int_equal(stat(taken, &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(entries_in(dir), 2);

	assert_int_equal(rmdir(taken), 0);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Reads a pipe to its end, counting the bytes that differ from the pattern written. */
struct pipe_reader {
	int fd;
	size_t got, wrong;
};

static char pattern_byte(size_t i)
{
	return (char)(i * 7);
}

static void *pipe_reader_main(void *arg)
{
	struct pipe_reader *r = arg;
	char chunk[4096];
	for (ssize_t n; (n = read(r->fd, chunk, sizeof(chunk))) > 0; r->got += (size_t)n)
		for (ssize_t i = 0; i < n; i++)
			r->wrong += chunk[i] != pattern_byte(r->got + (size_t)i);
	return NULL;
}

static void test_file_write_all(void **state)
{
	(void)state;
	/* more than a pipe holds, read as it is written: short writes are carried on */
	enum { LEN = 1 << 20 };
	cleanup_free char *data = malloc(LEN);
	assert_non_null(data);
	for (size_t i = 0; i < LEN; i++)
		data[i] = pattern_byte(i);
	int p[2];
	assert_int_equal(pipe2(p, O_CLOEXEC), 0);
	struct pipe_reader reader = { .fd = p[0] };
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, pipe_reader_main, &reader), 0);
	int rc = file_write_all(p[1], data, LEN);
	close(p[1]);
	pthread_join(t, NULL);
	close(p[0]);
	assert_int_equal(rc, 0);
	assert_int_equal(reader.got, LEN);
	assert_int_equal(reader.wrong, 0);
	/* a closed descriptor: -1 with errno */
	errno = 0;
	assert_int_equal(file_write_all(p[1], "x", 1), -1);
	assert_int_equal(errno, EBADF);
}

/* ---- sizes ---- */

static void test_size_parse(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		uint64_t bytes;
	} good[] = {
		{ "4096", 4096 },
		{ "1", 1 },
		{ "4096K", 4096ull << 10 },
		{ "512M", 512ull << 20 },
		{ "512m", 512ull << 20 },
		{ "1G", 1ull << 30 },
		{ "1GiB", 1ull << 30 },
		{ "1gb", 1ull << 30 },
		{ "1Gi", 1ull << 30 },
		{ "2T", 2ull << 40 },
		{ "1.5GiB", 3ull << 29 },
		{ "0.5K", 512 },
		{ "0.1K", 102 }, /* a fraction of a byte is dropped */
		{ "1.5", 1 },
		{ "18446744073709551615", UINT64_MAX },
		{ "16777215.999999999999999999T", (16777216ull << 40) - 1 },
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		uint64_t v = 0;
		if (size_parse(good[i].text, &v) != 0 || v != good[i].bytes)
			fail_msg("size_parse(\"%s\") gave %llu, not %llu", good[i].text,
				 (unsigned long long)v, (unsigned long long)good[i].bytes);
	}
	static const char *const bad[] = {
		"",
		"G",
		"-1G",
		"+1G",
		" 1G",
		"1G ",
		"12Q",
		"1e3",
		"0x10",
		"1.",
		".5G",
		"0",
		"0.0001",
		"0K",
		"1GG",
		"1KiBB",
		"1B",
		"1iB",
		"1 G",
		"nan",
		"inf",
		"16777216T",
		"18446744073709551616",
		"99999999999999999999999999",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint64_t v = 7;
		if (size_parse(bad[i], &v) != -1 || v != 7)
			fail_msg("size_parse(\"%s\") accepted it (%llu)", bad[i],
				 (unsigned long long)v);
	}
	uint64_t v = 7;
	assert_int_equal(size_parse(NULL, &v), -1);
}

/* ---- network interfaces, in a network namespace of a thread of its own ---- */

struct netif_probe {
	int skipped;
	char skip_reason[128];
	short lo_flags_before, lo_flags_after;
	int up_rc, addr_rc, missing_rc, bad_rc, wide_rc;
	int missing_code, bad_code;
	char missing_message[ERROR_MESSAGE_MAX];
	struct in_addr addr, mask;
};

static short netif_flags(int sock, const char *name)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	return ioctl(sock, SIOCGIFFLAGS, &ifr) == 0 ? ifr.ifr_flags : -1;
}

static struct in_addr netif_read(int sock, const char *name, unsigned long request)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	struct in_addr none = { 0 };
	if (ioctl(sock, request, &ifr) != 0)
		return none;
	return ((struct sockaddr_in *)&ifr.ifr_addr)->sin_addr;
}

static void *netif_thread(void *arg)
{
	struct netif_probe *p = arg;
	if (unshare(CLONE_NEWNET) != 0) {
		p->skipped = 1;
		snprintf(p->skip_reason, sizeof(p->skip_reason), "unshare(CLONE_NEWNET): %s",
			 strerror(errno));
		return NULL;
	}
	cleanup_close int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct vb_error err;
	p->lo_flags_before = netif_flags(sock, "lo");
	p->up_rc = netif_up("lo", NULL, 0, &err);
	p->lo_flags_after = netif_flags(sock, "lo");
	p->addr_rc = netif_up("lo", "127.0.0.9", 8, &err);
	p->addr = netif_read(sock, "lo", SIOCGIFADDR);
	p->mask = netif_read(sock, "lo", SIOCGIFNETMASK);
	p->missing_rc = netif_up("vbnosuch0", NULL, 0, &err);
	p->missing_code = err.code;
	snprintf(p->missing_message, sizeof(p->missing_message), "%s", err.message);
	p->bad_rc = netif_up("lo", "127.0.0.300", 8, &err);
	p->bad_code = err.code;
	p->wide_rc = netif_up("lo", "127.0.0.9", 33, &err);
	return NULL;
}

static void test_netif_up(void **state)
{
	(void)state;
	struct netif_probe p;
	memset(&p, 0, sizeof(p));
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, netif_thread, &p), 0);
	pthread_join(t, NULL);
	if (p.skipped) {
		print_message("skip: %s\n", p.skip_reason);
		skip();
	}
	/* a new namespace's loopback starts down */
	assert_true(p.lo_flags_before >= 0 && !(p.lo_flags_before & IFF_UP));
	assert_int_equal(p.up_rc, 0);
	assert_true(p.lo_flags_after & IFF_UP);
	assert_int_equal(p.addr_rc, 0);
	assert_true(p.addr.s_addr == htonl(0x7f000009));
	assert_true(p.mask.s_addr == htonl(0xff000000));
	assert_int_equal(p.missing_rc, -1);
	assert_int_equal(p.missing_code, ENODEV);
	assert_non_null(strstr(p.missing_message, "vbnosuch0"));
	assert_int_equal(p.bad_rc, -1);
	assert_int_equal(p.bad_code, EINVAL);
	assert_int_equal(p.wide_rc, -1);
}

/* ---- where this executable is ---- */

static void test_path_self_dir(void **state)
{
	(void)state;
	char exe[PATH_MAX], dir[PATH_MAX], beside[PATH_MAX], want[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	assert_true(n > 0);
	exe[n] = '\0';
	path_self_dir("ignored/when/proc/answers", dir, sizeof(dir));
	/* the test binaries live in BUILD/tests */
	size_t len = strlen(dir);
	assert_true(len > 6 && strcmp(dir + len - 6, "/tests") == 0);
	snprintf(want, sizeof(want), "%s/%s", dir, strrchr(exe, '/') + 1);
	assert_string_equal(want, exe);
	path_beside_self("vbench-agent", NULL, beside, sizeof(beside));
	snprintf(want, sizeof(want), "%s/vbench-agent", dir);
	assert_string_equal(beside, want);
}

/* ---- random numbers ---- */

static void test_rng(void **state)
{
	(void)state;
	struct rng a, b, c;
	rng_seed(&a, 42);
	rng_seed(&b, 42);
	rng_seed(&c, 43);
	/* xoshiro256** seeded through splitmix64, values from an independent implementation. */
	assert_true(rng_next(&a) == 0x15780b2e0c2ec716ull);
	assert_true(rng_next(&a) == 0x6104d9866d113a7eull);
	assert_true(rng_next(&a) == 0xae17533239e499a1ull);
	rng_seed(&a, 42);
	int differs = 0;
	for (int i = 0; i < 1000; i++) {
		uint64_t x = rng_next(&a);
		assert_true(x == rng_next(&b));
		differs |= x != rng_next(&c);
	}
	assert_true(differs);
	/* the first two draws of seed 42 as a uniform and as a normal (Box-Muller) */
	rng_seed(&a, 42);
	assert_true(rng_uniform(&a) == 0x15780b2e0c2ec716ull / 2048 * 0x1.0p-53);
	assert_float_equal(rng_uniform(&a), 0x6104d9866d113a7eull / 2048 * 0x1.0p-53, 0);
	rng_seed(&a, 42);
	assert_float_equal(rng_normal(&a), -1.6132237513849157, 1e-15);
	/* splitmix64 and FNV-1a, the published reference values */
	assert_true(rng_mix64(0) == 0xe220a8397b1dcdafull);
	uint64_t state0 = 0;
	assert_true(rng_splitmix64(&state0) == 0xe220a8397b1dcdafull);
	assert_true(state0 == 0x9e3779b97f4a7c15ull);
	assert_true(rng_hash_string("") == 0xcbf29ce484222325ull);
	assert_true(rng_hash_string("a") == 0xaf63dc4c8601ec8cull);
}

/* ---- cleanup attributes ---- */

static void test_cleanup(void **state)
{
	(void)state;
	int kept, closed;
	{
		cleanup_close int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		cleanup_close int other = open("/dev/null", O_RDONLY | O_CLOEXEC);
		assert_true(fd >= 0 && other >= 0);
		closed = fd;
		kept = cleanup_take_fd(&other);
		assert_int_equal(other, -1);
		errno = ENOSPC;
	}
	/* closed at the end of the scope, errno kept; the descriptor taken stays open */
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(fcntl(closed, F_GETFD), -1);
	assert_int_equal(errno, EBADF);
	assert_true(fcntl(kept, F_GETFD) >= 0);
	close(kept);
	char *taken;
	{
		cleanup_free char *p = strdup("mine");
		taken = cleanup_take(&p);
		assert_null(p);
	}
	assert_string_equal(taken, "mine");
	free(taken);
	int stream_fd;
	{
		cleanup_fclose FILE *f = fopen("/dev/null", "re");
		assert_non_null(f);
		stream_fd = fileno(f);
	}
	assert_int_equal(fcntl(stream_fd, F_GETFD), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clock),
		cmocka_unit_test(test_file_write_atomic),
		cmocka_unit_test(test_file_write_all),
		cmocka_unit_test(test_size_parse),
		/* the io.net peer's address grammar */
		cmocka_unit_test(test_net_peer_parse),
		cmocka_unit_test(test_netif_up),
		cmocka_unit_test(test_path_self_dir),
		cmocka_unit_test(test_rng),
		cmocka_unit_test(test_cleanup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
