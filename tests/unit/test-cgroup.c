/* Unit tests for backends/lxc/cgroup.c: v2 and v1/hybrid against fake hierarchies, then the host's. */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "backends/lxc/cgroup.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

struct fixture {
	char dir[64];
	char mountinfo[128];
	char self[128];
};

static void put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void get(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(out, size, "<missing: %s>", strerror(errno));
		return;
	}
	size_t n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	fclose(f);
}

static void assert_file(const char *dir, const char *file, const char *want)
{
	char path[3 * PATH_MAX], got[256];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	get(path, got, sizeof(got));
	assert_string_equal(got, want);
}

static void mkdirs(const char *path)
{
	char copy[PATH_MAX];
	snprintf(copy, sizeof(copy), "%s", path);
	for (char *p = copy + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(copy, 0755);
			*p = '/';
		}
	assert_true(mkdir(copy, 0755) == 0 || errno == EEXIST);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/vbench-test-cgroup-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(f->mountinfo, sizeof(f->mountinfo), "%s/mountinfo", f->dir);
	snprintf(f->self, sizeof(f->self), "%s/self-cgroup", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

/* A child that waits to be killed, standing in for a container's init. */
static pid_t spawn_sleeper(void)
{
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

static void assert_killed(pid_t pid)
{
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGKILL);
}

static void unlink_all(const char *dir, const char *const *files)
{
	char path[3 * PATH_MAX];
	for (; *files; files++) {
		snprintf(path, sizeof(path), "%s/%s", dir, *files);
		unlink(path);
	}
}

/* ---- cgroup v2 ---- */

/* The mount point has a blank in it: mountinfo escapes it as \040. */
static void write_v2_tree(struct fixture *f, char root[PATH_MAX], const char *subtree_control)
{
	char path[PATH_MAX + 32], line[PATH_MAX + 128];
	snprintf(root, PATH_MAX, "%s/cg2 root", f->dir);
	mkdirs(root);
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	put(path, "cpuset cpu io memory hugetlb pids\n");
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	put(path, subtree_control);
	snprintf(line, sizeof(line),
		 "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
		 "30 22 0:26 / %s/cg2\\040root rw,nosuid,nodev - cgroup2 cgroup2 rw,nsdelegate\n",
		 f->dir);
	put(f->mountinfo, line);
	put(f->self, "0::/user.slice/session-1.scope\n");
}

static void test_v2_create_attach_destroy(void **state)
{
	struct fixture *f = *state;
	char root[PATH_MAX], dir[PATH_MAX + 32];
	struct vb_error err = { 0 };
	struct cgroup_layout layout;
	write_v2_tree(f, root, "pids\n");

	assert_int_equal(cgroup_detect_from(f->mountinfo, f->self, &layout, &err), 0);
	assert_int_equal(layout.mode, CGROUP_MODE_V2);
	assert_string_equal(cgroup_mode_name(layout.mode), "v2");
	assert_string_equal(layout.v2_parent, root);

	struct cgroup_limits limits = { .cpus = "0,1", .ncpus = 2, .memory_bytes = 256ULL << 20 };
	struct cgroup cg;
	assert_int_equal(cgroup_create(&layout, "vbench-t", &limits, &cg, &err), 0);
	assert_file(root, "cgroup.subtree_control", "+cpuset +cpu +memory");
	snprintf(dir, sizeof(dir), "%s/vbench-t", root);
	assert_string_equal(cg.path[0], dir);
	assert_file(dir, "cpuset.cpus", "0,1");
	assert_file(dir, "cpu.max", "200000 100000");
	assert_file(dir, "memory.max", "268435456");
	/* optional: only written where the kernel offers it */
	assert_file(dir, "memory.swap.max", "<missing: No such file or directory>");

	/* a second group of the same name must not silently share the first one's limits */
	struct cgroup again;
	assert_int_equal(cgroup_create(&layout, "vbench-t", &limits, &again, &err), -1);
	assert_non_null(strstr(err.message, "mkdir"));

	pid_t child = spawn_sleeper();
	assert_int_equal(cgroup_attach(&cg, child, &err), 0);
	char pidtext[32];
	snprintf(pidtext, sizeof(pidtext), "%d", (int)child);
	assert_file(dir, "cgroup.procs", pidtext);

	char path[PATH_MAX + 64];
	snprintf(path, sizeof(path), "%s/memory.current", dir);
	put(path, "1048576\n");
	uint64_t bytes = 0;
	assert_int_equal(cgroup_memory_usage(&cg, &bytes, &err), 0);
	assert_int_equal(bytes, 1048576);

	/* A fake directory with files in it cannot be removed, but the members are killed first. */
	assert_int_equal(cgroup_destroy(&cg, &err), -1);
	assert_non_null(strstr(err.message, "rmdir"));
	assert_killed(child);
	static const char *const files[] = { "cpuset.cpus",  "cpu.max",	       "memory.max",
					     "cgroup.procs", "memory.current", NULL };
	unlink_all(dir, files);
	assert_int_equal(cgroup_destroy(&cg, &err), 0);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(cgroup_destroy(&cg, &err), 0); /* idempotent */
}

static void test_v2_keeps_enabled_controllers(void **state)
{
	struct fixture *f = *state;
	char root[PATH_MAX], dir[PATH_MAX + 32];
	struct vb_error err = { 0 };
	struct cgroup_layout layout;
	write_v2_tree(f, root, "cpuset cpu io memory pids\n");
	assert_int_equal(cgroup_detect_from(f->mountinfo, f->self, &layout, &err), 0);
	struct cgroup_limits limits = { .cpus = "3", .ncpus = 1, .memory_bytes = 0 };
	struct cgroup cg;
	assert_int_equal(cgroup_create(&layout, "vb", &limits, &cg, &err), 0);
	assert_file(root, "cgroup.subtree_control", "cpuset cpu io memory pids\n");
	snprintf(dir, sizeof(dir), "%s/vb", root);
	assert_file(dir, "cpu.max", "100000 100000");
	assert_file(dir, "memory.max", "<missing: No such file or directory>");
	static const char *const files[] = { "cpuset.cpus", "cpu.max", NULL };
	unlink_all(dir, files);
	assert_int_equal(cgroup_destroy(&cg, &err), 0);
}

static void test_v2_missing_controller(void **state)
{
	struct fixture *f = *state;
	char root[PATH_MAX], path[PATH_MAX + 32];
	struct vb_error err = { 0 };
	struct cgroup_layout layout;
	write_v2_tree(f, root, "");
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	put(path, "cpu io pids\n");
	assert_int_equal(cgroup_detect_from(f->mountinfo, f->self, &layout, &err), 0);
	struct cgroup_limits limits = { .cpus = "0", .ncpus = 1, .memory_bytes = 64 << 20 };
	struct cgroup cg;
	assert_int_equal(cgroup_create(&layout, "vb", &limits, &cg, &err), -1);
	assert_non_null(strstr(err.message, "cpuset"));
	snprintf(path, sizeof(path), "%s/vb", root);
	assert_int_equal(access(path, F_OK), -1); /* nothing left behind */
}

/* Without root, a v2 group goes under the nearest ancestor that holds no processes itself. */
static void test_v2_delegated_parent(void **state)
{
	struct fixture *f = *state;
	char root[PATH_MAX], path[PATH_MAX + 128], svc[PATH_MAX + 64], app[PATH_MAX + 96];
	struct vb_error err = { 0 };
	struct cgroup_layout layout;
	write_v2_tree(f, root, "");
	put(f->self, "0::/user.slice/user@1000.service/app.slice/term.scope\n");
	snprintf(svc, sizeof(svc), "%s/user.slice/user@1000.service", root);
	snprintf(app, sizeof(app), "%s/app.slice", svc);
	snprintf(path, sizeof(path), "%s/term.scope", app);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/term.scope/cgroup.procs", app);
	put(path, "4242\n");
	static const char *const levels[] = { "user.slice", "user.slice/user@1000.service",
					      "user.slice/user@1000.service/app.slice" };
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s/cgroup.procs", root, levels[i]);
		put(path, "");
		snprintf(path, sizeof(path), "%s/%s/cgroup.subtree_control", root, levels[i]);
		put(path, "");
	}
	assert_int_equal(cgroup_detect_from(f->mountinfo, f->self, &layout, &err), 0);
	snprintf(path, sizeof(path), "%s/term.scope", app);
	assert_string_equal(layout.v2_self, path);
	cgroup_v2_use_delegated_parent(&layout);
	assert_string_equal(layout.v2_parent, app);

	/* a parent with processes of its own cannot enable controllers: one level further up */
	snprintf(path, sizeof(path), "%s/cgroup.procs", app);
	put(path, "77\n");
	snprintf(layout.v2_parent, sizeof(layout.v2_parent), "%s", root);
	cgroup_v2_use_delegated_parent(&layout);
	assert_string_equal(layout.v2_parent, svc);
}

/* ---- cgroup v1 and hybrid ---- */

static void write_v1_tree(struct fixture *f, bool with_unified, char base[PATH_MAX])
{
	char path[PATH_MAX + 64], text[4 * PATH_MAX];
	snprintf(base, PATH_MAX, "%s/v1", f->dir);
	snprintf(path, sizeof(path), "%s/cpuset", base);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/cpuset/cpuset.mems", base);
	put(path, "0-1\n");
	snprintf(path, sizeof(path), "%s/cpuset/cpuset.cpus", base);
	put(path, "0-3\n");
	snprintf(path, sizeof(path), "%s/cpu,cpuacct", base);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/memory/process_api/abc", base);
	mkdirs(path);
	snprintf(path, sizeof(path), "%s/unified", f->dir);
	mkdirs(path);
	int n = snprintf(text, sizeof(text),
			 "31 23 0:28 / %s rw - tmpfs tmpfs rw,mode=755\n"
			 "32 31 0:29 / %s/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct\n"
			 "34 31 0:31 / %s/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
			 "35 31 0:32 / %s/memory rw,relatime - cgroup cgroup rw,memory\n"
			 "40 31 0:37 / %s/systemd rw - cgroup cgroup rw,xattr,name=systemd\n",
			 base, base, base, base, base);
	if (with_unified)
		snprintf(text + n, sizeof(text) - (size_t)n,
			 "41 31 0:38 / %s/unified rw,relatime - cgroup2 cgroup2 rw\n", f->dir);
	put(f->mountinfo, text);
	put(f->self, "9:name=systemd:/\n4:memory:/process_api/abc\n3:cpuset:/\n"
		     "1:cpu,cpuacct:/\n0::/\n");
}

static void test_v1_hybrid_create_attach_destroy(void **state)
{
	struct fixture *f = *state;
	char base[PATH_MAX], cpuset[PATH_MAX + 32], cpu[PATH_MAX + 32], memory[PATH_MAX + 64];
	struct vb_error err = { 0 };
	struct cgroup_layout layout;
	write_v1_tree(f, true, base);

	assert_int_equal(cgroup_detect_from(f->mountinfo, f->self, &layout, &err), 0);
	assert_int_equal(layout.mode, CGROUP_MODE_HYBRID);
	assert_string_equal(cgroup_mode_name(layout.mode), "hybrid");
	snprintf(memory, sizeof(memory), "%s/memory/process_api/abc", base);
	assert_string_equal(layout.v1_parent[CGROUP_MEMORY], memory);
	assert_string_equal(layout.v1_options[CGROUP_CPU], "cpu,cpuacct");
	assert_string_equal(layout.v1_options[CGROUP_CPUSET], "cpuset");

	struct cgroup_limits limits = { .cpus = "1", .ncpus = 1, .memory_bytes = 64ULL << 20 };
	struct cgroup cg;
	assert_int_equal(cgroup_create(&layout, "vb-t", &limits, &cg, &err), 0);
	snprintf(cpuset, sizeof(cpuset), "%s/cpuset/vb-t", base);
	snprintf(cpu, sizeof(cpu), "%s/cpu,cpuacct/vb-t", base);
	snprintf(memory, sizeof(memory), "%s/memory/process_api/abc/vb-t", base);
	/* a new v1 cpuset takes no tasks until its mems are set: copied from the parent */
	assert_file(cpuset, "cpuset.mems", "0-1");
	assert_file(cpuset, "cpuset.cpus", "1");
	assert_file(cpu, "cpu.cfs_period_us", "100000");
	assert_file(cpu, "cpu.cfs_quota_us", "100000");
	assert_file(memory, "memory.limit_in_bytes", "67108864");
	assert_file(memory, "memory.memsw.limit_in_bytes", "<missing: No such file or directory>");

	pid_t child = spawn_sleeper();
	assert_int_equal(cgroup_attach(&cg, child, &err), 0);
	char pidtext[32];
	snprintf(pidtext, sizeof(pidtext), "%d", (int)child);
	assert_file(cpuset, "cgroup.procs", pidtext);
	assert_file(cpu, "cgroup.procs", pidtext);
	assert_file(memory, "cgroup.procs", pidtext);

	char path[PATH_MAX + 96];
	snprintf(path, sizeof(path), "%s/memory.usage_in_bytes", memory);
	put(path, "8192\n");
	uint64_t bytes = 0;
	assert_int_equal(cgroup_memory_usage(&cg, &bytes, &err), 0);
	assert_int_equal(bytes, 8192);

	assert_int_equal(cgroup_destroy(&cg, &err), -1);
	assert_killed(child);
	static const char *const files[] = { "cpuset.mems",	      "cpuset.cpus",
					     "cpu.cfs_period_us",     "cpu.cfs_quota_us",
					     "memory.limit_in_bytes", "memory.usage_in_bytes",
					     "cgroup.procs",	      NULL };
	unlink_all(cpuset, files);
	unlink_all(cpu, files);
	unlink_all(memory, files);
	assert_int_equal(cgroup_destroy(&cg, &err), 0);
	assert_int_equal(access(cpuset, F_OK), -1);
	assert_int_equal(access(cpu, F_OK), -1);
	assert_int_equal(access(memory, F_OK), -1);
}

static void test_v1_only_and_no_cgroups(void **state)
{
	struct fixture *f = *state;
	char base[PATH_MAX];
	struct vb_error err = { 0 };
	struct cgroup_layout layout;
	write_v1_tree(f, false, base);
	assert_int_equal(cgroup_detect_from(f->mountinfo, f->self, &layout, &err), 0);
	assert_int_equal(layout.mode, CGROUP_MODE_V1);

	put(f->mountinfo, "22 1 254:0 / / rw,relatime - ext4 /dev/vda rw\n");
	assert_int_equal(cgroup_detect_from(f->mountinfo, f->self, &layout, &err), 0);
	assert_int_equal(layout.mode, CGROUP_MODE_NONE);
	struct cgroup_limits limits = { .cpus = "0" };
	struct cgroup cg;
	assert_int_equal(cgroup_create(&layout, "vb", &limits, &cg, &err), -1);
	assert_int_equal(cgroup_check_usable(&layout, &err), -1);

	assert_int_equal(cgroup_detect_from("/nonexistent/mountinfo", f->self, &layout, &err), -1);
}

/* Controllers co-mounted in one v1 hierarchy share one directory: created and removed once. */
static void test_v1_comounted(void **state)
{
	struct fixture *f = *state;
	char root[PATH_MAX + 32], text[PATH_MAX + 128], path[PATH_MAX + 64];
	struct vb_error err = { 0 };
	struct cgroup_layout layout;
	snprintf(root, sizeof(root), "%s/all", f->dir);
	mkdirs(root);
	snprintf(path, sizeof(path), "%s/cpuset.mems", root);
	put(path, "0\n");
	snprintf(text, sizeof(text), "50 1 0:40 / %s rw - cgroup cgroup rw,cpuset,cpu,memory\n",
		 root);
	put(f->mountinfo, text);
	put(f->self, "2:cpuset,cpu,memory:/\n");
	assert_int_equal(cgroup_detect_from(f->mountinfo, f->self, &layout, &err), 0);
	assert_int_equal(layout.mode, CGROUP_MODE_V1);
	struct cgroup_limits limits = { .cpus = "0", .ncpus = 1, .memory_bytes = 32 << 20 };
	struct cgroup cg;
	assert_int_equal(cgroup_create(&layout, "vb", &limits, &cg, &err), 0);
	snprintf(path, sizeof(path), "%s/vb", root);
	assert_file(path, "cpuset.cpus", "0");
	assert_file(path, "cpu.cfs_quota_us", "100000");
	assert_file(path, "memory.limit_in_bytes", "33554432");
	pid_t child = spawn_sleeper();
	assert_int_equal(cgroup_attach(&cg, child, &err), 0);
	char pidtext[32];
	snprintf(pidtext, sizeof(pidtext), "%d", (int)child);
	assert_file(path, "cgroup.procs", pidtext); /* written once, not three times */
	kill(child, SIGKILL);
	assert_killed(child);
	static const char *const files[] = { "cpuset.mems",
					     "cpuset.cpus",
					     "cpu.cfs_period_us",
					     "cpu.cfs_quota_us",
					     "memory.limit_in_bytes",
					     "cgroup.procs",
					     NULL };
	unlink_all(path, files);
	assert_int_equal(cgroup_destroy(&cg, &err), 0);
	assert_int_equal(access(path, F_OK), -1);
}

/* Groups of a vanished vbench go; those of a live one, and foreign ones, stay. */
static void test_prune_stale(void **state)
{
	struct fixture *f = *state;
	char root[PATH_MAX], dead[PATH_MAX + 64], live[PATH_MAX + 64], other[PATH_MAX + 64];
	struct vb_error err = { 0 };
	struct cgroup_layout layout;
	write_v2_tree(f, root, "");
	assert_int_equal(cgroup_detect_from(f->mountinfo, f->self, &layout, &err), 0);
	pid_t gone = fork();
	if (gone == 0)
		_exit(0);
	assert_int_equal(waitpid(gone, NULL, 0), gone);
	snprintf(dead, sizeof(dead), "%s/vbench-lxc-%d-0", root, (int)gone);
	snprintf(live, sizeof(live), "%s/vbench-lxc-%d-0", root, (int)getpid());
	snprintf(other, sizeof(other), "%s/vbench-lxc-notapid", root);
	mkdirs(dead);
	mkdirs(live);
	mkdirs(other);
	assert_int_equal(cgroup_prune_stale(&layout, "vbench-lxc-"), 1);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(live, F_OK), 0);
	assert_int_equal(access(other, F_OK), 0);
}

/* ---- the real host ---- */

static long fs_magic(const char *path)
{
	struct statfs st;
	return statfs(path, &st) == 0 ? (long)st.f_type : 0;
}

/* Detection agrees with what statfs says /sys/fs/cgroup is. */
static void test_host_mode_detection(void **state)
{
	(void)state;
	struct vb_error err = { 0 };
	struct cgroup_layout layout;
	assert_int_equal(cgroup_detect(&layout, &err), 0);
	enum cgroup_mode want = CGROUP_MODE_NONE;
	if (fs_magic("/sys/fs/cgroup") == CGROUP2_SUPER_MAGIC)
		want = CGROUP_MODE_V2;
	else if (fs_magic("/sys/fs/cgroup/memory") == CGROUP_SUPER_MAGIC)
		want = fs_magic("/sys/fs/cgroup/unified") == CGROUP2_SUPER_MAGIC
			       ? CGROUP_MODE_HYBRID
			       : CGROUP_MODE_V1;
	print_message("host cgroup mode: %s\n", cgroup_mode_name(layout.mode));
	assert_int_equal(layout.mode, want);
}

static struct cgroup_layout host_layout;
static struct cgroup host_cgroup;

/* A failed assertion must not leave the real cgroup behind. */
static int host_teardown(void **state)
{
	(void)state;
	struct vb_error err;
	if (host_cgroup.layout)
		cgroup_destroy(&host_cgroup, &err);
	return 0;
}

/* Real limits on the real hierarchy: read back through the kernel's files, then cleaned up. */
static void test_host_create_destroy(void **state)
{
	(void)state;
	struct vb_error err = { 0 };
	struct cgroup_layout *layout = &host_layout;
	struct cgroup *cg = &host_cgroup;
	assert_int_equal(cgroup_detect(layout, &err), 0);
	if (geteuid() != 0 || layout->mode == CGROUP_MODE_NONE) {
		print_message("skip: needs root and a cgroup hierarchy\n");
		skip();
	}
	char name[64];
	snprintf(name, sizeof(name), "vbench-unit-%d", (int)getpid());
	struct cgroup_limits limits = { .cpus = "0", .ncpus = 1, .memory_bytes = 64ULL << 20 };
	if (cgroup_create(layout, name, &limits, cg, &err) < 0)
		fail_msg("%s", err.message);
	bool v2 = layout->mode == CGROUP_MODE_V2;
	char mem_dir[PATH_MAX], cpu_dir[PATH_MAX];
	memcpy(mem_dir, cg->path[v2 ? 0 : CGROUP_MEMORY], PATH_MAX);
	memcpy(cpu_dir, cg->path[v2 ? 0 : CGROUP_CPUSET], PATH_MAX);
	assert_file(cpu_dir, "cpuset.cpus", "0\n");
	if (v2) {
		assert_file(mem_dir, "memory.max", "67108864\n");
		assert_file(cg->path[0], "cpu.max", "100000 100000\n");
	} else {
		assert_file(mem_dir, "memory.limit_in_bytes", "67108864\n");
		assert_file(cg->path[CGROUP_CPU], "cpu.cfs_quota_us", "100000\n");
		char path[PATH_MAX + 64];
		snprintf(path, sizeof(path), "%s/memory.memsw.limit_in_bytes", mem_dir);
		if (access(path, F_OK) == 0)
			assert_file(mem_dir, "memory.memsw.limit_in_bytes", "67108864\n");
	}
	pid_t child = spawn_sleeper();
	assert_int_equal(cgroup_attach(cg, child, &err), 0);
	uint64_t bytes = 0;
	assert_int_equal(cgroup_memory_usage(cg, &bytes, &err), 0);
	if (cgroup_destroy(cg, &err) < 0)
		fail_msg("%s", err.message);
	assert_killed(child);
	assert_int_equal(access(mem_dir, F_OK), -1);
	assert_int_equal(access(cpu_dir, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v2_create_attach_destroy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_keeps_enabled_controllers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_missing_controller, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_delegated_parent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_hybrid_create_attach_destroy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_v1_only_and_no_cgroups, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_comounted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_prune_stale, setup, teardown),
		cmocka_unit_test(test_host_mode_detection),
		cmocka_unit_test_teardown(test_host_create_destroy, host_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
