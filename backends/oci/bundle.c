/* The OCI bundle vbench writes for one run: config.json and a rootfs holding only the agent. */
#include "backends/oci/bundle.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/lxc/container.h"
#include "common/json.h"

#define OCI_CPU_PERIOD_US 100000

/* The capabilities runc/containerd give a default container (as the lxc backend keeps). */
static const char *const oci_capabilities[] = {
	"CAP_CHOWN",   "CAP_DAC_OVERRIDE", "CAP_FSETID",	   "CAP_FOWNER",
	"CAP_MKNOD",   "CAP_NET_RAW",	   "CAP_SETGID",	   "CAP_SETUID",
	"CAP_SETFCAP", "CAP_SETPCAP",	   "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT",
	"CAP_KILL",    "CAP_AUDIT_WRITE",
};

/* Refused with EPERM, the lxc backend's list (backends/lxc/confine.c); perf_event_open stays. */
static const char *const oci_denied_syscalls[] = {
	"mount",	 "umount2",	  "pivot_root",	   "swapon",
	"swapoff",	 "reboot",	  "kexec_load",	   "kexec_file_load",
	"init_module",	 "finit_module",  "delete_module", "open_by_handle_at",
	"bpf",		 "keyctl",	  "add_key",	   "request_key",
	"unshare",	 "setns",	  "acct",	   "settimeofday",
	"clock_settime", "clock_adjtime", "quotactl",	   "syslog",
	"vhangup",	 "userfaultfd",	  "fsopen",	   "fsmount",
	"move_mount",	 "open_tree",	  "iopl",	   "ioperm",
};


/* The mount points made in the rootfs, parents first; removed in reverse. */
static const char *const oci_rootfs_dirs[] = { "proc", "dev", "sys", "tmp" };

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static void write_strings(struct json_writer *w, const char *key, const char *const *list, size_t n)
{
	json_key(w, key);
	json_array_begin(w);
	for (size_t i = 0; i < n; i++)
		json_string(w, list[i]);
	json_array_end(w);
}

static void write_mount(struct json_writer *w, const char *dest, const char *type,
			const char *source, const char *options)
{
	json_object_begin(w);
	json_kv_string(w, "destination", dest);
	json_kv_string(w, "type", type);
	json_kv_string(w, "source", source);
	json_key(w, "options");
	json_array_begin(w);
	/* options is a comma-separated list: one JSON string each */
	for (const char *p = options; *p;) {
		size_t n = strcspn(p, ",");
		char opt[64];
		snprintf(opt, sizeof(opt), "%.*s", (int)n, p);
		json_string(w, opt);
		p += n;
		p += *p == ',';
	}
	json_array_end(w);
	json_object_end(w);
}

static void write_process(struct json_writer *w, const struct oci_bundle_spec *spec)
{
	json_key(w, "process");
	json_object_begin(w);
	json_kv_bool(w, "terminal", false);
	json_key(w, "user");
	json_object_begin(w);
	json_kv_int(w, "uid", 0);
	json_kv_int(w, "gid", 0);
	json_object_end(w);
	json_key(w, "args");
	json_array_begin(w);
	if (spec->args)
		for (size_t i = 0; spec->args[i]; i++)
			json_string(w, spec->args[i]);
	else
		json_string(w, OCI_AGENT_PATH);
	json_array_end(w);
	static const char *const env[] = { "PATH=/bin", "HOME=/", "TERM=linux" };
	write_strings(w, "env", env, COUNT(env));
	json_kv_string(w, "cwd", "/");
	json_key(w, "capabilities");
	json_object_begin(w);
	static const char *const sets[] = { "bounding", "effective", "inheritable", "permitted" };
	for (size_t i = 0; i < COUNT(sets); i++)
		write_strings(w, sets[i], oci_capabilities, COUNT(oci_capabilities));
	json_object_end(w);
	json_kv_bool(w, "noNewPrivileges", true);
	json_object_end(w);
}

static void write_mounts(struct json_writer *w, const struct oci_bundle_spec *spec)
{
	json_key(w, "mounts");
	json_array_begin(w);
	write_mount(w, "/proc", "proc", "proc", "nosuid,noexec,nodev");
	write_mount(w, "/dev", "tmpfs", "tmpfs", "nosuid,strictatime,mode=755,size=65536k");
	write_mount(w, "/dev/pts", "devpts", "devpts",
		    "nosuid,noexec,newinstance,ptmxmode=0666,mode=0620");
	write_mount(w, "/dev/shm", "tmpfs", "shm", "nosuid,noexec,nodev,mode=1777,size=65536k");
	write_mount(w, "/dev/mqueue", "mqueue", "mqueue", "nosuid,noexec,nodev");
	write_mount(w, "/sys", "sysfs", "sysfs", "nosuid,noexec,nodev,ro");
	write_mount(w, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid,noexec,nodev,relatime,ro");
	write_mount(w, "/tmp", "tmpfs", "tmpfs", "nosuid,nodev,size=64m");
	if (spec->disk_path)
		write_mount(w, OCI_SCRATCH_PATH, "bind", spec->disk_path, "bind,rw,nosuid,nodev");
	if (spec->program_path)
		write_mount(w, spec->args[0], "bind", spec->program_path, "bind,ro,nosuid,nodev");
	json_array_end(w);
}

static void write_resources(struct json_writer *w, const struct oci_bundle_spec *spec)
{
	json_key(w, "resources");
	json_object_begin(w);
	/* Only the devices runc creates in /dev (null, zero, full, random, urandom, tty, ...). */
	json_key(w, "devices");
	json_array_begin(w);
	json_object_begin(w);
	json_kv_bool(w, "allow", false);
	json_kv_string(w, "access", "rwm");
	json_object_end(w);
	json_array_end(w);
	json_key(w, "cpu");
	json_object_begin(w);
	if (spec->cpus && spec->cpus[0])
		json_kv_string(w, "cpus", spec->cpus);
	if (spec->ncpus) {
		json_kv_int(w, "quota", (int64_t)spec->ncpus * OCI_CPU_PERIOD_US);
		json_kv_int(w, "period", OCI_CPU_PERIOD_US);
	}
	json_object_end(w);
	if (spec->memory_bytes) {
		json_key(w, "memory");
		json_object_begin(w);
		json_kv_int(w, "limit", (int64_t)spec->memory_bytes);
		/* OCI's swap is memory + swap: equal to the limit, no swap at all */
		if (spec->swap_off)
			json_kv_int(w, "swap", (int64_t)spec->memory_bytes);
		json_object_end(w);
	}
	json_object_end(w);
}

static void write_seccomp(struct json_writer *w)
{
	json_key(w, "seccomp");
	json_object_begin(w);
	json_kv_string(w, "defaultAction", "SCMP_ACT_ALLOW");
	/* Only the native ABI: a call from another (i386, x32) is refused as the lxc filter does. */
	static const char *const arches[] = { "SCMP_ARCH_X86_64" };
	write_strings(w, "architectures", arches, COUNT(arches));
	json_key(w, "syscalls");
	json_array_begin(w);
	json_object_begin(w);
	write_strings(w, "names", oci_denied_syscalls, COUNT(oci_denied_syscalls));
	json_kv_string(w, "action", "SCMP_ACT_ERRNO");
	json_kv_int(w, "errnoRet", EPERM);
	json_object_end(w);
	json_array_end(w);
	json_object_end(w);
}

static void write_linux(struct json_writer *w, const struct oci_bundle_spec *spec)
{
	json_key(w, "linux");
	json_object_begin(w);
	write_resources(w, spec);
	json_kv_string(w, "cgroupsPath", spec->cgroups_path);
	json_key(w, "namespaces");
	json_array_begin(w);
	static const char *const types[] = { "pid", "ipc", "uts", "mount", "cgroup" };
	for (size_t i = 0; i < COUNT(types); i++) {
		json_object_begin(w);
		json_kv_string(w, "type", types[i]);
		json_object_end(w);
	}
	json_object_begin(w);
	json_kv_string(w, "type", "network");
	if (spec->netns_path)
		json_kv_string(w, "path", spec->netns_path);
	json_object_end(w);
	json_array_end(w);
	write_strings(w, "maskedPaths", container_masked_paths, container_nmasked_paths);
	write_strings(w, "readonlyPaths", container_readonly_paths, container_nreadonly_paths);
	write_seccomp(w);
	json_object_end(w);
}

char *oci_config_json(const struct oci_bundle_spec *spec, struct vb_error *err)
{
	struct json_writer w;
	json_writer_init(&w);
	json_object_begin(&w);
	json_kv_string(&w, "ociVersion", "1.0.2");
	write_process(&w, spec);
	json_key(&w, "root");
	json_object_begin(&w);
	json_kv_string(&w, "path", "rootfs");
	json_kv_bool(&w, "readonly", true);
	json_object_end(&w);
	json_kv_string(&w, "hostname", OCI_HOSTNAME);
	write_mounts(&w, spec);
	write_linux(&w, spec);
	json_object_end(&w);
	char *text = json_writer_take(&w, NULL);
	json_writer_free(&w);
	if (!text)
		error_set(err, "config.json: out of memory");
	return text;
}

static int write_file(const char *path, const char *text, struct vb_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set_errno(err, "create %s", path);
	size_t len = strlen(text), done = 0;
	while (done < len) {
		ssize_t n = write(fd, text + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int saved = errno;
			close(fd);
			errno = saved;
			return error_set_errno(err, "write %s", path);
		}
		done += (size_t)n;
	}
	if (close(fd) < 0)
		return error_set_errno(err, "close %s", path);
	return 0;
}

/* A copy, not a bind mount: the rootfs is then a plain directory holding one binary. */
static int copy_agent(const char *from, const char *to, struct vb_error *err)
{
	int in = open(from, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return error_set_errno(err, "open agent %s", from);
	struct stat st;
	int out = -1, rc = -1;
	if (fstat(in, &st) < 0) {
		error_set_errno(err, "stat %s", from);
		goto out;
	}
	out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0755);
	if (out < 0) {
		error_set_errno(err, "create %s", to);
		goto out;
	}
	for (off_t left = st.st_size; left > 0;) {
		ssize_t n = sendfile(out, in, NULL, (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			error_set_errno(err, "copy %s to %s", from, to);
			goto out;
		}
		left -= n;
	}
	rc = 0;
out:
	close(in);
	if (out >= 0)
		close(out);
	return rc;
}

static int bundle_path(char *out, const char *dir, const char *rel, struct vb_error *err)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, rel);
	if (n < 0 || n >= PATH_MAX)
		return error_set(err, "bundle %s: path too long", dir);
	return 0;
}

/* An empty file at inside (an absolute path in the container) for a file to be bound onto. */
static int bundle_mount_target(const char *dir, const char *inside, struct vb_error *err)
{
	char path[PATH_MAX], rel[PATH_MAX];
	snprintf(rel, sizeof(rel), "rootfs%s", inside);
	if (bundle_path(path, dir, rel, err) < 0)
		return -1;
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return error_set_errno(err, "create %s", path);
	close(fd);
	return 0;
}

int oci_bundle_write(const char *dir, const struct oci_bundle_spec *spec, struct vb_error *err)
{
	char path[PATH_MAX];
	if (bundle_path(path, dir, "rootfs", err) < 0)
		return -1;
	if (mkdir(path, 0755) < 0)
		return error_set_errno(err, "mkdir %s", path);
	for (size_t i = 0; i < COUNT(oci_rootfs_dirs); i++) {
		char rel[32];
		snprintf(rel, sizeof(rel), "rootfs/%s", oci_rootfs_dirs[i]);
		if (bundle_path(path, dir, rel, err) < 0)
			return -1;
		if (mkdir(path, 0755) < 0)
			return error_set_errno(err, "mkdir %s", path);
	}
	if (bundle_path(path, dir, "rootfs" OCI_AGENT_PATH, err) < 0 ||
	    copy_agent(spec->agent_path, path, err) < 0)
		return -1;
	/* the bind mounts' targets: files, as their sources are */
	if (spec->disk_path && bundle_mount_target(dir, OCI_SCRATCH_PATH, err) < 0)
		return -1;
	if (spec->program_path) {
		if (bundle_path(path, dir, "rootfs" OCI_BIN_DIR, err) < 0)
			return -1;
		if (mkdir(path, 0755) < 0)
			return error_set_errno(err, "mkdir %s", path);
		if (bundle_mount_target(dir, spec->args[0], err) < 0)
			return -1;
	}
	char *text = oci_config_json(spec, err);
	if (!text)
		return -1;
	int rc = bundle_path(path, dir, "config.json", err);
	if (rc == 0)
		rc = write_file(path, text, err);
	free(text);
	return rc;
}

/*
 * Everything below the open directory fd, on its file system only (dev): no symbolic link is
 * followed, and nothing mounted below is entered. The fd is closed.
 */
static void remove_below(int fd, dev_t dev, int depth)
{
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	for (struct dirent *e; (e = readdir(d));) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev)
			continue;
		if (S_ISDIR(st.st_mode) && depth < 16) {
			int sub = openat(dirfd(d), e->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub >= 0)
				remove_below(sub, dev, depth + 1);
			unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR);
		} else if (!S_ISDIR(st.st_mode)) {
			unlinkat(dirfd(d), e->d_name, 0);
		}
	}
	closedir(d);
}

/*
 * The bundle and all in it: the files vbench wrote, and whatever the runtime or a command left in
 * the root file system (a vbench killed mid-run left a bundle the fixed list of our own files did
 * not empty, in a clean-clone CI's oci-leaks (d)).
 */
void oci_bundle_remove(const char *dir)
{
	struct stat st;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0) {
		close(fd);
		return;
	}
	remove_below(fd, st.st_dev, 0);
	rmdir(dir);
}
