/*
 * OS workloads: system call, context switch, fork, thread and clock costs, and page-fault
 * throughput. Unlike the CPU and memory families these call libc and the kernel directly.
 */
#include "workloads/os.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/clock.h"
#include "workloads/mem.h"
#include "workloads/percentile.h"
#include "workloads/platform.h"
#include "workloads/workload.h"

/* Mean, p50 and p99 of per-batch figures: the metrics <name>_ns, <name>_p50_ns, <name>_p99_ns. */
static void os_summarise(double *batch, size_t n, double total_ns, double per_batch, double scale,
			 const struct workload_ctx *ctx, struct sample_out *out, const char *name)
{
	char metric[48];
	snprintf(metric, sizeof(metric), "%s_ns", name);
	workload_set_metric(out, ctx, metric, total_ns / ((double)n * per_batch) / scale);
	snprintf(metric, sizeof(metric), "%s_p50_ns", name);
	workload_set_metric(out, ctx, metric, percentile_nearest_rank(batch, n, 50) / scale);
	snprintf(metric, sizeof(metric), "%s_p99_ns", name);
	workload_set_metric(out, ctx, metric, percentile_nearest_rank(batch, n, 99) / scale);
}

static int os_batches(const struct workload_ctx *ctx, size_t *count, size_t *per_batch,
		      double **times, struct vb_error *err)
{
	double total = workload_param(ctx, "calls");
	double batch = workload_param(ctx, "batch");
	if (total < 1 || batch < 1 || batch > total)
		return error_set(err, "%s: need 1 <= batch <= calls", ctx->workload->id);
	*per_batch = (size_t)batch;
	*count = (size_t)(total / batch);
	*times = calloc(*count, sizeof(double));
	if (!*times)
		return error_set(err, "%s: out of memory for %zu batches", ctx->workload->id,
				 *count);
	return 0;
}

/* ---- os.syscall ---- */

static int os_syscall_run(const struct workload_ctx *ctx, struct sample_out *out,
			  struct vb_error *err)
{
	size_t batches, per;
	double *t;
	if (os_batches(ctx, &batches, &per, &t, err) != 0)
		return -1;
	/* syscall() rather than getppid(): no libc may ever answer this from a cache. */
	uint64_t start = clock_now_ns();
	for (size_t b = 0; b < batches; b++) {
		uint64_t t0 = clock_now_ns();
		for (size_t i = 0; i < per; i++)
			syscall(SYS_getppid);
		t[b] = (double)(clock_now_ns() - t0) / (double)per;
	}
	double total = (double)(clock_now_ns() - start);
	os_summarise(t, batches, total, (double)per, 1, ctx, out, "getppid");

	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		char c;
		int failed = 0;
		start = clock_now_ns();
		for (size_t b = 0; b < batches && !failed; b++) {
			uint64_t t0 = clock_now_ns();
			for (size_t i = 0; i < per; i++)
				failed |= read(fd, &c, 1) != 1;
			t[b] = (double)(clock_now_ns() - t0) / (double)per;
		}
		total = (double)(clock_now_ns() - start);
		close(fd);
		if (failed) {
			free(t);
			return error_set_errno(err, "os.syscall: read /dev/zero");
		}
		os_summarise(t, batches, total, (double)per, 1, ctx, out, "read");
	}
	/* No /dev/zero (a bare /dev) leaves the read metrics unmeasured rather than failing. */
	free(t);
	return 0;
}

static const struct workload os_syscall_workload = {
	.id = "os.syscall",
	.group = "os",
	.description = "system call cost: getppid() and a 1-byte read() of /dev/zero",
	.params = {
		{ "calls", { 100000, 400000, 2000000 }, "calls of each kind" },
		{ "batch", { 100, 100, 100 }, "calls per timed batch (p50/p99 are over batches)" },
	},
	.metrics = {
		{ "getppid_ns", "ns", BETTER_LOWER },
		{ "getppid_p50_ns", "ns", BETTER_LOWER },
		{ "getppid_p99_ns", "ns", BETTER_LOWER },
		{ "read_ns", "ns", BETTER_LOWER },
		{ "read_p50_ns", "ns", BETTER_LOWER },
		{ "read_p99_ns", "ns", BETTER_LOWER },
	},
	.run = os_syscall_run,
	.needs = WORKLOAD_NEEDS_KERNEL,
};

/* ---- os.ctxsw ---- */

static int os_cpus_allowed(cpu_set_t *set, int *first, int *second)
{
	if (sched_getaffinity(0, sizeof(*set), set) != 0)
		return -1;
	*first = *second = -1;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, set))
			continue;
		if (*first < 0)
			*first = c;
		else if (*second < 0)
			*second = c;
	}
	return *first >= 0 ? 0 : -1;
}

static int os_pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/* Echo bytes back until the parent closes its end. Only async-signal-safe calls after fork. */
static __attribute__((noreturn)) void os_ctxsw_child(int in, int out, int cpu)
{
	char c;
	if (os_pin(cpu) != 0)
		_exit(2);
	while (read(in, &c, 1) == 1)
		if (write(out, &c, 1) != 1)
			_exit(3);
	_exit(0);
}

/*
 * Round trips between this thread on cpu_self and a child on cpu_child: mean and p99, in us.
 * One round trip is a byte there and a byte back; on one CPU that is two context switches.
 */
static int os_ctxsw_measure(int cpu_self, int cpu_child, size_t batches, size_t per, double *t,
			    double *mean, double *p99, struct vb_error *err)
{
	int to_child[2], to_parent[2];
	if (pipe2(to_child, O_CLOEXEC) != 0)
		return error_set_errno(err, "os.ctxsw: pipe");
	if (pipe2(to_parent, O_CLOEXEC) != 0) {
		close(to_child[0]);
		close(to_child[1]);
		return error_set_errno(err, "os.ctxsw: pipe");
	}
	pid_t pid = fork();
	if (pid == 0) {
		close(to_child[1]);
		close(to_parent[0]);
		os_ctxsw_child(to_child[0], to_parent[1], cpu_child);
	}
	/* The parent keeps only its own ends, so a dead child shows up as EOF, not a hang. */
	close(to_child[0]);
	close(to_parent[1]);
	int rc = 0;
	if (pid < 0) {
		rc = error_set_errno(err, "os.ctxsw: fork");
		goto out;
	}
	if (os_pin(cpu_self) != 0) {
		rc = error_set_errno(err, "os.ctxsw: pin to CPU %d", cpu_self);
		goto out;
	}
	char c = 'x';
	size_t warm = per < 100 ? per : 100;
	uint64_t start = 0;
	for (size_t b = 0; b <= batches && rc == 0; b++) {
		/* Batch 0 is a short untimed warm-up: the child's first run pays for its page faults. */
		size_t n = b == 0 ? warm : per;
		uint64_t t0 = clock_now_ns();
		if (b == 1)
			start = t0;
		for (size_t i = 0; i < n; i++) {
			if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1) {
				rc = error_set(err, "os.ctxsw: ping-pong with the child broke off");
				break;
			}
		}
		if (b > 0)
			t[b - 1] = (double)(clock_now_ns() - t0) / (double)n / 1e3;
	}
	if (rc == 0) {
		*mean = (double)(clock_now_ns() - start) / (double)(batches * per) / 1e3;
		*p99 = percentile_nearest_rank(t, batches, 99);
	}
out:
	close(to_child[1]);
	close(to_parent[0]);
	if (pid > 0) {
		int status;
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
		if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			rc = error_set(err, "os.ctxsw: child failed (status 0x%x)", status);
	}
	return rc;
}

static int os_ctxsw_run(const struct workload_ctx *ctx, struct sample_out *out,
			struct vb_error *err)
{
	size_t batches, per;
	double *t;
	cpu_set_t saved;
	int first, second;
	if (os_cpus_allowed(&saved, &first, &second) != 0)
		return error_set_errno(err, "os.ctxsw: sched_getaffinity");
	if (os_batches(ctx, &batches, &per, &t, err) != 0)
		return -1;
	double mean, p99;
	int rc = os_ctxsw_measure(first, first, batches, per, t, &mean, &p99, err);
	if (rc == 0) {
		workload_set_metric(out, ctx, "same_cpu_round_trip_us", mean);
		workload_set_metric(out, ctx, "same_cpu_round_trip_p99_us", p99);
	}
	if (rc == 0 && second < 0)
		snprintf(out->note, sizeof(out->note),
			 "cross-CPU: the agent has one CPU (--cpus 2 or more measures it)");
	if (rc == 0 && second >= 0) {
		rc = os_ctxsw_measure(first, second, batches, per, t, &mean, &p99, err);
		if (rc == 0) {
			workload_set_metric(out, ctx, "cross_cpu_round_trip_us", mean);
			workload_set_metric(out, ctx, "cross_cpu_round_trip_p99_us", p99);
		}
	}
	/* The calling thread goes back to the CPUs it had; the agent must not stay pinned. */
	if (sched_setaffinity(0, sizeof(saved), &saved) != 0 && rc == 0)
		rc = error_set_errno(err, "os.ctxsw: restoring the CPU affinity");
	free(t);
	return rc;
}

static const struct workload os_ctxsw_workload = {
	.id = "os.ctxsw",
	.group = "os",
	.description = "pipe round trip between two processes (two context switches on one CPU), "
		       "on one CPU and across two CPUs",
	.params = {
		{ "calls", { 1000, 5000, 20000 }, "round trips per variant" },
		{ "batch", { 20, 20, 20 }, "round trips per timed batch (p99 is over batches)" },
	},
	/*
	 * Per round trip, as perf bench sched pipe reports it: across two CPUs half a round trip
	 * would be a wakeup on the other CPU, not one context switch.
	 */
	.metrics = {
		{ "same_cpu_round_trip_us", "us", BETTER_LOWER },
		{ "same_cpu_round_trip_p99_us", "us", BETTER_LOWER },
		{ "cross_cpu_round_trip_us", "us", BETTER_LOWER },
		{ "cross_cpu_round_trip_p99_us", "us", BETTER_LOWER },
	},
	.run = os_ctxsw_run,
	.needs = WORKLOAD_NEEDS_KERNEL,
	.uncounted = true,
};

/* ---- os.fork ---- */

static int os_fork_run(const struct workload_ctx *ctx, struct sample_out *out, struct vb_error *err)
{
	size_t n = (size_t)workload_param(ctx, "forks");
	if (n < 1)
		return error_set(err, "os.fork: forks must be >= 1");
	double *t = calloc(n, sizeof(double));
	if (!t)
		return error_set(err, "os.fork: out of memory");
	uint64_t start = clock_now_ns();
	for (size_t i = 0; i < n; i++) {
		uint64_t t0 = clock_now_ns();
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid < 0) {
			free(t);
			return error_set_errno(err, "os.fork: fork %zu", i);
		}
		int status;
		while (waitpid(pid, &status, 0) < 0) {
			if (errno != EINTR) {
				free(t);
				return error_set_errno(err, "os.fork: waitpid");
			}
		}
		t[i] = (double)(clock_now_ns() - t0) / 1e3;
	}
	double total = (double)(clock_now_ns() - start);
	workload_set_metric(out, ctx, "forks", (double)n * 1e9 / total);
	workload_set_metric(out, ctx, "fork_p50_us", percentile_nearest_rank(t, n, 50));
	workload_set_metric(out, ctx, "fork_p99_us", percentile_nearest_rank(t, n, 99));
	free(t);
	return 0;
}

static const struct workload os_fork_workload = {
	.id = "os.fork",
	.group = "os",
	.description = "fork() of a child that _exit()s at once, reaped with waitpid()",
	.params = {
		{ "forks", { 100, 1000, 3000 }, "forks per sample" },
	},
	.metrics = {
		{ "forks", "forks/s", BETTER_HIGHER },
		{ "fork_p50_us", "us", BETTER_LOWER },
		{ "fork_p99_us", "us", BETTER_LOWER },
	},
	.run = os_fork_run,
	.needs = WORKLOAD_NEEDS_KERNEL,
	.uncounted = true,
};

/* ---- os.thread ---- */

static void *os_thread_body(void *arg)
{
	return arg;
}

static int os_thread_run(const struct workload_ctx *ctx, struct sample_out *out,
			 struct vb_error *err)
{
	size_t n = (size_t)workload_param(ctx, "threads");
	if (n < 1)
		return error_set(err, "os.thread: threads must be >= 1");
	uint64_t start = clock_now_ns();
	for (size_t i = 0; i < n; i++) {
		pthread_t th;
		void *ret = NULL;
		int e = pthread_create(&th, NULL, os_thread_body, (void *)(uintptr_t)(i + 1));
		if (e != 0) {
			errno = e;
			return error_set_errno(err, "os.thread: pthread_create %zu", i);
		}
		pthread_join(th, &ret);
		if (ret != (void *)(uintptr_t)(i + 1))
			return error_set(err, "os.thread: thread %zu returned the wrong value", i);
	}
	workload_set_metric(out, ctx, "threads",
			    (double)n * 1e9 / (double)(clock_now_ns() - start));
	return 0;
}

static const struct workload os_thread_workload = {
	.id = "os.thread",
	.group = "os",
	.description = "pthread_create() + pthread_join() of a thread that returns at once",
	.params = {
		{ "threads", { 1000, 6000, 30000 }, "threads per sample" },
	},
	.metrics = {
		{ "threads", "threads/s", BETTER_HIGHER },
	},
	.run = os_thread_run,
	.needs = WORKLOAD_NEEDS_KERNEL,
	.uncounted = true,
};

/* ---- os.clock ---- */

const char *os_clocksource(void)
{
	static char name[64];
	FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "re");
	if (!f || !fgets(name, sizeof(name), f))
		snprintf(name, sizeof(name), "unknown");
	if (f)
		fclose(f);
	name[strcspn(name, "\n")] = '\0';
	return name;
}

static int os_clock_run(const struct workload_ctx *ctx, struct sample_out *out,
			struct vb_error *err)
{
	size_t batches, per;
	double *t;
	if (os_batches(ctx, &batches, &per, &t, err) != 0)
		return -1;
	struct timespec ts, last = { 0, 0 };
	int backwards = 0;
	uint64_t start = clock_now_ns();
	for (size_t b = 0; b < batches; b++) {
		uint64_t t0 = clock_now_ns();
		for (size_t i = 0; i < per; i++) {
			clock_gettime(CLOCK_MONOTONIC, &ts);
			backwards |= ts.tv_sec < last.tv_sec ||
				     (ts.tv_sec == last.tv_sec && ts.tv_nsec < last.tv_nsec);
			last = ts;
		}
		t[b] = (double)(clock_now_ns() - t0) / (double)per;
	}
	double total = (double)(clock_now_ns() - start);
	os_summarise(t, batches, total, (double)per, 1, ctx, out, "clock_gettime");
	free(t);
	if (backwards)
		return error_set(err, "os.clock: CLOCK_MONOTONIC went backwards");
	return 0;
}

static const struct workload os_clock_workload = {
	.id = "os.clock",
	.group = "os",
	.description = "clock_gettime(CLOCK_MONOTONIC) cost (vDSO or not, depends on the clock source)",
	.params = {
		{ "calls", { 200000, 2000000, 12000000 }, "calls" },
		{ "batch", { 1000, 1000, 1000 }, "calls per timed batch (p50/p99 are over batches)" },
	},
	.metrics = {
		{ "clock_gettime_ns", "ns", BETTER_LOWER },
		{ "clock_gettime_p50_ns", "ns", BETTER_LOWER },
		{ "clock_gettime_p99_ns", "ns", BETTER_LOWER },
	},
	.run = os_clock_run,
	.needs = WORKLOAD_NEEDS_KERNEL,
};

/* ---- mem.pagefault ---- */

#define OS_HUGE_PAGE (2u << 20)

void os_thp_setting(const char *file, char *out, size_t len)
{
	char path[128], buf[128];
	snprintf(path, sizeof(path), "/sys/kernel/mm/transparent_hugepage/%s", file);
	snprintf(out, len, "unknown");
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, sizeof(buf), f)) {
		char *open = strchr(buf, '['), *close = open ? strchr(open, ']') : NULL;
		if (close)
			snprintf(out, len, "%.*s", (int)(close - open - 1), open + 1);
	}
	fclose(f);
}

/*
 * Map fresh anonymous memory, write one byte per base page, unmap; returns ns spent writing and
 * how much of the region ended up on huge pages (-1: unknown).
 */
static int os_touch_fresh(size_t bytes, int advice, uint64_t *ns, long long *huge,
			  struct vb_error *err)
{
	size_t page = platform_page_size();
	/* Over-map so the region can start on a huge-page boundary. */
	size_t map = bytes + OS_HUGE_PAGE;
	char *raw = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		return error_set_errno(err, "mem.pagefault: mmap %zu bytes", map);
	char *p = (char *)(((uintptr_t)raw + OS_HUGE_PAGE - 1) & ~(uintptr_t)(OS_HUGE_PAGE - 1));
	if (madvise(p, bytes, advice) != 0) {
		munmap(raw, map);
		return error_set_errno(err, "mem.pagefault: madvise");
	}
	volatile char *v = p;
	uint64_t t0 = clock_now_ns();
	for (size_t off = 0; off < bytes; off += page)
		v[off] = 1;
	*ns = clock_now_ns() - t0;
	*huge = platform_huge_bytes(p, bytes);
	munmap(raw, map);
	return 0;
}

static int os_pagefault_run(const struct workload_ctx *ctx, struct sample_out *out,
			    struct vb_error *err)
{
	size_t want = (size_t)workload_param(ctx, "bytes");
	size_t budget = mem_budget_bytes((size_t)workload_param(ctx, "memory_limit"));
	size_t bytes = (want < budget ? want : budget) & ~(size_t)(OS_HUGE_PAGE - 1);
	if (bytes < OS_HUGE_PAGE)
		return error_set(err, "mem.pagefault: bytes must be at least 2 MiB (within the "
				      "memory budget)");
	uint64_t ns;
	long long huge;
	if (os_touch_fresh(bytes, MADV_NOHUGEPAGE, &ns, &huge, err) != 0)
		return -1;
	workload_set_metric(out, ctx, "faults_4k",
			    (double)(bytes / platform_page_size()) * 1e9 / (double)(ns ? ns : 1));
	workload_record_size(out, "bytes", (double)bytes);
	if (huge >= 0)
		workload_record_size(out, "thp_bytes_4k", (double)huge);
	char enabled[32], defrag[32];
	os_thp_setting("enabled", enabled, sizeof(enabled));
	os_thp_setting("defrag", defrag, sizeof(defrag));
	if (strcmp(enabled, "never") == 0 || strcmp(enabled, "unknown") == 0) {
		snprintf(out->note, sizeof(out->note),
			 "thp: transparent huge pages are %s here (enabled: %s)",
			 strcmp(enabled, "never") == 0 ? "off" : "not available", enabled);
		return 0;
	}
	if (os_touch_fresh(bytes, MADV_HUGEPAGE, &ns, &huge, err) != 0)
		return -1;
	if (huge >= 0)
		workload_record_size(out, "thp_bytes_thp", (double)huge);
	/* Only a region (nearly) all on huge pages measures huge-page faults. */
	if (huge < 0) {
		snprintf(out->note, sizeof(out->note),
			 "thp: cannot tell whether MADV_HUGEPAGE got huge pages (no AnonHugePages "
			 "in /proc/self/smaps)");
		return 0;
	}
	if ((double)huge < 0.9 * (double)bytes) {
		snprintf(out->note, sizeof(out->note),
			 "thp: MADV_HUGEPAGE got %lld of %zu bytes on huge pages (THP enabled: %s, "
			 "defrag: %s)",
			 huge, bytes, enabled, defrag);
		return 0;
	}
	workload_set_metric(out, ctx, "thp", (double)bytes / 1e6 * 1e9 / (double)(ns ? ns : 1));
	return 0;
}

static const struct workload os_pagefault_workload = {
	.id = "mem.pagefault",
	.group = "mem",
	.description = "first-touch faults on fresh anonymous memory: 4 KiB pages and MADV_HUGEPAGE",
	.params = {
		{ "bytes", { 16 << 20, 128 << 20, 448 << 20 }, "bytes touched per variant" },
		PARAM_HOST("memory_limit", PARAM_HOST_MEMORY_LIMIT,
			   "the run's memory limit; each variant fits its budget"),
	},
	.metrics = {
		{ "faults_4k", "faults/s", BETTER_HIGHER },
		{ "thp", "MB/s", BETTER_HIGHER },
	},
	.run = os_pagefault_run,
	.needs = WORKLOAD_NEEDS_KERNEL,
};

const struct workload *const os_workloads[] = {
	&os_syscall_workload,
	&os_ctxsw_workload,
	&os_fork_workload,
	&os_thread_workload,
	&os_clock_workload,
	&os_pagefault_workload,
	NULL,
};
