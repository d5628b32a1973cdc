/* What the agent can see of its isolation: PID 1, namespaces, uid map, capabilities, limits. */
#include "guest-agent/isolation.h"

#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

/* v1 reports "no limit" as a huge page-aligned number; anything this large means the same. */
#define ISOLATION_UNLIMITED (1ULL << 60)

/* One "Key:\tvalue" line of /proc/self/status, or "" when absent. */
static void status_field(const char *key, char *out, size_t size)
{
	out[0] = '\0';
	FILE *f = fopen("/proc/self/status", "re");
	if (!f)
		return;
	char line[256];
	size_t kl = strlen(key);
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, kl) != 0 || line[kl] != ':')
			continue;
		char *v = line + kl + 1;
		v += strspn(v, " \t");
		v[strcspn(v, "\n")] = '\0';
		snprintf(out, size, "%s", v);
		break;
	}
	fclose(f);
}

/* uid_map with its columns' padding collapsed: "0 0 4294967295" (lines joined by "; "). */
static void uid_map(char *out, size_t size)
{
	out[0] = '\0';
	FILE *f = fopen("/proc/self/uid_map", "re");
	if (!f)
		return;
	char line[128];
	size_t used = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long inside, outside, count;
		if (sscanf(line, "%llu %llu %llu", &inside, &outside, &count) != 3)
			continue;
		int n = snprintf(out + used, size - used, "%s%llu %llu %llu", used ? "; " : "",
				 inside, outside, count);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
	fclose(f);
}

/* The affinity mask as a list: "0-3,6". */
static void cpu_list(char *out, size_t size)
{
	cpu_set_t set;
	out[0] = '\0';
	if (sched_getaffinity(0, sizeof(set), &set) < 0)
		return;
	size_t used = 0;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &set))
			continue;
		int last = cpu;
		while (last + 1 < CPU_SETSIZE && CPU_ISSET(last + 1, &set))
			last++;
		int n = last > cpu
				? snprintf(out + used, size - used, "%s%d-%d", used ? "," : "", cpu,
					   last)
				: snprintf(out + used, size - used, "%s%d", used ? "," : "", cpu);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
		cpu = last;
	}
}

/*
 * Where our cgroup of a hierarchy is mounted: the cgroup2 mount (controller NULL) or the v1
 * mount whose options name the controller, joined with our path from /proc/self/cgroup.
 */
static bool cgroup_dir(const char *controller, char *out, size_t size, char mount[PATH_MAX])
{
	char own[PATH_MAX] = "", line[PATH_MAX + 256];
	bool found = false;
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		char *ctrls = c1 + 1;
		if (controller) {
			for (char *save = NULL, *t = strtok_r(ctrls, ",", &save); t && !found;
			     t = strtok_r(NULL, ",", &save))
				found = strcmp(t, controller) == 0;
		} else {
			found = *ctrls == '\0';
		}
		if (found)
			snprintf(own, sizeof(own), "%s", c2 + 1);
	}
	fclose(f);
	if (!found)
		return false;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return false;
	found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		char root[PATH_MAX], mnt[PATH_MAX], *sep = strstr(line, " - ");
		char fstype[32], opts[512];
		if (!sep || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mnt) != 2 ||
		    sscanf(sep + 3, "%31s %*s %511s", fstype, opts) != 2)
			continue;
		if (controller ? strcmp(fstype, "cgroup") != 0 : strcmp(fstype, "cgroup2") != 0)
			continue;
		if (controller) {
			bool has = false;
			for (char *save = NULL, *t = strtok_r(opts, ",", &save); t && !has;
			     t = strtok_r(NULL, ",", &save))
				has = strcmp(t, controller) == 0;
			if (!has)
				continue;
		}
		const char *rel = own;
		size_t rl = strlen(root);
		if (strcmp(root, "/") != 0) {
			if (strncmp(own, root, rl) != 0)
				continue; /* our group is not below this mount's root */
			rel = own + rl;
		}
		int n = snprintf(out, size, "%s%s", mnt, rel);
		found = n > 0 && (size_t)n < size;
		if (found)
			snprintf(mount, PATH_MAX, "%s", mnt);
	}
	fclose(f);
	return found;
}

/* The tightest limit in `file` from our group up to the mount's root; false if none is readable. */
static bool read_limit(const char *dir, const char *mount, const char *file, uint64_t *limit)
{
	char path[PATH_MAX + 64];
	bool any = false;
	char d[PATH_MAX];
	snprintf(d, sizeof(d), "%s", dir);
	for (;;) {
		snprintf(path, sizeof(path), "%s/%s", d, file);
		FILE *f = fopen(path, "re");
		if (f) {
			char v[64];
			if (fgets(v, sizeof(v), f)) {
				any = true;
				if (strncmp(v, "max", 3) != 0) {
					uint64_t x = strtoull(v, NULL, 10);
					if (x < *limit)
						*limit = x;
				}
			}
			fclose(f);
		}
		char *slash = strrchr(d, '/');
		if (!slash || strlen(d) <= strlen(mount))
			break;
		*slash = '\0';
	}
	return any;
}

/* "max" or a byte count, as the cgroup the agent is in (v2 first, then v1) limits it. */
static void memory_limit(char *out, size_t size)
{
	char dir[PATH_MAX], mount[PATH_MAX];
	uint64_t limit = UINT64_MAX;
	bool seen = false;
	if (cgroup_dir(NULL, dir, sizeof(dir), mount))
		seen = read_limit(dir, mount, "memory.max", &limit);
	if (!seen && cgroup_dir("memory", dir, sizeof(dir), mount))
		seen = read_limit(dir, mount, "memory.limit_in_bytes", &limit);
	if (!seen || limit >= ISOLATION_UNLIMITED)
		snprintf(out, size, "max");
	else
		snprintf(out, size, "%" PRIu64, limit);
}

void isolation_write_json(struct json_writer *w)
{
	char buf[512];
	struct stat st;
	json_object_begin(w);
	json_kv_bool(w, "pid1", getpid() == 1);
	ssize_t n = readlink("/proc/self/ns/pid", buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	json_kv_string(w, "pid_ns", buf);
	json_kv_int(w, "pid_ns_inode",
		    stat("/proc/self/ns/pid", &st) == 0 ? (int64_t)st.st_ino : -1);
	uid_map(buf, sizeof(buf));
	json_kv_string(w, "uid_map", buf);
	status_field("CapEff", buf, sizeof(buf));
	json_kv_string(w, "cap_eff", buf);
	status_field("Seccomp", buf, sizeof(buf));
	json_kv_int(w, "seccomp", buf[0] ? atoi(buf) : -1);
	json_kv_bool(w, "no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	cpu_list(buf, sizeof(buf));
	json_kv_string(w, "cpus", buf);
	memory_limit(buf, sizeof(buf));
	json_kv_string(w, "memory_limit", buf);
	struct utsname u;
	json_kv_string(w, "hostname", uname(&u) == 0 ? u.nodename : "");
	json_object_end(w);
}
