/* CPU time of a set of CPUs from /proc/stat: what they were busy with, and what was stolen. */
#ifndef VB_AGENT_PROC_STAT_H
#define VB_AGENT_PROC_STAT_H

#include <sched.h>
#include <stdint.h>

/* Clock ticks (USER_HZ) summed over the CPUs asked for. */
struct proc_stat_cpus {
	uint64_t busy;	/* user, nice, system, irq, softirq (a guest's time is inside user) */
	uint64_t steal; /* time the hypervisor ran something else while these CPUs wanted to run */
	uint64_t total; /* busy + idle + iowait + steal: all the time these CPUs had */
	unsigned cpus;	/* how many of the CPUs asked for had a line */
};

/*
 * Sum the "cpuN" lines of /proc/stat's text for every N in set, or take the "cpu" line (all
 * CPUs) when set is NULL. Columns an older kernel lacks count as 0. Returns 0, or -1 when no
 * line matched.
 */
int proc_stat_parse(const char *text, const cpu_set_t *set, struct proc_stat_cpus *out);
/* The same from /proc/stat itself; -1 when it cannot be read or matches nothing. */
int proc_stat_read(const cpu_set_t *set, struct proc_stat_cpus *out);
/*
 * What happened between two readings, in milliseconds at hz ticks per second: ms[0] steal,
 * ms[1] busy, ms[2] total. NaN each when a count went backwards (a CPU went offline) or a
 * reading is missing (before or after NULL).
 */
void proc_stat_elapsed(const struct proc_stat_cpus *before, const struct proc_stat_cpus *after,
		       long hz, double ms[3]);

#endif
