/*
 * The bare guest's workers: vCPU i runs worker i of platform_run_workers, vCPU 0 being the
 * caller; the others park in the VMM (BARE_PORT_PARK) until work_gen moves. Kept free of port
 * I/O (a doorbell function) so that the unit test runs it on threads.
 */
#ifndef VB_BARE_WORKERS_H
#define VB_BARE_WORKERS_H

#include <stdint.h>

#include "guest-agent/bare/doorbell.h"
#include "workloads/platform.h"

struct bare_workers {
	volatile uint64_t *work_gen; /* boot_info->work_gen: the VMM parks vCPUs on it */
	unsigned ncpus;
	bare_doorbell_fn doorbell;
	void *doorbell_ctx;
	volatile int
		quit; /* the unit test's way to end bare_workers_serve; the guest never sets it */
	/*
	 * The group started last. vCPU 0 writes it, then publishes gen in work_gen; every other
	 * vCPU acknowledges each generation (running its share when its index is below nthreads),
	 * and vCPU 0 changes nothing until all have, so no vCPU reads a half-written job.
	 */
	struct {
		platform_worker_fn fn;
		void *arg;
		unsigned nthreads;
		uint32_t gen;
		unsigned acks;
	} job;
	struct {
		unsigned count, arrived, phase;
	} barrier;
};

void bare_workers_init(struct bare_workers *w, volatile uint64_t *work_gen, unsigned ncpus,
		       bare_doorbell_fn doorbell, void *doorbell_ctx);
/* vCPU cpu (>= 1): run each group's share, park in between; returns only once quit is set. */
void bare_workers_serve(struct bare_workers *w, unsigned cpu);
/* On vCPU 0: as platform_run_workers; -1 if more workers than vCPUs are asked for. */
int bare_workers_run(struct bare_workers *w, unsigned nthreads, platform_worker_fn fn, void *arg);
/* As platform_workers_barrier, for the workers of the running group. */
void bare_workers_barrier(struct bare_workers *w);

#endif
