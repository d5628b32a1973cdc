/* Per-sample counters: software counters always, hardware counters through libpfm4 where exposed. */
#include "guest-agent/counters.h"

#include <errno.h>
#include <linux/perf_event.h>
#include <perfmon/pfmlib_perf_event.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#define COUNTERS_MAX 8

struct counter {
	const char *name;
	int fd;
	double scale; /* task clock is in ns already; others are counts */
};

struct counters {
	struct counter c[COUNTERS_MAX];
	unsigned n;
	bool hardware;
	char note[160];
};

static int perf_open(struct perf_event_attr *attr)
{
	attr->size = sizeof(*attr);
	attr->disabled = 1;
	attr->inherit = 1; /* count worker threads and child processes the workload creates */
	attr->exclude_kernel = 0;
	attr->exclude_hv = 1;
	int fd = (int)syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		/* unprivileged with perf_event_paranoid >= 2: user-space only */
		attr->exclude_kernel = 1;
		fd = (int)syscall(SYS_perf_event_open, attr, 0, -1, -1, 0);
	}
	return fd;
}

static void add_software(struct counters *c, const char *name, uint64_t config)
{
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = config;
	int fd = perf_open(&attr);
	if (fd >= 0 && c->n < COUNTERS_MAX)
		c->c[c->n++] = (struct counter){ name, fd, 1.0 };
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
	int opened = 0, last_errno = 0;
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
		int fd = perf_open(&attr);
		if (fd < 0) {
			last_errno = errno;
			continue;
		}
		if (c->n < COUNTERS_MAX) {
			c->c[c->n++] = (struct counter){ events[i].name, fd, 1.0 };
			opened++;
		} else {
			close(fd);
		}
	}
	c->hardware = opened > 0;
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
	add_software(c, "task_clock_ns", PERF_COUNT_SW_TASK_CLOCK);
	add_software(c, "page_faults", PERF_COUNT_SW_PAGE_FAULTS);
	add_software(c, "ctx_switches", PERF_COUNT_SW_CONTEXT_SWITCHES);
	add_hardware(c);
	return c;
}

void counters_close(struct counters *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++)
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

void counters_start(struct counters *c)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++) {
		ioctl(c->c[i].fd, PERF_EVENT_IOC_RESET, 0);
		ioctl(c->c[i].fd, PERF_EVENT_IOC_ENABLE, 0);
	}
}

void counters_stop(struct counters *c, struct proto_values *out)
{
	if (!c)
		return;
	for (unsigned i = 0; i < c->n; i++) {
		uint64_t v = 0;
		ioctl(c->c[i].fd, PERF_EVENT_IOC_DISABLE, 0);
		if (read(c->c[i].fd, &v, sizeof(v)) == (ssize_t)sizeof(v))
			proto_values_add(out, c->c[i].name, (double)v * c->c[i].scale);
	}
}
