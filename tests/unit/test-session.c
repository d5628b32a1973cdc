/*
 * Unit tests for the session's start-up time: one definition for every backend, from the call
 * to the backend's start until the harness has read the agent's hello, whatever a backend
 * reports from a clock of its own. A fake backend hands the session a pipe carrying a hello.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "harness/session.h"

/* What a backend with a clock of its own might claim (kvm used its boot timer). */
#define BACKEND_OWN_MS 123456.0

struct backend_instance {
	int hello_rfd, hello_wfd, request_wfd;
	pthread_t writer;
	bool has_writer;
};

static bool hello_after_start;	    /* the hello comes from a thread, after start has returned */
static bool peer_in_agent;	    /* the backend says its agent serves its own io.net peer */
static const char *hello_peer = ""; /* the peer that agent names in its hello */
static double start_entered_ms, start_returned_ms, hello_written_ms;

static void write_hello(int fd)
{
	struct proto_msg m;
	memset(&m, 0, sizeof(m));
	m.type = PROTO_HELLO;
	m.hello.proto = PROTO_VERSION;
	m.hello.cpus = 1;
	m.hello.memory_bytes = 1 << 20;
	snprintf(m.hello.version, sizeof(m.hello.version), "test");
	snprintf(m.hello.peer, sizeof(m.hello.peer), "%s", hello_peer);
	size_t len;
	char *line = proto_encode(&m, &len);
	assert_non_null(line);
	hello_written_ms = clock_now_ms();
	assert_int_equal(write(fd, line, len), (ssize_t)len);
	assert_int_equal(write(fd, "\n", 1), 1);
	free(line);
}

static void *late_hello(void *arg)
{
	struct backend_instance *inst = arg;
	struct timespec pause = { 0, 20 * 1000 * 1000 }; /* an agent still booting */
	nanosleep(&pause, NULL);
	write_hello(inst->hello_wfd);
	close(inst->hello_wfd); /* then the agent is gone: a shutdown request ends at once */
	return NULL;
}

static int fake_start(const struct backend_config *cfg, struct backend_instance **out,
		      struct vb_error *err)
{
	(void)cfg;
	(void)err;
	start_entered_ms = clock_now_ms();
	struct backend_instance *inst = calloc(1, sizeof(*inst));
	assert_non_null(inst);
	int p[2];
	assert_int_equal(pipe(p), 0);
	inst->hello_rfd = p[0];
	inst->hello_wfd = p[1];
	inst->request_wfd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	assert_true(inst->request_wfd >= 0);
	if (hello_after_start) {
		inst->has_writer = pthread_create(&inst->writer, NULL, late_hello, inst) == 0;
	} else {
		write_hello(inst->hello_wfd);
		close(inst->hello_wfd);
	}
	*out = inst;
	start_returned_ms = clock_now_ms();
	return 0;
}

static void fake_channel(struct backend_instance *inst, int *rfd, int *wfd)
{
	*rfd = inst->hello_rfd;
	*wfd = inst->request_wfd;
}

static void fake_stats(struct backend_instance *inst, struct backend_stats *out)
{
	(void)inst;
	out->startup_ms = BACKEND_OWN_MS;
	snprintf(out->details, sizeof(out->details), "fake");
	out->peer_in_agent = peer_in_agent;
}

static void fake_stop(struct backend_instance *inst)
{
	if (!inst)
		return;
	if (inst->has_writer)
		pthread_join(inst->writer, NULL);
	close(inst->hello_rfd);
	close(inst->request_wfd);
	free(inst);
}

static const struct backend_ops fake_backend = {
	.name = "fake",
	.description = "a pipe that says hello",
	.start = fake_start,
	.channel = fake_channel,
	.stats = fake_stats,
	.stop = fake_stop,
};

/* The interval measured lies within the session's call and covers the whole of start. */
static void check_startup(const struct session *s, double outer_ms)
{
	assert_true(s->stats.startup_ms != BACKEND_OWN_MS);
	assert_true(s->stats.startup_ms == s->startup_ms);
	assert_true(s->startup_ms >= start_returned_ms - start_entered_ms);
	assert_true(s->startup_ms >= hello_written_ms - start_entered_ms);
	assert_true(s->startup_ms <= outer_ms);
}

static void test_startup_is_start_request_to_hello_read(void **state)
{
	(void)state;
	struct backend_config cfg;
	struct session s;
	struct vb_error err;
	memset(&cfg, 0, sizeof(cfg));
	hello_after_start = false;
	session_init(&s, &fake_backend, NULL, &cfg);
	double t0 = clock_now_ms();
	assert_int_equal(session_start(&s, &err), 0);
	check_startup(&s, clock_now_ms() - t0);
	session_free(&s);
}

/* The clock runs on after start returns, until the hello has arrived and been read. */
static void test_startup_waits_for_a_late_hello(void **state)
{
	(void)state;
	struct backend_config cfg;
	struct session s;
	struct vb_error err;
	memset(&cfg, 0, sizeof(cfg));
	hello_after_start = true;
	session_init(&s, &fake_backend, NULL, &cfg);
	double t0 = clock_now_ms();
	assert_int_equal(session_start(&s, &err), 0);
	double outer = clock_now_ms() - t0;
	check_startup(&s, outer);
	/* restarts (lifecycle.start's samples) are timed the same way; stopping is not counted */
	t0 = clock_now_ms();
	assert_int_equal(session_restart(&s, &err), 0);
	check_startup(&s, clock_now_ms() - t0);
	session_free(&s);
}

/* A workload's declared needs against what a backend declares and what its start attached. */
static void test_needs_are_met_by_declaration(void **state)
{
	(void)state;
	/* ids that say nothing: only the flags count */
	static const struct workload disk = { .id = "x.a",
					      .group = "x",
					      .needs = WORKLOAD_NEEDS_DISK };
	static const struct workload net = { .id = "x.b",
					     .group = "x",
					     .needs = WORKLOAD_NEEDS_NETWORK };
	static const struct workload kernel = { .id = "x.c",
						.group = "x",
						.needs = WORKLOAD_NEEDS_KERNEL };
	static const struct workload vmm = { .id = "x.d",
					     .group = "x",
					     .needs = WORKLOAD_NEEDS_VMM };
	static const struct workload none = { .id = "io.blk.fake", .group = "io.blk" };
	struct backend_ops bare = fake_backend, full = fake_backend;
	full.provides = BACKEND_PROVIDES_DISK | BACKEND_PROVIDES_NETWORK | BACKEND_PROVIDES_KERNEL;
	struct backend_config cfg;
	struct session s;
	memset(&cfg, 0, sizeof(cfg));

	session_init(&s, &bare, NULL, &cfg);
	snprintf(s.stats.agent_disk_path, sizeof(s.stats.agent_disk_path), "/dev/vda");
	snprintf(s.stats.peer_addr, sizeof(s.stats.peer_addr), "10.0.0.1");
	assert_string_equal(session_lacks(&s, &disk), "no scratch disk attached");
	assert_string_equal(session_lacks(&s, &net), "no network peer");
	assert_string_equal(session_lacks(&s, &kernel), "no kernel under the agent");
	assert_string_equal(session_lacks(&s, &vmm), "not on vbench's own VMM");
	assert_null(session_lacks(&s, &none));

	session_init(&s, &full, NULL, &cfg);
	assert_string_equal(session_lacks(&s, &disk), "no scratch disk attached");
	assert_string_equal(session_lacks(&s, &net), "no network peer");
	assert_null(session_lacks(&s, &kernel));
	/* disk, network and kernel do not make a VMM */
	assert_string_equal(session_lacks(&s, &vmm), "not on vbench's own VMM");
	full.provides |= BACKEND_PROVIDES_VMM;
	session_init(&s, &full, NULL, &cfg);
	assert_null(session_lacks(&s, &vmm));
	snprintf(s.stats.agent_disk_path, sizeof(s.stats.agent_disk_path), "/scratch");
	snprintf(s.stats.peer_addr, sizeof(s.stats.peer_addr), "127.0.0.1");
	assert_null(session_lacks(&s, &disk));
	assert_null(session_lacks(&s, &net));
	assert_null(session_lacks(&s, &none));
}

/*
 * A backend whose agent serves its own io.net peer (ssh): the harness starts none, and takes the
 * address from the hello; an agent that named none, or one it cannot read, leaves io.net
 * unsupported with the reason.
 */
static void test_agent_serves_its_own_peer(void **state)
{
	(void)state;
	static const struct workload net = { .id = "x.b",
					     .group = "x",
					     .needs = WORKLOAD_NEEDS_NETWORK };
	struct backend_ops ops = fake_backend;
	ops.provides = BACKEND_PROVIDES_NETWORK | BACKEND_PROVIDES_KERNEL;
	struct backend_config cfg;
	struct session s;
	struct vb_error err;
	memset(&cfg, 0, sizeof(cfg));
	cfg.network = true;
	hello_after_start = false;
	peer_in_agent = true;
	static const struct {
		const char *peer, *lacks;
	} cases[] = {
		{ "127.0.0.1:40001,38211", NULL },
		{ "", "the agent started no io.net peer on its host (it says why on stderr)" },
		{ "127.0.0.1:0,1", "the agent named its io.net peer in a form vbench cannot read" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hello_peer = cases[i].peer;
		session_init(&s, &ops, NULL, &cfg);
		assert_int_equal(session_start(&s, &err), 0);
		assert_int_equal(s.netpeer, 0); /* no peer server of the harness's */
		if (cases[i].lacks) {
			assert_string_equal(s.stats.peer_addr, "");
			assert_string_equal(session_lacks(&s, &net), cases[i].lacks);
		} else {
			assert_string_equal(s.stats.peer_addr, cases[i].peer);
			assert_null(session_lacks(&s, &net));
		}
		session_free(&s);
	}
	peer_in_agent = false;
	hello_peer = "";
}

/*
 * vm.exit writes a port and an MMIO page that only vbench's VMM serves: no other backend may
 * declare that it gives them (on bare metal the port is real hardware), and a bare guest, which
 * lacks a kernel, still has the VMM.
 */
static void test_only_vbench_vmm_gets_vm_exit(void **state)
{
	(void)state;
	const struct workload *vm_exit = workload_find("vm.exit");
	assert_non_null(vm_exit);
	assert_true(vm_exit->needs & WORKLOAD_NEEDS_VMM);
	struct backend_config cfg;
	struct session s;
	memset(&cfg, 0, sizeof(cfg));
	const struct backend_ops *b;
	size_t others = 0;
	for (size_t i = 0; (b = backend_at(i)); i++) {
		if (b == &kvm_backend)
			continue;
		others++;
		assert_false(b->provides & BACKEND_PROVIDES_VMM);
		session_init(&s, b, NULL, &cfg);
		snprintf(s.stats.agent_disk_path, sizeof(s.stats.agent_disk_path), "/scratch");
		snprintf(s.stats.peer_addr, sizeof(s.stats.peer_addr), "127.0.0.1");
		const char *why = session_lacks(&s, vm_exit);
		if (!why)
			fail_msg("backend %s would run vm.exit", b->name);
		assert_string_equal(why, "not on vbench's own VMM");
	}
	/* native, lxc, qemu and null at least */
	assert_true(others >= 4);
	assert_ptr_equal(backend_find("native"), &native_backend);
	assert_ptr_equal(backend_find("qemu"), &qemu_backend);

	session_init(&s, &kvm_backend, NULL, &cfg);
	assert_null(session_lacks(&s, vm_exit));
	/* what kvm's stats say of a bare guest */
	s.stats.lacks = BACKEND_PROVIDES_KERNEL | BACKEND_PROVIDES_DISK | BACKEND_PROVIDES_NETWORK;
	snprintf(s.stats.lacks_note, sizeof(s.stats.lacks_note), "bare guest: no guest kernel");
	assert_null(session_lacks(&s, vm_exit));
	assert_string_equal(session_lacks(&s, workload_find("os.syscall")),
			    "bare guest: no guest kernel");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_startup_is_start_request_to_hello_read),
		cmocka_unit_test(test_startup_waits_for_a_late_hello),
		cmocka_unit_test(test_needs_are_met_by_declaration),
		cmocka_unit_test(test_agent_serves_its_own_peer),
		cmocka_unit_test(test_only_vbench_vmm_gets_vm_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
