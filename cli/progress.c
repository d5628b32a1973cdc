/* Progress while running: a live line on a terminal, plain lines otherwise, nothing with --quiet. */
#include "cli/progress.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/clock.h"

void progress_init(struct progress *p, bool quiet)
{
	memset(p, 0, sizeof(*p));
	p->quiet = quiet;
	p->tty = isatty(STDERR_FILENO);
	p->start_s = clock_now_s();
}

void progress_set_total(struct progress *p, size_t workloads, unsigned samples_per_workload)
{
	p->workloads_total = workloads;
	p->samples_per_workload = samples_per_workload;
}

static void clear_line(struct progress *p)
{
	if (p->line_open) {
		fprintf(stderr, "\r\033[K");
		p->line_open = false;
	}
}

void progress_workload(struct progress *p, const char *id)
{
	if (p->workload[0])
		p->workloads_done++;
	snprintf(p->workload, sizeof(p->workload), "%s", id);
	if (p->quiet || p->tty)
		return;
	fprintf(stderr, "vbench: [%zu/%zu] %s (%.0f s elapsed)\n", p->workloads_done + 1,
		p->workloads_total, id, clock_now_s() - p->start_s);
}

void progress_sample(struct progress *p, const char *backend, const char *workload, unsigned i,
		     unsigned n, bool warmup)
{
	p->samples_done++;
	if (p->quiet || !p->tty)
		return;
	double elapsed = clock_now_s() - p->start_s;
	unsigned total = (unsigned)p->workloads_total * p->samples_per_workload;
	double left = p->samples_done > 1 && total > p->samples_done
			      ? elapsed / (p->samples_done - 1) * (total - p->samples_done + 1)
			      : 0;
	fprintf(stderr, "\r\033[K[%zu/%zu] %-7s %-18s %s %u/%u  %4.0f s elapsed, ~%.0f s left",
		p->workloads_done + 1, p->workloads_total, backend, workload,
		warmup ? "warm-up" : "sample", i, n, elapsed, left);
	p->line_open = true;
}

void progress_note(struct progress *p, const char *message)
{
	if (p->quiet)
		return;
	clear_line(p);
	fprintf(stderr, "vbench: %s\n", message);
}

void progress_done(struct progress *p)
{
	if (p->quiet)
		return;
	clear_line(p);
}

static void observe_begin(void *p, size_t workloads, unsigned samples_per_workload)
{
	progress_set_total(p, workloads, samples_per_workload);
}

static void observe_workload(void *p, const char *id)
{
	progress_workload(p, id);
}

static void observe_sample(void *p, const char *backend, const char *workload, unsigned i,
			   unsigned n, bool warmup)
{
	progress_sample(p, backend, workload, i, n, warmup);
}

static void observe_note(void *p, const char *message)
{
	progress_note(p, message);
}

static void observe_end(void *p)
{
	progress_done(p);
}

struct run_observer progress_observer(struct progress *p)
{
	return (struct run_observer){ .ctx = p,
				      .begin = observe_begin,
				      .workload = observe_workload,
				      .sample = observe_sample,
				      .note = observe_note,
				      .end = observe_end };
}
