/* CPU time of a set of CPUs from /proc/stat: what they were busy with, and what was stolen. */
#include "guest-agent/proc-stat.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* /proc/stat's columns, in the order of proc(5): user nice system idle iowait irq softirq steal */
enum {
	STAT_USER,
	STAT_NICE,
	STAT_SYSTEM,
	STAT_IDLE,
	STAT_IOWAIT,
	STAT_IRQ,
	STAT_SOFTIRQ,
	STAT_STEAL,
	STAT_COLUMNS
};

/* One "cpu..." line's columns after its name; missing ones are 0. */
static void parse_columns(const char *p, uint64_t col[STAT_COLUMNS])
{
	memset(col, 0, STAT_COLUMNS * sizeof(col[0]));
	for (int i = 0; i < STAT_COLUMNS; i++) {
		p += strspn(p, " \t");
		if (*p < '0' || *p > '9')
			return; /* the line ended: an older kernel's fewer columns */
		char *end;
		uint64_t v = strtoull(p, &end, 10);
		col[i] = v;
		p = end;
	}
}

int proc_stat_parse(const char *text, const cpu_set_t *set, struct proc_stat_cpus *out)
{
	memset(out, 0, sizeof(*out));
	for (const char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		next = next ? next + 1 : NULL;
		if (strncmp(line, "cpu", 3) != 0)
			continue;
		const char *p = line + 3;
		if (set) {
			char *end;
			unsigned long cpu = strtoul(p, &end, 10);
			if (end == p || *end != ' ' || cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, set))
				continue;
			p = end;
		} else if (*p != ' ') {
			continue;
		}
		uint64_t col[STAT_COLUMNS];
		parse_columns(p, col);
		out->busy += col[STAT_USER] + col[STAT_NICE] + col[STAT_SYSTEM] + col[STAT_IRQ] +
			     col[STAT_SOFTIRQ];
		out->steal += col[STAT_STEAL];
		out->total += col[STAT_USER] + col[STAT_NICE] + col[STAT_SYSTEM] + col[STAT_IDLE] +
			      col[STAT_IOWAIT] + col[STAT_IRQ] + col[STAT_SOFTIRQ] +
			      col[STAT_STEAL];
		out->cpus++;
		if (!set)
			break;
	}
	return out->cpus ? 0 : -1;
}

int proc_stat_read(const cpu_set_t *set, struct proc_stat_cpus *out)
{
	/* 4096 CPUs at ~100 bytes a line; the lines after the CPUs' are not needed */
	static char text[1 << 19];
	memset(out, 0, sizeof(*out));
	FILE *f = fopen("/proc/stat", "re");
	if (!f)
		return -1;
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return proc_stat_parse(text, set, out);
}

void proc_stat_elapsed(const struct proc_stat_cpus *before, const struct proc_stat_cpus *after,
		       long hz, double ms[3])
{
	ms[0] = ms[1] = ms[2] = NAN;
	if (!before || !after || hz <= 0 || before->cpus != after->cpus ||
	    after->steal < before->steal || after->busy < before->busy ||
	    after->total < before->total)
		return;
	double per_tick = 1000.0 / (double)hz;
	ms[0] = (double)(after->steal - before->steal) * per_tick;
	ms[1] = (double)(after->busy - before->busy) * per_tick;
	ms[2] = (double)(after->total - before->total) * per_tick;
}
