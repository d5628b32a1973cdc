/* The container's root filesystem, assembled per run inside the container's own mount namespace. */
#include "backends/lxc/rootfs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backends/lxc/container.h"

#define RO_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)

/* The device nodes a default OCI container gets (minus the pty ones the agent has no use for). */
static const char *const rootfs_devices[] = { "null", "zero", "full", "random", "urandom", "tty" };


static int under(char out[PATH_MAX], const char *root, const char *path, struct vb_error *err)
{
	int n = snprintf(out, PATH_MAX, "%s%s", root, path);
	if (n < 0 || n >= PATH_MAX)
		return error_set(err, "rootfs: path %s%s is too long", root, path);
	return 0;
}

static int do_mount(const char *src, const char *dst, const char *type, unsigned long flags,
		    const char *data, struct vb_error *err)
{
	if (mount(src, dst, type, flags, data) < 0)
		return error_set_errno(err, "rootfs: mount %s on %s (%s)", src ? src : "(none)",
				       dst, type ? type : "remount/bind");
	return 0;
}

/*
 * The per-mount flags of the mount holding `path`. In a user namespace the flags of mounts made
 * outside it are locked: a remount must repeat them or it fails with EPERM.
 */
static unsigned long locked_flags(const char *path)
{
	struct statvfs st;
	if (statvfs(path, &st) < 0)
		return 0;
	unsigned long flags = 0;
	static const struct {
		unsigned long st, ms;
	} map[] = {
		{ ST_RDONLY, MS_RDONLY },     { ST_NOSUID, MS_NOSUID },
		{ ST_NODEV, MS_NODEV },	      { ST_NOEXEC, MS_NOEXEC },
		{ ST_NOATIME, MS_NOATIME },   { ST_NODIRATIME, MS_NODIRATIME },
		{ ST_RELATIME, MS_RELATIME },
	};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (st.f_flag & map[i].st)
			flags |= map[i].ms;
	return flags;
}

/* A bind mount's flags change only through a second, remounting call. */
static int bind_mount(const char *src, const char *dst, unsigned long flags, struct vb_error *err)
{
	if (do_mount(src, dst, NULL, MS_BIND | MS_REC, NULL, err) < 0)
		return -1;
	return do_mount(NULL, dst, NULL, MS_REMOUNT | MS_BIND | flags | locked_flags(dst), NULL,
			err);
}

static int make_dir(const char *path, mode_t mode, struct vb_error *err)
{
	if (mkdir(path, mode) < 0 && errno != EEXIST)
		return error_set_errno(err, "rootfs: mkdir %s", path);
	return 0;
}

static int make_file(const char *path, mode_t mode, struct vb_error *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, mode);
	if (fd < 0)
		return error_set_errno(err, "rootfs: create %s", path);
	close(fd);
	return 0;
}

/* A file bound in at `target` (under root), with the given mount flags. */
static int bind_file(const char *root, const char *source, const char *target, unsigned long flags,
		     struct vb_error *err)
{
	char dst[PATH_MAX];
	if (under(dst, root, target, err) < 0 || make_file(dst, 0755, err) < 0)
		return -1;
	return bind_mount(source, dst, flags, err);
}

static int setup_dev(const char *root, struct vb_error *err)
{
	char dev[PATH_MAX], path[PATH_MAX + 32];
	if (under(dev, root, "/dev", err) < 0 ||
	    do_mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=64k", err) < 0)
		return -1;
	for (size_t i = 0; i < sizeof(rootfs_devices) / sizeof(rootfs_devices[0]); i++) {
		char host[32];
		snprintf(host, sizeof(host), "/dev/%s", rootfs_devices[i]);
		snprintf(path, sizeof(path), "%s/%s", dev, rootfs_devices[i]);
		if (make_file(path, 0666, err) < 0 ||
		    bind_mount(host, path, MS_NOSUID | MS_NOEXEC, err) < 0)
			return -1;
	}
	static const char *const links[][2] = {
		{ "/proc/self/fd", "fd" },
		{ "/proc/self/fd/0", "stdin" },
		{ "/proc/self/fd/1", "stdout" },
		{ "/proc/self/fd/2", "stderr" },
	};
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dev, links[i][1]);
		if (symlink(links[i][0], path) < 0)
			return error_set_errno(err, "rootfs: symlink %s", path);
	}
	snprintf(path, sizeof(path), "%s/shm", dev);
	if (make_dir(path, 0755, err) < 0 ||
	    do_mount("shm", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     "mode=1777,size=65536k", err) < 0)
		return -1;
	/* Read-only, so that CAP_MKNOD cannot add nodes; the writable mounts are all nodev. */
	return do_mount(NULL, dev, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
			NULL, err);
}

/*
 * The container's own cgroups (its cgroup namespace root), read-only, where tools look for them.
 * v1 hierarchies cannot be mounted in a user namespace: there its own groups are bound in.
 */
static int setup_cgroups(const struct rootfs_spec *spec, struct vb_error *err)
{
	const char *root = spec->root;
	const struct cgroup_layout *layout = spec->cgroups;
	char dir[PATH_MAX], sub[PATH_MAX + 64];
	if (under(dir, root, "/sys/fs/cgroup", err) < 0)
		return -1;
	if (layout->mode == CGROUP_MODE_V2)
		return do_mount("cgroup2", dir, "cgroup2", RO_FLAGS, NULL, err);
	if (layout->mode == CGROUP_MODE_NONE)
		return 0;
	if (do_mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=64k",
		     err) < 0)
		return -1;
	for (int c = 0; c < CGROUP_NCONTROLLERS; c++) {
		if (!layout->v1_mount[c][0])
			continue;
		char copy[PATH_MAX];
		snprintf(copy, sizeof(copy), "%s", layout->v1_mount[c]);
		snprintf(sub, sizeof(sub), "%s/%s", dir, basename(copy));
		if (access(sub, F_OK) == 0)
			continue; /* co-mounted with an earlier controller */
		if (make_dir(sub, 0755, err) < 0)
			return -1;
		if (spec->userns ? bind_mount(spec->cgroup->path[c], sub, RO_FLAGS, err)
				 : do_mount("cgroup", sub, "cgroup", RO_FLAGS,
					    layout->v1_options[c], err))
			return -1;
	}
	return do_mount(NULL, dir, NULL, MS_REMOUNT | MS_BIND | RO_FLAGS, NULL, err);
}

static int mask_paths(const char *root, struct vb_error *err)
{
	char path[PATH_MAX];
	for (size_t i = 0; i < container_nmasked_paths; i++) {
		struct stat st;
		if (under(path, root, container_masked_paths[i], err) < 0)
			return -1;
		if (stat(path, &st) < 0)
			continue; /* not on this kernel */
		int rc = S_ISDIR(st.st_mode)
				 ? do_mount("tmpfs", path, "tmpfs", RO_FLAGS, "size=0,mode=0555",
					    err)
				 : do_mount("/dev/null", path, NULL, MS_BIND, NULL, err);
		if (rc < 0)
			return -1;
	}
	for (size_t i = 0; i < container_nreadonly_paths; i++) {
		if (under(path, root, container_readonly_paths[i], err) < 0)
			return -1;
		if (access(path, F_OK) < 0)
			continue;
		if (bind_mount(path, path, RO_FLAGS, err) < 0)
			return -1;
	}
	return 0;
}

static int pivot_into(const char *root, struct vb_error *err)
{
	if (chdir(root) < 0)
		return error_set_errno(err, "rootfs: chdir %s", root);
	/* pivot_root(".", ".") stacks the old root under the new one; detaching it drops the host. */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return error_set_errno(err, "rootfs: pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		return error_set_errno(err, "rootfs: detach the old root");
	if (chdir("/") < 0)
		return error_set_errno(err, "rootfs: chdir /");
	return do_mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV,
			NULL, err);
}

int rootfs_enter(const struct rootfs_spec *spec, struct vb_error *err)
{
	const char *root = spec->root;
	char path[PATH_MAX];
	if (do_mount("vbench-root", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=1024k",
		     err) < 0)
		return -1;
	static const char *const dirs[] = { "/proc", "/sys", "/dev", "/tmp", ROOTFS_BIN_DIR };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (under(path, root, dirs[i], err) < 0 || make_dir(path, 0755, err) < 0)
			return -1;

	if (bind_file(root, spec->agent, ROOTFS_AGENT_PATH, MS_RDONLY | MS_NOSUID | MS_NODEV, err) <
	    0)
		return -1;
	if (spec->payload) {
		char copy[PATH_MAX], target[PATH_MAX + 8];
		snprintf(copy, sizeof(copy), "%s", spec->payload);
		snprintf(target, sizeof(target), "%s/%s", ROOTFS_BIN_DIR, basename(copy));
		if (bind_file(root, spec->payload, target, MS_RDONLY | MS_NOSUID | MS_NODEV, err) <
		    0)
			return -1;
	}
	if (spec->disk && bind_file(root, spec->disk, ROOTFS_SCRATCH_PATH,
				    MS_NOSUID | MS_NODEV | MS_NOEXEC, err) < 0)
		return -1;

	if (under(path, root, "/proc", err) < 0 ||
	    do_mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, err) < 0)
		return -1;
	if (under(path, root, "/sys", err) < 0 ||
	    do_mount("sysfs", path, "sysfs", RO_FLAGS, NULL, err) < 0)
		return -1;
	if (setup_cgroups(spec, err) < 0)
		return -1;
	if (setup_dev(root, err) < 0)
		return -1;
	if (under(path, root, "/tmp", err) < 0 ||
	    do_mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=65536k", err) <
		    0)
		return -1;
	if (mask_paths(root, err) < 0)
		return -1;
	return pivot_into(root, err);
}
