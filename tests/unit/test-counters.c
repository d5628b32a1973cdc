/*
 * Unit tests for the agent's per-sample counters: a cheap sample after an expensive one must
 * count its own work only, with perf events and with the getrusage fallback alike.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guest-agent/counters.h"

#define PAGE		4096
#define THREAD_PAGES	2048 /* each worker thread touches this many fresh pages */
#define CHILD_PAGES	1024 /* and so does one child process */
#define WORKERS		2
#define EXPENSIVE_PAGES (WORKERS * THREAD_PAGES + CHILD_PAGES)

/* Touch pages of fresh memory, one fault each (no huge pages), then burn some CPU. */
static void *touch_pages(void *arg)
{
	size_t pages = (size_t)(uintptr_t)arg;
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (p == MAP_FAILED)
		return (void *)1;
	madvise(p, pages * PAGE, MADV_NOHUGEPAGE);
	for (size_t i = 0; i < pages; i++)
		p[i * PAGE] = (char)i;
	volatile uint64_t x = 1;
	for (long i = 0; i < 20 * 1000 * 1000; i++)
		x = x * 6364136223846793005ULL + 1;
	munmap(p, pages * PAGE);
	return NULL;
}

struct sample {
	double task_clock_ns, page_faults, ctx_switches;
};

static void take(const struct proto_values *v, struct sample *s)
{
	assert_int_equal(proto_values_get(v, "task_clock_ns", &s->task_clock_ns), 0);
	assert_int_equal(proto_values_get(v, "page_faults", &s->page_faults), 0);
	assert_int_equal(proto_values_get(v, "ctx_switches", &s->ctx_switches), 0);
	assert_true(isfinite(s->task_clock_ns) && s->task_clock_ns >= 0);
	assert_true(isfinite(s->page_faults) && s->page_faults >= 0);
	assert_true(isfinite(s->ctx_switches) && s->ctx_switches >= 0);
}

/* Worker threads and a child process that all exit before the sample ends, as workloads do. */
static void expensive_sample(struct counters *c, struct sample *s)
{
	struct proto_values v;
	memset(&v, 0, sizeof(v));
	counters_start(c);
	pthread_t th[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, touch_pages,
						(void *)(uintptr_t)THREAD_PAGES),
				 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(touch_pages((void *)(uintptr_t)CHILD_PAGES) ? 1 : 0);
	for (int i = 0; i < WORKERS; i++) {
		void *ret;
		pthread_join(th[i], &ret);
		assert_null(ret);
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	counters_stop(c, &v);
	take(&v, s);
}

static void cheap_sample(struct counters *c, struct sample *s)
{
	struct proto_values v;
	memset(&v, 0, sizeof(v));
	counters_start(c);
	counters_stop(c, &v);
	take(&v, s);
}

static void check_samples_stand_alone(struct counters *c)
{
	struct sample first, cheap, second, cheap_again;
	expensive_sample(c, &first);
	cheap_sample(c, &cheap);
	expensive_sample(c, &second);
	cheap_sample(c, &cheap_again);

	/* every page the threads and the child touched, counted once */
	assert_true(first.page_faults >= EXPENSIVE_PAGES);
	assert_true(second.page_faults >= EXPENSIVE_PAGES);
	/* not the first sample's faults again on top (cumulative counts would be >= 2x) */
	assert_true(second.page_faults < 2 * EXPENSIVE_PAGES);
	/* the cheap samples touched nothing and ran no thread: none of that is theirs */
	assert_true(cheap.page_faults < CHILD_PAGES);
	assert_true(cheap_again.page_faults < CHILD_PAGES);
	assert_true(cheap.task_clock_ns < first.task_clock_ns);
	assert_true(cheap_again.task_clock_ns < second.task_clock_ns);
}

static void test_perf_events_count_each_sample_alone(void **state)
{
	(void)state;
	struct counters *c = counters_open(COUNTERS_SOURCE_ANY);
	assert_non_null(c);
	if (strcmp(counters_software_source(c), "perf_event") != 0) {
		printf("skip: software perf events are unavailable here (%s)\n", counters_note(c));
		counters_close(c);
		skip();
	}
	check_samples_stand_alone(c);
	counters_close(c);
}

static void test_getrusage_counts_each_sample_alone(void **state)
{
	(void)state;
	struct counters *c = counters_open(COUNTERS_SOURCE_RUSAGE);
	assert_non_null(c);
	assert_string_equal(counters_software_source(c), "getrusage");
	check_samples_stand_alone(c);
	counters_close(c);
}

/* Hardware counters may be missing (this host has none); software counters never are. */
static void test_every_sample_reports_the_software_counters(void **state)
{
	(void)state;
	for (int source = COUNTERS_SOURCE_ANY; source <= COUNTERS_SOURCE_RUSAGE; source++) {
		struct counters *c = counters_open((enum counters_source)source);
		assert_non_null(c);
		struct sample s;
		cheap_sample(c, &s);
		if (!counters_have_hardware(c))
			assert_true(strlen(counters_note(c)) > 0);
		counters_close(c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_perf_events_count_each_sample_alone),
		cmocka_unit_test(test_getrusage_counts_each_sample_alone),
		cmocka_unit_test(test_every_sample_reports_the_software_counters),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
