/*
 * Unit tests for the agent's per-sample counters: a cheap sample after an expensive one must
 * count its own work only, in the software counters (getrusage) and in perf events (the way
 * hardware events are counted, tried here with software events: this host has no hardware ones).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <dirent.h>
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
	char *p = mmap(NULL, pages * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);
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
	double perf_task_clock_ns, perf_page_faults; /* NaN unless perf events were added */
};

static void take(const struct proto_values *v, struct sample *s)
{
	assert_int_equal(proto_values_get(v, "task_clock_ns", &s->task_clock_ns), 0);
	assert_int_equal(proto_values_get(v, "page_faults", &s->page_faults), 0);
	assert_int_equal(proto_values_get(v, "ctx_switches", &s->ctx_switches), 0);
	assert_true(isfinite(s->task_clock_ns) && s->task_clock_ns >= 0);
	assert_true(isfinite(s->page_faults) && s->page_faults >= 0);
	assert_true(isfinite(s->ctx_switches) && s->ctx_switches >= 0);
	/* /proc/stat's view of the agent's CPUs over the sample */
	double steal, busy, total;
	assert_int_equal(proto_values_get(v, "steal_ms", &steal), 0);
	assert_int_equal(proto_values_get(v, "cpus_busy_ms", &busy), 0);
	assert_int_equal(proto_values_get(v, "cpus_total_ms", &total), 0);
	assert_true(steal >= 0 && busy >= 0 && total >= busy + steal);
	s->perf_task_clock_ns = s->perf_page_faults = NAN;
	proto_values_get(v, "perf_task_clock_ns", &s->perf_task_clock_ns);
	proto_values_get(v, "perf_page_faults", &s->perf_page_faults);
}

/* Worker threads and a child process that all exit before the sample ends, as workloads do. */
static void expensive_sample(struct counters *c, struct sample *s)
{
	struct proto_values v;
	memset(&v, 0, sizeof(v));
	counters_start(c, true);
	pthread_t th[WORKERS];
	for (int i = 0; i < WORKERS; i++)
		assert_int_equal(
			pthread_create(&th[i], NULL, touch_pages, (void *)(uintptr_t)THREAD_PAGES),
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
	counters_start(c, true);
	counters_stop(c, &v);
	take(&v, s);
}

/* The counts of one counter over the four samples: they must be each sample's own. */
static void check_stand_alone(double first, double cheap, double second, double cheap_again,
			      bool faults)
{
	if (faults) {
		/* every page the threads and the child touched, counted once */
		assert_true(first >= EXPENSIVE_PAGES);
		assert_true(second >= EXPENSIVE_PAGES);
		/* not the first sample's faults again on top (cumulative counts would be >= 2x) */
		assert_true(second < 2 * EXPENSIVE_PAGES);
		/* the cheap samples touched nothing and ran no thread: none of that is theirs */
		assert_true(cheap < CHILD_PAGES);
		assert_true(cheap_again < CHILD_PAGES);
	} else {
		assert_true(cheap < first);
		assert_true(cheap_again < second);
	}
}

static void run_four_samples(struct counters *c, struct sample s[4])
{
	expensive_sample(c, &s[0]);
	cheap_sample(c, &s[1]);
	expensive_sample(c, &s[2]);
	cheap_sample(c, &s[3]);
}

static void test_software_counters_count_each_sample_alone(void **state)
{
	(void)state;
	struct counters *c = counters_open();
	assert_non_null(c);
	struct sample s[4];
	run_four_samples(c, s);
	check_stand_alone(s[0].page_faults, s[1].page_faults, s[2].page_faults, s[3].page_faults,
			  true);
	check_stand_alone(s[0].task_clock_ns, s[1].task_clock_ns, s[2].task_clock_ns,
			  s[3].task_clock_ns, false);
	counters_close(c);
}

static int add_software_event(struct counters *c, const char *name, uint64_t config)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = config;
	return counters_add_event(c, name, &attr);
}

static void test_perf_events_count_each_sample_alone(void **state)
{
	(void)state;
	struct counters *c = counters_open();
	assert_non_null(c);
	if (add_software_event(c, "perf_task_clock_ns", PERF_COUNT_SW_TASK_CLOCK) < 0 ||
	    add_software_event(c, "perf_page_faults", PERF_COUNT_SW_PAGE_FAULTS) < 0) {
		printf("skip: perf_event_open refuses software events here: %s\n", strerror(errno));
		counters_close(c);
		skip();
	}
	struct sample s[4];
	run_four_samples(c, s);
	for (int i = 0; i < 4; i++)
		assert_true(isfinite(s[i].perf_task_clock_ns) && isfinite(s[i].perf_page_faults));
	check_stand_alone(s[0].perf_page_faults, s[1].perf_page_faults, s[2].perf_page_faults,
			  s[3].perf_page_faults, true);
	check_stand_alone(s[0].perf_task_clock_ns, s[1].perf_task_clock_ns, s[2].perf_task_clock_ns,
			  s[3].perf_task_clock_ns, false);
	counters_close(c);
}

/* How many perf events this process has open (what would ride along on every switch). */
static int perf_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		char path[300], target[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(path, target, sizeof(target) - 1);
		if (len > 0) {
			target[len] = '\0';
			n += strcmp(target, "anon_inode:[perf_event]") == 0;
		}
	}
	closedir(d);
	return n;
}

/*
 * An uncounted sample (os.ctxsw, os.fork, os.thread) has no perf event attached while it runs,
 * only the getrusage counters, and leaves the events' names out; the next counted sample has
 * them again.
 */
static void test_uncounted_sample_attaches_no_event(void **state)
{
	(void)state;
	struct counters *c = counters_open();
	assert_non_null(c);
	if (add_software_event(c, "perf_task_clock_ns", PERF_COUNT_SW_TASK_CLOCK) < 0) {
		printf("skip: perf_event_open refuses software events here: %s\n", strerror(errno));
		counters_close(c);
		skip();
	}
	int before = perf_fds();
	struct proto_values v;
	memset(&v, 0, sizeof(v));
	counters_start(c, false);
	assert_int_equal(perf_fds(), before);
	counters_stop(c, &v);
	double x;
	assert_int_equal(proto_values_get(&v, "task_clock_ns", &x), 0);
	assert_true(proto_values_get(&v, "perf_task_clock_ns", &x) < 0);

	memset(&v, 0, sizeof(v));
	counters_start(c, true);
	assert_int_equal(perf_fds(), before + 1);
	counters_stop(c, &v);
	assert_int_equal(proto_values_get(&v, "perf_task_clock_ns", &x), 0);
	assert_int_equal(perf_fds(), before);
	counters_close(c);
}

/* Hardware counters may be missing (this host has none), and then the note says why. */
static void test_missing_hardware_counters_say_why(void **state)
{
	(void)state;
	struct counters *c = counters_open();
	assert_non_null(c);
	struct sample s;
	cheap_sample(c, &s);
	if (!counters_have_hardware(c))
		assert_true(strlen(counters_note(c)) > 0);
	counters_close(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_software_counters_count_each_sample_alone),
		cmocka_unit_test(test_perf_events_count_each_sample_alone),
		cmocka_unit_test(test_uncounted_sample_attaches_no_event),
		cmocka_unit_test(test_missing_hardware_counters_say_why),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
