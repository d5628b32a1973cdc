/* The bare guest's workers: one per vCPU, started by a generation count and a doorbell. */
#include "guest-agent/bare/workers.h"

#include "common/bare-abi.h"

static inline void workers_pause(void)
{
	__builtin_ia32_pause();
}

void bare_workers_init(struct bare_workers *w, volatile uint64_t *work_gen, unsigned ncpus,
		       bare_doorbell_fn doorbell, void *doorbell_ctx)
{
	w->work_gen = work_gen;
	w->ncpus = ncpus;
	w->doorbell = doorbell;
	w->doorbell_ctx = doorbell_ctx;
	w->quit = 0;
	w->job.gen = 0;
	w->job.nthreads = 0;
	w->barrier.count = w->barrier.arrived = w->barrier.phase = 0;
}

void bare_workers_serve(struct bare_workers *w, unsigned cpu)
{
	/* from 0, not from work_gen now: a vCPU that starts late still sees the first group */
	uint32_t seen = 0;
	while (!w->quit) {
		uint32_t gen = (uint32_t)__atomic_load_n(w->work_gen, __ATOMIC_ACQUIRE);
		if (gen == seen) {
			/* the VMM sleeps while the low 32 bits of work_gen equal the value */
			w->doorbell(w->doorbell_ctx, BARE_PORT_PARK, seen);
			continue;
		}
		seen = gen;
		if (w->job.gen != gen)
			continue; /* a work_gen the VMM started with, not a group */
		if (cpu < w->job.nthreads)
			w->job.fn(cpu, w->job.arg);
		__atomic_add_fetch(&w->job.acks, 1, __ATOMIC_RELEASE);
	}
}

int bare_workers_run(struct bare_workers *w, unsigned nthreads, platform_worker_fn fn, void *arg)
{
	if (nthreads == 0)
		nthreads = 1;
	if (nthreads > w->ncpus)
		return -1;
	w->barrier.count = nthreads;
	w->barrier.arrived = 0;
	if (nthreads == 1) {
		fn(0, arg);
		return 0;
	}
	uint32_t gen = (uint32_t)*w->work_gen + 1;
	if (gen == 0)
		gen = 1; /* 0 is what a vCPU that has seen nothing yet waits on */
	w->job.fn = fn;
	w->job.arg = arg;
	w->job.nthreads = nthreads;
	w->job.acks = 0;
	w->job.gen = gen;
	__atomic_store_n(w->work_gen, gen, __ATOMIC_RELEASE);
	w->doorbell(w->doorbell_ctx, BARE_PORT_WAKE, gen);
	fn(0, arg);
	while (__atomic_load_n(&w->job.acks, __ATOMIC_ACQUIRE) < w->ncpus - 1)
		workers_pause();
	return 0;
}

/* Sense by phase: the last to arrive resets the count, then moves the phase on. */
void bare_workers_barrier(struct bare_workers *w)
{
	unsigned phase = __atomic_load_n(&w->barrier.phase, __ATOMIC_ACQUIRE);
	if (__atomic_add_fetch(&w->barrier.arrived, 1, __ATOMIC_ACQ_REL) == w->barrier.count) {
		__atomic_store_n(&w->barrier.arrived, 0, __ATOMIC_RELAXED);
		__atomic_store_n(&w->barrier.phase, phase + 1, __ATOMIC_RELEASE);
		return;
	}
	while (__atomic_load_n(&w->barrier.phase, __ATOMIC_ACQUIRE) == phase)
		workers_pause();
}
