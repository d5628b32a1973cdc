/* The hosted (Linux, libc) implementation of the platform interface CPU and memory workloads use. */
#include "workloads/platform.h"
#include "workloads/platform-cpuid.h"

#include "common/clock.h"
#include "common/size.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

uint64_t platform_now_ns(void)
{
	return clock_now_ns();
}

size_t platform_page_size(void)
{
	static size_t page;
	if (!page) {
		long v = sysconf(_SC_PAGESIZE);
		page = v > 0 ? (size_t)v : 4096;
	}
	return page;
}

static size_t platform_round_up(size_t v, size_t to)
{
	return (v + to - 1) / to * to;
}

/*
 * mmap rather than malloc: large buffers come back as fresh, untouched pages, so the
 * workload decides when (and on which thread) they are faulted in, and freeing returns
 * them to the system at once instead of leaving them in a malloc arena between samples.
 */
void *platform_alloc(size_t bytes, size_t align)
{
	size_t page = platform_page_size();
	if (bytes == 0)
		bytes = 1;
	if (align < page)
		align = page;
	size_t size = platform_round_up(bytes, page);
	size_t map = size + align - page;
	if (map < size)
		return NULL;
	char *p = mmap(NULL, map, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	char *aligned = (char *)platform_round_up((uintptr_t)p, align);
	if (aligned > p)
		munmap(p, (size_t)(aligned - p));
	size_t tail = (size_t)((p + map) - (aligned + size));
	if (tail)
		munmap(aligned + size, tail);
	return aligned;
}

void platform_free(void *p, size_t bytes)
{
	if (!p)
		return;
	if (bytes == 0)
		bytes = 1;
	munmap(p, platform_round_up(bytes, platform_page_size()));
}

int platform_huge_pages(void *p, size_t bytes, int huge)
{
	if (!p)
		return -1;
	size_t len = platform_round_up(bytes, platform_page_size());
	return madvise(p, len, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) == 0 ? 0 : -1;
}

/*
 * AnonHugePages of every mapping in /proc/self/smaps that overlaps the region. A mapping only
 * partly inside counts whole; the workloads' regions are whole mappings (platform_alloc).
 */
long long platform_huge_bytes(const void *p, size_t bytes)
{
	FILE *f = fopen("/proc/self/smaps", "re");
	if (!f)
		return -1;
	uintptr_t lo = (uintptr_t)p, hi = lo + bytes;
	char line[512];
	int inside = 0, seen = 0;
	long long total = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, end;
		unsigned long long kb;
		char dash;
		/* A mapping's header line: "start-end perms offset dev inode path". */
		if (sscanf(line, "%lx%c%lx ", &start, &dash, &end) == 3 && dash == '-') {
			inside = start < hi && end > lo;
			continue;
		}
		if (inside && sscanf(line, "AnonHugePages: %llu kB", &kb) == 1) {
			total += (long long)kb * 1024;
			seen = 1;
		}
	}
	fclose(f);
	return seen ? total : -1;
}

/* One group of workers at a time: the barrier and start gate they share are process-wide. */
static pthread_mutex_t platform_workers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_barrier_t platform_workers_sync;
static pthread_mutex_t platform_gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t platform_gate_cond = PTHREAD_COND_INITIALIZER;
static enum { GATE_CLOSED, GATE_GO, GATE_ABORT } platform_gate;

struct platform_worker {
	pthread_t thread;
	unsigned index;
	platform_worker_fn fn;
	void *arg;
};

static void *platform_worker_main(void *opaque)
{
	struct platform_worker *w = opaque;
	pthread_mutex_lock(&platform_gate_lock);
	while (platform_gate == GATE_CLOSED)
		pthread_cond_wait(&platform_gate_cond, &platform_gate_lock);
	int go = platform_gate == GATE_GO;
	pthread_mutex_unlock(&platform_gate_lock);
	/* The barrier, not the gate, lines the workers up: a broadcast wakes them one by one. */
	if (go) {
		pthread_barrier_wait(&platform_workers_sync);
		w->fn(w->index, w->arg);
	}
	return NULL;
}

static void platform_gate_set(int state)
{
	pthread_mutex_lock(&platform_gate_lock);
	platform_gate = state;
	pthread_cond_broadcast(&platform_gate_cond);
	pthread_mutex_unlock(&platform_gate_lock);
}

int platform_run_workers(unsigned nthreads, platform_worker_fn fn, void *arg)
{
	if (nthreads == 0)
		nthreads = 1;
	struct platform_worker *workers = calloc(nthreads, sizeof(*workers));
	if (!workers)
		return -1;
	pthread_mutex_lock(&platform_workers_lock);
	if (pthread_barrier_init(&platform_workers_sync, NULL, nthreads) != 0) {
		pthread_mutex_unlock(&platform_workers_lock);
		free(workers);
		return -1;
	}
	platform_gate_set(GATE_CLOSED);
	unsigned started = 0;
	for (; started < nthreads; started++) {
		struct platform_worker *w = &workers[started];
		w->index = started;
		w->fn = fn;
		w->arg = arg;
		if (pthread_create(&w->thread, NULL, platform_worker_main, w) != 0)
			break;
	}
	/* All or nothing: a partial group would wait forever at the barrier. */
	int rc = started == nthreads ? 0 : -1;
	platform_gate_set(rc == 0 ? GATE_GO : GATE_ABORT);
	for (unsigned i = 0; i < started; i++)
		pthread_join(workers[i].thread, NULL);
	pthread_barrier_destroy(&platform_workers_sync);
	pthread_mutex_unlock(&platform_workers_lock);
	free(workers);
	return rc;
}

void platform_workers_barrier(void)
{
	pthread_barrier_wait(&platform_workers_sync);
}

static int platform_read_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	char *ok = fgets(buf, (int)len, f);
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Returns -1 when sysfs has no cache information at all (then CPUID is asked instead). */
static long long platform_cache_size_sysfs(int level)
{
	int found_any = 0;
	for (int i = 0; i < 16; i++) {
		char path[128], buf[64];
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
		if (platform_read_line(path, buf, sizeof(buf)) != 0)
			continue;
		found_any = 1;
		if (atoi(buf) != level)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
		if (platform_read_line(path, buf, sizeof(buf)) == 0 &&
		    strcmp(buf, "Instruction") == 0)
			continue;
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
		uint64_t bytes;
		/* sysfs says "48K", "2048K" or "105M" */
		if (platform_read_line(path, buf, sizeof(buf)) == 0)
			return size_parse(buf, &bytes) == 0 ? (long long)bytes : 0;
	}
	return found_any ? 0 : -1;
}

size_t platform_cache_size(int level)
{
	if (level < 1 || level > 4)
		return 0;
	long long v = platform_cache_size_sysfs(level);
	if (v >= 0)
		return (size_t)v;
	return platform_cache_size_cpuid(level);
}

void platform_crash(void)
{
	raise(SIGSEGV);
}

void platform_hang(void)
{
	for (;;)
		pause();
}

/* stdout is the channel natively and in lxc */
int platform_write_channel(const void *bytes, size_t len)
{
	return write(STDOUT_FILENO, bytes, len) < 0 ? -1 : 0;
}
