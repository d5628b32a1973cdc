/*
 * The kvm backend's VMM process on this host's /dev/kvm, with the bare guest (vbench-bare): the VM
 * runs in another process under a seccomp filter, its host overhead is that process's and not the
 * harness's, and a VMM process killed mid-run ends the VM with a clear reason and leaves nothing.
 * Without a VM: the filter lets the VMM's calls through and kills on any other, saying which.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/test-util.h"

#include <math.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "backends/kvm/seccomp.h"
#include "backends/kvm/vmm-process.h"
#include "common/path.h"

static const struct backend_config bare_cfg = {
	.ncpus = 1,
	.memory_bytes = 256ull << 20,
	.vm_mode = BACKEND_VM_BARE,
};

/* Start the bare guest through the kvm backend and read its first bytes (the agent's hello). */
static struct backend_instance *start_bare(void)
{
	char image[512];
	path_beside_self("../vbench-bare", "build/tests/x", image, sizeof(image));
	if (access(image, R_OK) < 0) /* a build directory of tests only (make check-sanitize) */
		path_beside_self("../../build/vbench-bare", "build/tests/x", image, sizeof(image));
	if (access(image, R_OK) < 0) {
		print_message("skip: no vbench-bare beside this test (make all)\n");
		skip();
	}
	setenv("VBENCH_BARE", image, 1);
	struct backend_instance *inst;
	struct vb_error err;
	if (kvm_backend.start(&bare_cfg, &inst, &err) < 0)
		fail_msg("start: %s", err.message);
	int rfd, wfd;
	kvm_backend.channel(inst, &rfd, &wfd);
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 20000), 1);
	char hello[64];
	assert_true(read(rfd, hello, sizeof(hello)) > 0);
	return inst;
}

static int seccomp_mode(pid_t pid)
{
	char path[64], text[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	const char *line = strstr(text, "\nSeccomp:");
	assert_non_null(line);
	return atoi(line + strlen("\nSeccomp:"));
}

static unsigned open_fds(void)
{
	unsigned n = 0;
	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static bool process_exists(pid_t pid)
{
	return kill(pid, 0) == 0 || errno != ESRCH;
}

static void test_vm_in_own_filtered_process(void **state)
{
	(void)state;
	if (!have_kvm())
		skip();
	unsigned fds = open_fds();
	struct backend_instance *inst = start_bare();
	pid_t pid = vmm_process_pid(inst);
	assert_true(pid > 0);
	assert_int_not_equal(pid, getpid());
	assert_true(process_exists(pid));
	assert_int_equal(seccomp_mode(pid), 2); /* SECCOMP_MODE_FILTER */
	assert_int_equal(seccomp_mode(getpid()), 0);
	assert_true(kvm_backend.alive(inst));

	/* 64 MiB the harness touches after the VM started: in-process, the overhead counted it. */
	size_t len = 64u << 20;
	char *harness = malloc(len);
	assert_non_null(harness);
	memset(harness, 1, len);
	struct backend_stats st;
	memset(&st, 0, sizeof(st));
	kvm_backend.stats(inst, &st);
	print_message("host overhead %.0f KiB (%s)\n", st.host_overhead_bytes / 1024.0, st.details);
	assert_true(isfinite(st.host_overhead_bytes) && st.host_overhead_bytes >= 0);
	assert_true(st.host_overhead_bytes < (double)(len / 2));
	assert_string_equal(st.mode, "bare guest");
	free(harness);

	char names[64][48];
	uint64_t values[64];
	assert_true(kvm_backend.host_counters(inst, names, values, 64) > 0);

	kvm_backend.stop(inst);
	assert_false(process_exists(pid));
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
	assert_int_equal(errno, ECHILD);
	assert_int_equal(open_fds(), fds); /* the channel and the control socket are closed */
}

static void test_vmm_killed_mid_run(void **state)
{
	(void)state;
	if (!have_kvm())
		skip();
	struct backend_instance *inst = start_bare();
	pid_t pid = vmm_process_pid(inst);
	int rfd, wfd;
	kvm_backend.channel(inst, &rfd, &wfd);
	assert_int_equal(kill(pid, SIGKILL), 0);
	/* The agent's channel ends with the process: the harness sees end of file, not a hang. */
	char buf[256];
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	assert_int_equal(poll(&p, 1, 10000), 1);
	while (read(rfd, buf, sizeof(buf)) > 0)
		;
	assert_false(kvm_backend.alive(inst));
	char why[256];
	assert_true(kvm_backend.describe_end(inst, why, sizeof(why)) > 0);
	print_message("%s\n", why);
	assert_non_null(strstr(why, "the VMM process"));
	assert_non_null(strstr(why, "killed by signal 9"));
	struct backend_stats st;
	memset(&st, 0, sizeof(st));
	kvm_backend.stats(inst, &st);
	assert_true(isnan(st.host_overhead_bytes));
	assert_non_null(strstr(st.host_overhead_note, "killed by signal 9"));
	kvm_backend.stop(inst);
	assert_false(process_exists(pid));
	assert_int_equal(waitpid(pid, NULL, WNOHANG), -1);
}

/* What a filtered child tries after a call the filter allows. */
enum attempt { ATTEMPT_CALL, ATTEMPT_FORK, ATTEMPT_EXEC_MEMORY, ATTEMPT_SIGNAL_PARENT };

/* In a child: the filter on, calls it allows (a thread, memory, a kick to itself), then one it
 * does not. */
static _Noreturn void filtered_child(int report_fd, enum attempt what, int nr)
{
	pid_t parent = getppid();
	struct vb_error err;
	if (vmm_seccomp_install(report_fd, &err) < 0)
		_exit(3);
	void *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED || mprotect(page, 4096, PROT_READ) < 0)
		_exit(4);
	signal(SIGUSR1, SIG_IGN);
	if (syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1) < 0)
		_exit(6);
	if (write(report_fd, "ok", 2) != 2)
		_exit(7);
	if (what == ATTEMPT_FORK)
		fork(); /* a new process: clone without CLONE_THREAD */
	else if (what == ATTEMPT_EXEC_MEMORY)
		mprotect(page, 4096, PROT_READ | PROT_EXEC);
	else if (what == ATTEMPT_SIGNAL_PARENT)
		syscall(SYS_tgkill, parent, parent, 0); /* signal 0: harmless had it passed */
	else
		syscall(nr, 0, 0, 0);
	_exit(5); /* not reached: the call killed the process */
}

static void expect_denied(enum attempt what, int denied)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		filtered_child(sv[1], what, denied);
	close(sv[1]);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGSYS);
	char ok[8];
	assert_int_equal(recv(sv[0], ok, sizeof(ok), 0), 2);
	struct vmm_seccomp_report r;
	assert_int_equal(recv(sv[0], &r, sizeof(r), 0), (ssize_t)sizeof(r));
	assert_int_equal(r.tag, VMM_SECCOMP_REPORT_TAG);
	assert_int_equal(r.syscall_nr, denied);
	close(sv[0]);
	/* What the harness then says, from this very wait status and report. */
	char why[128], want[128];
	vmm_process_describe_exit(pid, status, r.syscall_nr, why, sizeof(why));
	snprintf(want, sizeof(want), "the VMM was killed by its seccomp filter (system call %d)",
		 denied);
	assert_string_equal(why, want);
}

static void test_filter_denies_and_reports(void **state)
{
	(void)state;
	expect_denied(ATTEMPT_CALL, SYS_openat);
	expect_denied(ATTEMPT_CALL, SYS_socket);
	expect_denied(ATTEMPT_CALL, SYS_execve);
	expect_denied(ATTEMPT_CALL, SYS_kill);
	expect_denied(ATTEMPT_FORK, SYS_clone);
	expect_denied(ATTEMPT_EXEC_MEMORY, SYS_mprotect);
	expect_denied(ATTEMPT_SIGNAL_PARENT, SYS_tgkill);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vm_in_own_filtered_process),
		cmocka_unit_test(test_vmm_killed_mid_run),
		cmocka_unit_test(test_filter_denies_and_reports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
