/* Container limits through cgroups: one interface over cgroup v2 and v1/hybrid hierarchies. */
#include "backends/lxc/cgroup.h"

#include "backends/child.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backends/child.h"

#define CGROUP_CPU_PERIOD_US 100000
#define CGROUP_RMDIR_TRIES   400 /* x 5 ms: a killed group can take a moment to empty */

static const char *const controller_names[CGROUP_NCONTROLLERS] = { "cpuset", "cpu", "memory" };

const char *cgroup_controller_name(enum cgroup_controller c)
{
	return c < CGROUP_NCONTROLLERS ? controller_names[c] : "?";
}

const char *cgroup_mode_name(enum cgroup_mode mode)
{
	switch (mode) {
	case CGROUP_MODE_V1: return "v1";
	case CGROUP_MODE_HYBRID: return "hybrid";
	case CGROUP_MODE_V2: return "v2";
	default: return "none";
	}
}

/* ---- small file helpers ---- */

static int cg_read(const char *dir, const char *file, char *buf, size_t size, struct vb_error *err)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "cgroup: open %s", path);
	ssize_t n = read(fd, buf, size - 1);
	int saved = errno;
	close(fd);
	if (n < 0) {
		errno = saved;
		return error_set_errno(err, "cgroup: read %s", path);
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	return 0;
}

/*
 * O_CREAT is harmless on cgroupfs (the control files already exist, and it refuses to create
 * others) and lets the same code write into the plain directories of a test's fake hierarchy.
 */
static int cg_write(const char *dir, const char *file, const char *value, struct vb_error *err)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return error_set_errno(err, "cgroup: open %s", path);
	size_t len = strlen(value);
	ssize_t n = write(fd, value, len);
	int saved = errno;
	close(fd);
	if (n != (ssize_t)len) {
		errno = n < 0 ? saved : EIO;
		return error_set_errno(err, "cgroup: write '%s' to %s", value, path);
	}
	return 0;
}

static bool cg_exists(const char *dir, const char *file)
{
	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

static bool word_in_list(const char *list, const char *word, const char *seps)
{
	size_t wl = strlen(word);
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, seps);
		if (n == wl && strncmp(p, word, n) == 0)
			return true;
		p += n;
		p += strspn(p, seps);
	}
	return false;
}

static int path_join(char out[PATH_MAX], const char *dir, const char *name, struct vb_error *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	if (n < 0 || n >= PATH_MAX) {
		out[0] = '\0';
		return error_set(err, "cgroup: path %s/%s is too long", dir, name);
	}
	return 0;
}

/* ---- detection ---- */

/* mountinfo escapes blanks as \040 etc. */
static void unescape_octal(char *s)
{
	char *out = s;
	for (char *in = s; *in;) {
		if (in[0] == '\\' && in[1] >= '0' && in[1] <= '7' && in[2] >= '0' && in[2] <= '7' &&
		    in[3] >= '0' && in[3] <= '7') {
			*out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
			in += 4;
		} else {
			*out++ = *in++;
		}
	}
	*out = '\0';
}

/* The process's cgroup path for a v1 controller (or v2 when controller is NULL), "/" if unlisted. */
static void self_cgroup_path(const char *self_cgroup_path, const char *controller, char *out,
			     size_t size)
{
	snprintf(out, size, "/");
	FILE *f = fopen(self_cgroup_path, "re");
	if (!f)
		return;
	char line[PATH_MAX + 256];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = '\0';
		const char *ctrls = c1 + 1;
		bool match = controller ? word_in_list(ctrls, controller, ",") : *ctrls == '\0';
		if (match) {
			snprintf(out, size, "%s", c2 + 1);
			break;
		}
	}
	fclose(f);
}

/* Directory of `cgpath` (as /proc/self/cgroup names it) inside a mount of that hierarchy. */
static void join_mount_path(const char *mountpoint, const char *mount_root, const char *cgpath,
			    char *out, size_t size)
{
	size_t rl = strlen(mount_root);
	if (strcmp(mount_root, "/") != 0 && strncmp(cgpath, mount_root, rl) == 0 &&
	    (cgpath[rl] == '/' || cgpath[rl] == '\0'))
		cgpath += rl;
	while (*cgpath == '/')
		cgpath++;
	int n = *cgpath ? snprintf(out, size, "%s/%s", mountpoint, cgpath)
			: snprintf(out, size, "%s", mountpoint);
	if (n < 0 || (size_t)n >= size)
		out[0] = '\0'; /* too long to use: treated as not mounted */
}

int cgroup_detect_from(const char *mountinfo_path, const char *self_cgroup_path_file,
		       struct cgroup_layout *layout, struct vb_error *err)
{
	memset(layout, 0, sizeof(*layout));
	FILE *f = fopen(mountinfo_path, "re");
	if (!f)
		return error_set_errno(err, "cgroup: open %s", mountinfo_path);
	char line[4096];
	bool have_v2 = false, have_v1 = false;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *field[6] = { 0 };
		char *save = NULL, *tok = strtok_r(line, " ", &save);
		int nf = 0;
		while (tok && nf < 6) {
			field[nf++] = tok;
			tok = strtok_r(NULL, " ", &save);
		}
		/* optional fields until "-", then fstype, source, super options */
		while (tok && strcmp(tok, "-") != 0)
			tok = strtok_r(NULL, " ", &save);
		char *fstype = strtok_r(NULL, " ", &save);
		char *source = strtok_r(NULL, " ", &save);
		char *superopts = strtok_r(NULL, " ", &save);
		if (nf < 5 || !fstype || !source)
			continue;
		char *root = field[3], *mountpoint = field[4];
		unescape_octal(root);
		unescape_octal(mountpoint);
		if (strcmp(fstype, "cgroup2") == 0 && !have_v2) {
			char self[PATH_MAX];
			have_v2 = true;
			/* New groups go at the mount's root: see the comment in create_v2. */
			snprintf(layout->v2_parent, sizeof(layout->v2_parent), "%s", mountpoint);
			self_cgroup_path(self_cgroup_path_file, NULL, self, sizeof(self));
			join_mount_path(mountpoint, root, self, layout->v2_self,
					sizeof(layout->v2_self));
		} else if (strcmp(fstype, "cgroup") == 0 && superopts) {
			char options[64] = "";
			char copy[1024];
			snprintf(copy, sizeof(copy), "%s", superopts);
			char *s2 = NULL;
			for (char *o = strtok_r(copy, ",", &s2); o; o = strtok_r(NULL, ",", &s2)) {
				if (strchr(o, '=') || strcmp(o, "rw") == 0 ||
				    strcmp(o, "ro") == 0 || strcmp(o, "xattr") == 0 ||
				    strcmp(o, "noprefix") == 0 ||
				    strcmp(o, "clone_children") == 0 ||
				    strcmp(o, "cpuset_v2_mode") == 0)
					continue;
				size_t used = strlen(options);
				snprintf(options + used, sizeof(options) - used, "%s%s",
					 used ? "," : "", o);
			}
			for (int c = 0; c < CGROUP_NCONTROLLERS; c++) {
				if (!word_in_list(superopts, controller_names[c], ",") ||
				    layout->v1_mount[c][0])
					continue;
				char self[PATH_MAX];
				self_cgroup_path(self_cgroup_path_file, controller_names[c], self,
						 sizeof(self));
				snprintf(layout->v1_mount[c], sizeof(layout->v1_mount[c]), "%s",
					 mountpoint);
				snprintf(layout->v1_options[c], sizeof(layout->v1_options[c]), "%s",
					 options);
				join_mount_path(mountpoint, root, self, layout->v1_parent[c],
						sizeof(layout->v1_parent[c]));
				if (c == CGROUP_CPUSET || c == CGROUP_MEMORY)
					have_v1 = true;
			}
		}
	}
	fclose(f);
	if (have_v1)
		layout->mode = have_v2 ? CGROUP_MODE_HYBRID : CGROUP_MODE_V1;
	else if (have_v2)
		layout->mode = CGROUP_MODE_V2;
	else
		layout->mode = CGROUP_MODE_NONE;
	if (layout->mode == CGROUP_MODE_V2 && geteuid() != 0)
		cgroup_v2_use_delegated_parent(layout);
	return 0;
}

static bool has_no_processes(const char *dir)
{
	char procs[16];
	struct vb_error ignored;
	return cg_read(dir, "cgroup.procs", procs, sizeof(procs), &ignored) == 0 &&
	       procs[0] == '\0';
}

/*
 * Without root only a delegated subtree is ours. The nearest ancestor of our own group that we
 * may write and that holds no processes itself (v2 lets only such a group enable controllers
 * for its children) becomes the parent; our own group holds us, so it never qualifies.
 */
void cgroup_v2_use_delegated_parent(struct cgroup_layout *layout)
{
	char dir[PATH_MAX];
	size_t root_len = strlen(layout->v2_parent);
	snprintf(dir, sizeof(dir), "%s", layout->v2_self);
	for (;;) {
		char *slash = strrchr(dir, '/');
		if (!slash || (size_t)(slash - dir) < root_len)
			return; /* none: the mount's root stays, and creating there will say why not */
		*slash = '\0';
		char control[PATH_MAX + 32];
		snprintf(control, sizeof(control), "%s/cgroup.subtree_control", dir);
		if (access(dir, W_OK) == 0 && access(control, W_OK) == 0 && has_no_processes(dir)) {
			snprintf(layout->v2_parent, sizeof(layout->v2_parent), "%s", dir);
			return;
		}
	}
}

int cgroup_detect(struct cgroup_layout *layout, struct vb_error *err)
{
	return cgroup_detect_from("/proc/self/mountinfo", "/proc/self/cgroup", layout, err);
}

/* ---- creation ---- */

static void remove_dir_quietly(const char *path)
{
	rmdir(path);
}

/*
 * As root, v2 groups go directly under the hierarchy's root: v2 refuses to enable controllers
 * for the children of a non-root group that holds processes (ours usually does), and the root
 * is exempt. Without root they go under a delegated ancestor (cgroup_v2_use_delegated_parent).
 */
static int create_v2(const struct cgroup_layout *layout, const char *name,
		     const struct cgroup_limits *limits, struct cgroup *cg, struct vb_error *err)
{
	const char *parent = layout->v2_parent;
	char available[256], enabled[256], want[64] = "";
	if (cg_read(parent, "cgroup.controllers", available, sizeof(available), err) < 0)
		return -1;
	if (cg_read(parent, "cgroup.subtree_control", enabled, sizeof(enabled), err) < 0)
		return -1;
	for (int c = 0; c < CGROUP_NCONTROLLERS; c++) {
		if (!word_in_list(available, controller_names[c], " "))
			return error_set(err, "cgroup v2: controller %s is not available in %s",
					 controller_names[c], parent);
		if (!word_in_list(enabled, controller_names[c], " ")) {
			size_t used = strlen(want);
			snprintf(want + used, sizeof(want) - used, "%s+%s", used ? " " : "",
				 controller_names[c]);
		}
	}
	if (want[0] && cg_write(parent, "cgroup.subtree_control", want, err) < 0)
		return error_prefix(err, "enabling controllers: ");

	char *dir = cg->path[0];
	if (path_join(dir, parent, name, err) < 0)
		return -1;
	if (mkdir(dir, 0755) < 0) {
		error_set_errno(err, "cgroup: mkdir %s", dir);
		dir[0] = '\0';
		return -1;
	}
	char value[64];
	if (limits->cpus && cg_write(dir, "cpuset.cpus", limits->cpus, err) < 0)
		goto fail;
	if (limits->ncpus) {
		snprintf(value, sizeof(value), "%u %u", limits->ncpus * CGROUP_CPU_PERIOD_US,
			 CGROUP_CPU_PERIOD_US);
		if (cg_write(dir, "cpu.max", value, err) < 0)
			goto fail;
	}
	if (limits->memory_bytes) {
		snprintf(value, sizeof(value), "%" PRIu64, limits->memory_bytes);
		if (cg_write(dir, "memory.max", value, err) < 0)
			goto fail;
		/* Without swap the limit means what the VM's RAM means; optional (no swap accounting). */
		if (cg_exists(dir, "memory.swap.max") &&
		    cg_write(dir, "memory.swap.max", "0", err) < 0)
			goto fail;
	}
	return 0;
fail:
	remove_dir_quietly(dir);
	dir[0] = '\0';
	return -1;
}

/* v1 groups nest under our own group in each hierarchy: v1 has no rule against it. */
static int create_v1(const struct cgroup_layout *layout, const char *name,
		     const struct cgroup_limits *limits, struct cgroup *cg, struct vb_error *err)
{
	if (!layout->v1_parent[CGROUP_CPUSET][0] && limits->cpus)
		return error_set(err, "cgroup v1: no cpuset hierarchy is mounted");
	if (!layout->v1_parent[CGROUP_MEMORY][0] && limits->memory_bytes)
		return error_set(err, "cgroup v1: no memory hierarchy is mounted");
	if (!layout->v1_parent[CGROUP_CPU][0] && limits->ncpus)
		return error_set(err, "cgroup v1: no cpu hierarchy is mounted");

	for (int c = 0; c < CGROUP_NCONTROLLERS; c++) {
		const char *parent = layout->v1_parent[c];
		if (!parent[0])
			continue;
		char *dir = cg->path[c];
		if (path_join(dir, parent, name, err) < 0)
			return -1;
		bool shared = false; /* co-mounted with an earlier controller (cpu,cpuacct,...) */
		for (int d = 0; d < c; d++)
			shared |= strcmp(cg->path[d], dir) == 0;
		if (!shared && mkdir(dir, 0755) < 0) {
			error_set_errno(err, "cgroup: mkdir %s", dir);
			dir[0] = '\0';
			return -1;
		}
		char value[256];
		switch (c) {
		case CGROUP_CPUSET:
			/* A new v1 cpuset starts empty and refuses tasks until both are set. */
			if (cg_read(parent, "cpuset.mems", value, sizeof(value), err) < 0 ||
			    cg_write(dir, "cpuset.mems", value, err) < 0)
				return -1;
			if (!limits->cpus &&
			    cg_read(parent, "cpuset.cpus", value, sizeof(value), err) < 0)
				return -1;
			if (cg_write(dir, "cpuset.cpus", limits->cpus ? limits->cpus : value, err) <
			    0)
				return -1;
			break;
		case CGROUP_CPU:
			if (!limits->ncpus)
				break;
			snprintf(value, sizeof(value), "%u", CGROUP_CPU_PERIOD_US);
			if (cg_write(dir, "cpu.cfs_period_us", value, err) < 0)
				return -1;
			snprintf(value, sizeof(value), "%u", limits->ncpus * CGROUP_CPU_PERIOD_US);
			if (cg_write(dir, "cpu.cfs_quota_us", value, err) < 0)
				return -1;
			break;
		case CGROUP_MEMORY:
			if (!limits->memory_bytes)
				break;
			snprintf(value, sizeof(value), "%" PRIu64, limits->memory_bytes);
			if (cg_write(dir, "memory.limit_in_bytes", value, err) < 0)
				return -1;
			/* memsw must not be below the memory limit, hence this order. */
			if (cg_exists(dir, "memory.memsw.limit_in_bytes") &&
			    cg_write(dir, "memory.memsw.limit_in_bytes", value, err) < 0)
				return -1;
			break;
		}
	}
	return 0;
}

int cgroup_create(const struct cgroup_layout *layout, const char *name,
		  const struct cgroup_limits *limits, struct cgroup *cg, struct vb_error *err)
{
	memset(cg, 0, sizeof(*cg));
	cg->layout = layout;
	int rc;
	switch (layout->mode) {
	case CGROUP_MODE_V2: rc = create_v2(layout, name, limits, cg, err); break;
	case CGROUP_MODE_V1:
	case CGROUP_MODE_HYBRID: rc = create_v1(layout, name, limits, cg, err); break;
	default: return error_set(err, "cgroup: no usable cgroup hierarchy is mounted");
	}
	if (rc < 0) {
		struct vb_error ignored;
		cgroup_destroy(cg, &ignored);
	}
	return rc;
}

/* Each distinct directory once (v1 hierarchies may be co-mounted). */
static bool is_first_use(const struct cgroup *cg, int c)
{
	if (!cg->path[c][0])
		return false;
	for (int d = 0; d < c; d++)
		if (strcmp(cg->path[d], cg->path[c]) == 0)
			return false;
	return true;
}

int cgroup_attach(const struct cgroup *cg, pid_t pid, struct vb_error *err)
{
	char value[32];
	snprintf(value, sizeof(value), "%d", (int)pid);
	for (int c = 0; c < CGROUP_NCONTROLLERS; c++)
		if (is_first_use(cg, c) && cg_write(cg->path[c], "cgroup.procs", value, err) < 0)
			return -1;
	return 0;
}

int cgroup_memory_usage(const struct cgroup *cg, uint64_t *bytes, struct vb_error *err)
{
	char value[64];
	int rc;
	if (cg->layout->mode == CGROUP_MODE_V2)
		rc = cg_read(cg->path[0], "memory.current", value, sizeof(value), err);
	else if (cg->path[CGROUP_MEMORY][0])
		rc = cg_read(cg->path[CGROUP_MEMORY], "memory.usage_in_bytes", value, sizeof(value),
			     err);
	else
		return error_set(err, "cgroup: no memory controller");
	if (rc < 0)
		return -1;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(value, &end, 10);
	if (errno || end == value)
		return error_set(err, "cgroup: unexpected memory usage '%s'", value);
	*bytes = v;
	return 0;
}

static void kill_members(const char *dir)
{
	if (cg_exists(dir, "cgroup.kill")) {
		struct vb_error ignored;
		if (cg_write(dir, "cgroup.kill", "1", &ignored) == 0)
			return;
	}
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	long pid;
	while (fscanf(f, "%ld", &pid) == 1)
		if (pid > 0)
			kill((pid_t)pid, SIGKILL);
	fclose(f);
}

int cgroup_destroy(struct cgroup *cg, struct vb_error *err)
{
	int rc = 0;
	for (int c = CGROUP_NCONTROLLERS - 1; c >= 0; c--) {
		if (!is_first_use(cg, c))
			continue;
		kill_members(cg->path[c]);
		int tries = 0;
		while (rmdir(cg->path[c]) < 0 && errno != ENOENT) {
			if (errno != EBUSY || ++tries >= CGROUP_RMDIR_TRIES) {
				rc = error_set_errno(err, "cgroup: rmdir %s", cg->path[c]);
				break;
			}
			kill_members(cg->path[c]);
			nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000 * 1000 }, NULL);
		}
	}
	if (rc == 0)
		for (int c = 0; c < CGROUP_NCONTROLLERS; c++)
			cg->path[c][0] = '\0';
	return rc;
}

/* The creator's pid of a "<prefix><pid>-..." name, or 0 when the name is not one of ours. */
static pid_t stale_owner(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);
	if (strncmp(name, prefix, pl) != 0)
		return 0;
	char *end;
	long pid = strtol(name + pl, &end, 10);
	if (end == name + pl || *end != '-' || pid <= 0)
		return 0;
	return (pid_t)pid;
}

int cgroup_prune_stale(const struct cgroup_layout *layout, const char *prefix)
{
	int removed = 0;
	for (int c = 0; c < CGROUP_NCONTROLLERS; c++) {
		const char *parent = layout->mode == CGROUP_MODE_V2
					     ? (c == 0 ? layout->v2_parent : "")
					     : layout->v1_parent[c];
		if (!parent[0])
			continue;
		DIR *d = opendir(parent);
		if (!d)
			continue;
		for (struct dirent *e; (e = readdir(d));) {
			pid_t owner = stale_owner(e->d_name, prefix);
			if (!backend_process_gone(owner))
				continue;
			struct cgroup cg = { .layout = layout };
			if (path_join(cg.path[0], parent, e->d_name, NULL) < 0)
				continue;
			struct vb_error ignored;
			if (cgroup_destroy(&cg, &ignored) == 0)
				removed++;
		}
		closedir(d);
	}
	return removed;
}

int cgroup_check_usable(const struct cgroup_layout *layout, struct vb_error *err)
{
	if (layout->mode == CGROUP_MODE_NONE)
		return error_set(err, "no cgroup hierarchy with cpuset and memory is mounted");
	cpu_set_t set;
	int cpu = 0;
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		for (cpu = 0; cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &set); cpu++)
			;
	char cpus[16], name[64];
	snprintf(cpus, sizeof(cpus), "%d", cpu);
	snprintf(name, sizeof(name), "vbench-probe-%d", (int)getpid());
	struct cgroup_limits limits = { .cpus = cpus, .ncpus = 1, .memory_bytes = 64 << 20 };
	struct cgroup cg;
	if (cgroup_create(layout, name, &limits, &cg, err) < 0)
		return error_prefix(err, "cgroup %s: ", cgroup_mode_name(layout->mode));
	return cgroup_destroy(&cg, err);
}
