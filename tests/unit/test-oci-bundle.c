/*
 * Unit tests for the oci backend's bundle (backends/oci/bundle.c): config.json carries the run's
 * limits and isolation as OCI fields, the rootfs holds only the agent (and vbench exec's program),
 * and removal leaves nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/oci/bundle.h"
#include "common/json.h"

/* The token at a dotted path of object keys from the root ("linux.resources.cpu"), or -1. */
static int find_path(const struct json_doc *doc, const char *path)
{
	char key[64];
	int tok = 0;
	for (const char *p = path; *p && tok >= 0;) {
		size_t n = strcspn(p, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, p);
		tok = json_find(doc, tok, key);
		p += n;
		p += *p == '.';
	}
	return tok;
}

/* Does the array at path hold the string s? */
static bool array_has(const struct json_doc *doc, int arr, const char *s)
{
	for (int i = 0; i < json_size(doc, arr); i++)
		if (json_eq(doc, json_array_get(doc, arr, i), s))
			return true;
	return false;
}

/* The mount whose destination is dest, or -1. */
static int find_mount(const struct json_doc *doc, const char *dest)
{
	int mounts = find_path(doc, "mounts");
	for (int i = 0; mounts >= 0 && i < json_size(doc, mounts); i++) {
		int m = json_array_get(doc, mounts, i);
		if (json_eq(doc, json_find(doc, m, "destination"), dest))
			return m;
	}
	return -1;
}

static int64_t int_at(const struct json_doc *doc, const char *path)
{
	int64_t v = -1;
	int tok = find_path(doc, path);
	if (tok >= 0)
		json_get_int(doc, tok, &v);
	return v;
}

static void test_config_carries_limits(void **state)
{
	(void)state;
	struct oci_bundle_spec spec = {
		.agent_path = "/x/vbench-agent",
		.cpus = "0,2",
		.ncpus = 2,
		.memory_bytes = 256ull << 20,
		.swap_off = true,
		.disk_path = "/tmp/disk.img",
		.netns_path = "/proc/1/fd/7",
		.cgroups_path = "vbench-oci-1-0",
	};
	struct vb_error err = { 0 };
	char *text = oci_config_json(&spec, &err);
	assert_non_null(text);
	struct json_doc doc;
	assert_int_equal(json_parse(&doc, text, strlen(text), &err), 0);

	int args = find_path(&doc, "process.args");
	assert_int_equal(json_size(&doc, args), 1);
	assert_true(json_eq(&doc, json_array_get(&doc, args, 0), OCI_AGENT_PATH));
	bool b = false;
	assert_int_equal(json_get_bool(&doc, find_path(&doc, "process.noNewPrivileges"), &b), 0);
	assert_true(b);
	assert_int_equal(json_get_bool(&doc, find_path(&doc, "root.readonly"), &b), 0);
	assert_true(b);
	assert_true(json_eq(&doc, find_path(&doc, "hostname"), OCI_HOSTNAME));
	int bounding = find_path(&doc, "process.capabilities.bounding");
	assert_true(array_has(&doc, bounding, "CAP_CHOWN"));
	assert_false(array_has(&doc, bounding, "CAP_SYS_ADMIN"));

	assert_true(json_eq(&doc, find_path(&doc, "linux.resources.cpu.cpus"), "0,2"));
	assert_int_equal(int_at(&doc, "linux.resources.cpu.quota"), 200000);
	assert_int_equal(int_at(&doc, "linux.resources.cpu.period"), 100000);
	assert_int_equal(int_at(&doc, "linux.resources.memory.limit"), 256 << 20);
	assert_int_equal(int_at(&doc, "linux.resources.memory.swap"), 256 << 20);
	assert_true(json_eq(&doc, find_path(&doc, "linux.cgroupsPath"), "vbench-oci-1-0"));

	int scratch = find_mount(&doc, OCI_SCRATCH_PATH);
	assert_true(scratch >= 0);
	assert_true(json_eq(&doc, json_find(&doc, scratch, "source"), "/tmp/disk.img"));
	assert_true(array_has(&doc, json_find(&doc, scratch, "options"), "bind"));
	assert_true(array_has(&doc, json_find(&doc, find_mount(&doc, "/sys"), "options"), "ro"));

	int ns = find_path(&doc, "linux.namespaces");
	bool seen_net = false, seen_pid = false;
	for (int i = 0; i < json_size(&doc, ns); i++) {
		int n = json_array_get(&doc, ns, i);
		if (json_eq(&doc, json_find(&doc, n, "type"), "network")) {
			seen_net = true;
			assert_true(json_eq(&doc, json_find(&doc, n, "path"), "/proc/1/fd/7"));
		}
		seen_pid |= json_eq(&doc, json_find(&doc, n, "type"), "pid");
	}
	assert_true(seen_net && seen_pid);

	int rules = find_path(&doc, "linux.seccomp.syscalls");
	int names = json_find(&doc, json_array_get(&doc, rules, 0), "names");
	assert_true(array_has(&doc, names, "mount"));
	assert_true(array_has(&doc, names, "finit_module"));
	/* the agent reads hardware counters the same way everywhere */
	assert_false(array_has(&doc, names, "perf_event_open"));
	assert_true(array_has(&doc, find_path(&doc, "linux.maskedPaths"), "/proc/kcore"));
	json_doc_free(&doc);
	free(text);
}

static void test_config_without_limits(void **state)
{
	(void)state;
	struct oci_bundle_spec spec = { .agent_path = "/a", .cgroups_path = "/vbench-oci-1-1" };
	struct vb_error err = { 0 };
	char *text = oci_config_json(&spec, &err);
	assert_non_null(text);
	struct json_doc doc;
	assert_int_equal(json_parse(&doc, text, strlen(text), &err), 0);
	assert_int_equal(find_path(&doc, "linux.resources.memory"), -1);
	assert_int_equal(find_path(&doc, "linux.resources.cpu.cpus"), -1);
	assert_int_equal(find_path(&doc, "linux.resources.cpu.quota"), -1);
	assert_int_equal(find_mount(&doc, OCI_SCRATCH_PATH), -1);
	/* a network namespace of its own all the same, empty */
	int ns = find_path(&doc, "linux.namespaces");
	bool seen_net = false;
	for (int i = 0; i < json_size(&doc, ns); i++) {
		int n = json_array_get(&doc, ns, i);
		if (json_eq(&doc, json_find(&doc, n, "type"), "network")) {
			seen_net = true;
			assert_int_equal(json_find(&doc, n, "path"), -1);
		}
	}
	assert_true(seen_net);
	json_doc_free(&doc);
	free(text);
}

static void test_bundle_written_and_removed(void **state)
{
	(void)state;
	char dir[] = "/tmp/vbench-test-oci-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	char disk[PATH_MAX + 16];
	snprintf(disk, sizeof(disk), "%s.disk", dir);
	FILE *f = fopen(disk, "w");
	assert_non_null(f);
	fclose(f);
	struct oci_bundle_spec spec = { .agent_path = self,
					.disk_path = disk,
					.cgroups_path = "x" };
	struct vb_error err = { 0 };
	assert_int_equal(oci_bundle_write(dir, &spec, &err), 0);

	struct stat agent, orig;
	snprintf(path, sizeof(path), "%s/rootfs%s", dir, OCI_AGENT_PATH);
	assert_int_equal(stat(path, &agent), 0);
	assert_int_equal(stat(self, &orig), 0);
	assert_int_equal(agent.st_size, orig.st_size);
	assert_true(agent.st_mode & S_IXUSR);
	snprintf(path, sizeof(path), "%s/rootfs%s", dir, OCI_SCRATCH_PATH);
	assert_int_equal(access(path, F_OK), 0);
	snprintf(path, sizeof(path), "%s/config.json", dir);
	assert_int_equal(access(path, R_OK), 0);

	/* what a runtime or a killed run may leave beside our files: gone too; a link's target stays */
	snprintf(path, sizeof(path), "%s/rootfs/dev/shm", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/rootfs/dev/shm/left", dir);
	FILE *left = fopen(path, "w");
	assert_non_null(left);
	fclose(left);
	snprintf(path, sizeof(path), "%s/rootfs/tmp/to-disk", dir);
	assert_int_equal(symlink(disk, path), 0);
	oci_bundle_remove(dir);
	assert_int_equal(access(dir, F_OK), -1);
	assert_int_equal(access(disk, F_OK), 0);
	unlink(disk);
}

/* vbench exec's bundle: its command instead of the agent, the program bound read-only at /bin. */
static void test_bundle_runs_a_command(void **state)
{
	(void)state;
	char dir[] = "/tmp/vbench-test-oci-XXXXXX";
	assert_non_null(mkdtemp(dir));
	char self[PATH_MAX], path[PATH_MAX + 64];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	assert_true(n > 0);
	self[n] = '\0';
	const char *const args[] = { OCI_BIN_DIR "/busybox", "sh", "-c", "exit 3", NULL };
	struct oci_bundle_spec spec = { .agent_path = self,
					.cgroups_path = "x",
					.args = args,
					.program_path = "/bin/busybox" };
	struct vb_error err = { 0 };
	char *text = oci_config_json(&spec, &err);
	assert_non_null(text);
	struct json_doc doc;
	assert_int_equal(json_parse(&doc, text, strlen(text), &err), 0);
	int argv = find_path(&doc, "process.args");
	assert_int_equal(json_size(&doc, argv), 4);
	for (int i = 0; i < 4; i++)
		assert_true(json_eq(&doc, json_array_get(&doc, argv, i), args[i]));
	int m = find_mount(&doc, OCI_BIN_DIR "/busybox");
	assert_true(m >= 0);
	assert_true(json_eq(&doc, json_find(&doc, m, "source"), "/bin/busybox"));
	assert_true(array_has(&doc, json_find(&doc, m, "options"), "ro"));
	json_doc_free(&doc);
	free(text);

	assert_int_equal(oci_bundle_write(dir, &spec, &err), 0);
	snprintf(path, sizeof(path), "%s/rootfs%s/busybox", dir, OCI_BIN_DIR);
	assert_int_equal(access(path, F_OK), 0); /* the bind mount's target */
	oci_bundle_remove(dir);
	assert_int_equal(access(dir, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_carries_limits),
		cmocka_unit_test(test_config_without_limits),
		cmocka_unit_test(test_bundle_written_and_removed),
		cmocka_unit_test(test_bundle_runs_a_command),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
