/* Per-sample counters: software counters always, hardware counters through libpfm4 where exposed. */
#include "guest-agent/counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <math.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guest-agent/proc-stat.h"

#define COUNTERS_MAX 8

/*
 * A hardware event, described once and opened afresh for every sample: an inherited event
 * folds the counts of exited threads into a total that PERF_EVENT_IOC_RESET does not clear,
 * so an event kept open across samples adds every earlier sample's worker threads to the next.
 */
struct counter {
	const char *name;
	struct perf_event_attr attr;
	int fd; /* -1 outside a sample, or when this sample's open failed */
};

/*
 * The software counters (task clock, page faults, context switches) come from getrusage in
 * every environment: the same kernel accounting whatever the privileges. perf's software
 * events would need CAP_PERFMON inside a container (user-space-only events count no context
 * switches and miss faults taken in system calls), and two methods would not compare.
 */
struct counters {
	struct counter c[COUNTERS_MAX];
	unsigned n;
	bool hardware;
	struct rusage self_before, children_before;
	/* The CPUs the agent may run on, as /proc/stat counts them, at the sample's start. */
	cpu_set_t cpus;
	struct proc_stat_cpus stat_before;
	bool stat_ok;
	bool events; /* this sample has its perf events open */
	char note[160];
};

/* Open attr for the calling thread and what it creates from now on, disabled. */
static int perf_open(struct perf_event_attr *attr)
{
	attr->size = sizeof(*attr);
	attr->disabled = 1;
	attr->inherit = 1; /* count worker threads and child processes the workload creates */
	attr->exclude_hv = 1;
	int fd = (int)syscall(SYS_perf_event_open, attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM) && !attr->exclude_kernel) {
		/* unprivileged with perf_event_paranoid >= 2: user space only, from now on */
		attr->exclude_kernel = 1;
		fd = (int)syscall(SYS_perf_event_open, attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	return fd;
}

int counters_add_event(struct counters *c, const char *name, const struct perf_event_attr *attr)
{
	if (c->n == COUNTERS_MAX) {
		errno = ENOSPC;
		return -1;
	}
	struct perf_event_attr a = *attr;
	int fd = perf_open(&a); /* a probe: the event is opened again for each sample */
	if (fd < 0)
		return -1;
	close(fd);
	c->c[c->n++] = (struct counter){ .name = name, .attr = a, .fd = -1 };
	return 0;
}

/* Hardware events by libpfm4 name; each one that the kernel refuses is simply left out. */
static void add_hardware(struct counters *c)
{
	static const struct {
		const char *name, *pfm;
	} events[] = {
		{ "cycles", "cycles" },
		{ "instructions", "instructions" },
		{ "llc_misses", "perf::LLC-LOAD-MISSES" },
	};
	int rc = pfm_initialize();
	if (rc != PFM_SUCCESS) {
		snprintf(c->note, sizeof(c->note), "libpfm4: %s", pfm_strerror(rc));
		return;
	}
	int last_errno = 0;
	for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++) {
		struct perf_event_attr attr;
		pfm_perf_encode_arg_t arg;
		memset(&attr, 0, sizeof(attr));
		memset(&arg, 0, sizeof(arg));
		arg.attr = &attr;
		arg.size = sizeof(arg);
		rc = pfm_get_os_event_encoding(events[i].pfm, PFM_PLM0 | PFM_PLM3,
					       PFM_OS_PERF_EVENT, &arg);
		if (rc != PFM_SUCCESS) {
			snprintf(c->note, sizeof(c->note), "libpfm4 cannot encode %s: %s",
				 events[i].pfm, pfm_strerror(rc));
			continue;
		}
		if (counters_add_event(c, events[i].name, &attr) < 0)
			last_errno = errno;
	}
	c->hardware = c->n > 0;
	if (!c->hardware && last_errno)
		snprintf(c->note, sizeof(c->note),
			 "hardware counters unavailable: perf_event_open: %s",
			 strerror(last_errno));
	else if (c->hardware)
		c->note[0] = '\0';
	pfm_terminate();
}

struct counters *counters_open(void)
{
	struct counters *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	add_hardware(c);
	return c;
}

void counters_close(struct counters *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		if (c->c[i].fd >= 0)
			close(c->c[i].fd);
	free(c);
}

bool counters_have_hardware(const struct counters *c)
{
	return c && c->hardware;
}

const char *counters_note(const struct counters *c)
{
	return c ? c->note : "counters could not be set up";
}

void counters_start(struct counters *c, bool events)
{
	if (!c)
		return;
	c->events = events;
	/* every event exists before the first is enabled, so none counts the others' set-up */
	for (unsigned i = 0; i < c->n; i++)
		c->c[i].fd = events ? perf_open(&c->c[i].attr) : -1;
	/* workers inherit the agent's affinity: these CPUs are the ones the sample can use */
	c->stat_ok = sched_getaffinity(0, sizeof(c->cpus), &c->cpus) == 0 &&
		     proc_stat_read(&c->cpus, &c->stat_before) == 0;
	getrusage(RUSAGE_SELF, &c->self_before);
	getrusage(RUSAGE_CHILDREN, &c->children_before);
	for (unsigned i = 0; i < c->n; i++)
		if (c->c[i].fd >= 0)
			ioctl(c->c[i].fd, PERF_EVENT_IOC_ENABLE, 0);
}

static double timeval_ns(const struct timeval *t)
{
	return (double)t->tv_sec * 1e9 + (double)t->tv_usec * 1e3;
}

/*
 * What happened between two readings: RUSAGE_SELF sums every thread of the process, the
 * workers that have exited included; RUSAGE_CHILDREN the child processes reaped so far.
 */
static void rusage_add(const struct rusage *before, const struct rusage *after, double sums[3])
{
	sums[0] += timeval_ns(&after->ru_utime) + timeval_ns(&after->ru_stime) -
		   timeval_ns(&before->ru_utime) - timeval_ns(&before->ru_stime);
	sums[1] += (double)(after->ru_minflt + after->ru_majflt) -
		   (double)(before->ru_minflt + before->ru_majflt);
	sums[2] += (double)(after->ru_nvcsw + after->ru_nivcsw) -
		   (double)(before->ru_nvcsw + before->ru_nivcsw);
}

void counters_stop(struct counters *c, struct proto_values *out)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
		if (c->c[i].fd >= 0)
			ioctl(c->c[i].fd, PERF_EVENT_IOC_DISABLE, 0);
	struct rusage self, children;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &children);
	struct proc_stat_cpus stat_after;
	double cpu_ms[3];
	bool stat_ok = c->stat_ok && proc_stat_read(&c->cpus, &stat_after) == 0;
	proc_stat_elapsed(stat_ok ? &c->stat_before : NULL, stat_ok ? &stat_after : NULL,
			  sysconf(_SC_CLK_TCK), cpu_ms);
	double sums[3] = { 0 };
	rusage_add(&c->self_before, &self, sums);
	rusage_add(&c->children_before, &children, sums);
	proto_values_add(out, "task_clock_ns", sums[0]);
	proto_values_add(out, "page_faults", sums[1]);
	proto_values_add(out, "ctx_switches", sums[2]);
	/* whole clock ticks (10 ms at the usual USER_HZ): meaningful summed over a run */
	proto_values_add(out, "steal_ms", cpu_ms[0]);
	proto_values_add(out, "cpus_busy_ms", cpu_ms[1]);
	proto_values_add(out, "cpus_total_ms", cpu_ms[2]);
	for (unsigned i = 0; c->events && i < c->n; i++) {
		uint64_t v = 0;
		/* the total includes the inherited events of every thread created since start */
		bool ok = c->c[i].fd >= 0 && read(c->c[i].fd, &v, sizeof(v)) == (ssize_t)sizeof(v);
		proto_values_add(out, c->c[i].name, ok ? (double)v : NAN);
		if (c->c[i].fd >= 0)
			close(c->c[i].fd);
		c->c[i].fd = -1;
	}
}
