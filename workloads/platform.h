/*
 * The small platform interface CPU and memory workloads reach the system through, so that
 * they can later be built freestanding for a bare guest runtime.
 */
#ifndef VB_PLATFORM_H
#define VB_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

/* Monotonic clock, nanoseconds. */
uint64_t platform_now_ns(void);

/* Aligned allocation; memory is not touched (callers initialise what they measure). */
void *platform_alloc(size_t bytes, size_t align);
void platform_free(void *p, size_t bytes);
/*
 * Ask for [p, p+bytes) on transparent huge pages (huge) or on base pages only (!huge), so that
 * the page size is the workload's choice and not the kernel default's. Call before first touch.
 * Returns 0, or -1 when the kernel refuses the advice (no THP support).
 */
int platform_huge_pages(void *p, size_t bytes, int huge);
/* Bytes of [p, p+bytes) backed by transparent huge pages now; -1 if this cannot be known. */
long long platform_huge_bytes(const void *p, size_t bytes);

/*
 * Run fn(index, arg) on nthreads workers at once (index 0..nthreads-1) and wait for all.
 * Workers start together (a barrier), so timing inside fn measures concurrent work.
 * Returns 0, or -1 if threads could not be created.
 */
typedef void (*platform_worker_fn)(unsigned index, void *arg);
int platform_run_workers(unsigned nthreads, platform_worker_fn fn, void *arg);

/* Barrier for workers started by platform_run_workers: all wait until all arrive. */
void platform_workers_barrier(void);

/* Cache size in bytes for a level (1..3) as seen by this environment, 0 if unknown. */
size_t platform_cache_size(int level);
size_t platform_page_size(void);

/*
 * Misbehaviour on purpose, for the self-test workloads (selftest.c), as each platform has it:
 * die as a crashing workload does (a signal in a process, a fault in the bare guest), never
 * return, and write bytes that are not the protocol onto the agent's channel (-1 with errno if
 * they could not be written).
 */
void platform_crash(void);
void platform_hang(void);
int platform_write_channel(const void *bytes, size_t len);

#endif
