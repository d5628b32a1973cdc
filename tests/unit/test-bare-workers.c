/*
 * Unit tests for the bare guest's workers (guest-agent/bare/workers.c), with threads for vCPUs
 * and a fake VMM that parks them on work_gen: worker i runs on vCPU i, every group starts
 * together and ends before the next, vCPUs left out of a group and vCPUs that start late still
 * keep up, and the barrier holds everyone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <time.h>

#include "common/bare-abi.h"
#include "guest-agent/bare/workers.h"

#define VCPUS 4

static struct bare_workers workers;
static volatile uint64_t work_gen;
static pthread_mutex_t vmm_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t vmm_cond = PTHREAD_COND_INITIALIZER;
static unsigned parks, wakes;
static pthread_t threads[VCPUS];
static __thread unsigned this_vcpu;

static void fake_vmm(void *ctx, unsigned port, uint32_t value)
{
	(void)ctx;
	pthread_mutex_lock(&vmm_lock);
	if (port == BARE_PORT_PARK) {
		parks++;
		while ((uint32_t)work_gen == value && !workers.quit)
			pthread_cond_wait(&vmm_cond, &vmm_lock);
	} else if (port == BARE_PORT_WAKE) {
		wakes++;
		pthread_cond_broadcast(&vmm_cond);
	}
	pthread_mutex_unlock(&vmm_lock);
}

static void *vcpu_main(void *arg)
{
	this_vcpu = (unsigned)(uintptr_t)arg;
	bare_workers_serve(&workers, this_vcpu);
	return NULL;
}

static void start_vcpus(unsigned from, unsigned to)
{
	for (unsigned i = from; i < to; i++)
		assert_int_equal(pthread_create(&threads[i], NULL, vcpu_main, (void *)(uintptr_t)i),
				 0);
}

static int setup(void **state)
{
	(void)state;
	work_gen = 0;
	parks = wakes = 0;
	bare_workers_init(&workers, &work_gen, VCPUS, fake_vmm, NULL);
	this_vcpu = 0;
	return 0;
}

static void stop_vcpus(unsigned from, unsigned to)
{
	pthread_mutex_lock(&vmm_lock);
	workers.quit = 1;
	pthread_cond_broadcast(&vmm_cond);
	pthread_mutex_unlock(&vmm_lock);
	for (unsigned i = from; i < to; i++)
		pthread_join(threads[i], NULL);
}

struct group {
	unsigned nthreads;
	unsigned ran[VCPUS];   /* times worker index i ran */
	unsigned where[VCPUS]; /* the vCPU worker index i ran on */
	unsigned before;       /* workers that reached the barrier */
	unsigned short_counts; /* workers that passed it before everyone arrived */
};

static void group_worker(unsigned index, void *arg)
{
	struct group *g = arg;
	g->ran[index]++;
	g->where[index] = this_vcpu;
	__atomic_add_fetch(&g->before, 1, __ATOMIC_ACQ_REL);
	bare_workers_barrier(&workers);
	if (__atomic_load_n(&g->before, __ATOMIC_ACQUIRE) != g->nthreads)
		__atomic_add_fetch(&g->short_counts, 1, __ATOMIC_ACQ_REL);
	bare_workers_barrier(&workers);
}

static void check_group(const struct group *g)
{
	for (unsigned i = 0; i < VCPUS; i++) {
		assert_int_equal(g->ran[i], i < g->nthreads ? 1 : 0);
		if (i < g->nthreads)
			assert_int_equal(g->where[i], i);
	}
	assert_int_equal(g->before, g->nthreads);
	assert_int_equal(g->short_counts, 0);
}

static void run_group(unsigned nthreads)
{
	struct group g;
	memset(&g, 0, sizeof(g));
	g.nthreads = nthreads;
	assert_int_equal(bare_workers_run(&workers, nthreads, group_worker, &g), 0);
	check_group(&g);
}

static void test_each_worker_runs_once_on_its_own_vcpu(void **state)
{
	(void)state;
	start_vcpus(1, VCPUS);
	/* groups of every size, one after another, some leaving vCPUs out */
	for (int round = 0; round < 120; round++)
		run_group(1 + (unsigned)round % VCPUS);
	/* one-worker groups run on the caller and wake nobody */
	unsigned before = wakes;
	run_group(1);
	assert_int_equal(wakes, before);
	stop_vcpus(1, VCPUS);
}

static void test_more_workers_than_vcpus_is_refused(void **state)
{
	(void)state;
	struct group g;
	memset(&g, 0, sizeof(g));
	assert_int_equal(bare_workers_run(&workers, VCPUS + 1, group_worker, &g), -1);
	assert_int_equal(g.ran[0], 0);
}

struct late_run {
	struct group g;
	int rc;
};

static void *late_caller(void *arg)
{
	struct late_run *r = arg;
	this_vcpu = 0;
	r->rc = bare_workers_run(&workers, r->g.nthreads, group_worker, &r->g);
	return NULL;
}

/*
 * The VMM may start work_gen anywhere (here just below the 32-bit wrap), and vCPUs may start
 * after the first group was posted. The pauses only order the steps; nothing is timed.
 */
static void test_late_vcpus_and_any_initial_generation(void **state)
{
	(void)state;
	const struct timespec step = { 0, 20 * 1000 * 1000 };
	work_gen = 0xfffffffeu;
	start_vcpus(1, 2);
	nanosleep(&step, NULL); /* vCPU 1 parks on a generation no group has */
	struct late_run r;
	memset(&r, 0, sizeof(r));
	r.g.nthreads = VCPUS;
	r.rc = -9;
	pthread_t caller;
	assert_int_equal(pthread_create(&caller, NULL, late_caller, &r), 0);
	nanosleep(&step, NULL); /* the group is posted; vCPUs 2 and 3 have not started */
	start_vcpus(2, VCPUS);
	pthread_join(caller, NULL);
	assert_int_equal(r.rc, 0);
	check_group(&r.g);
	assert_int_equal((uint32_t)work_gen, 0xffffffffu);
	/* the next generation wraps past 0, which a vCPU that has seen nothing waits on */
	run_group(VCPUS);
	assert_int_equal((uint32_t)work_gen, 1);
	run_group(2);
	stop_vcpus(1, VCPUS);
	assert_true(parks >= VCPUS - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_each_worker_runs_once_on_its_own_vcpu, setup),
		cmocka_unit_test_setup(test_more_workers_than_vcpus_is_refused, setup),
		cmocka_unit_test_setup(test_late_vcpus_and_any_initial_generation, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
