/* Files written whole: every byte despite short writes and signals, and atomically replaced. */
#include "common/file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/cleanup.h"

int file_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) { /* no progress and no reason: do not spin */
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Make a finished rename durable; best effort, the file is complete either way. */
static void file_sync_directory(const char *path)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX];
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	cleanup_close int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0)
		fsync(fd);
}

/* Write and flush the temporary file; the caller renames it or removes it. */
static int file_fill(int fd, const char *tmp, const void *data, size_t len, struct vb_error *err)
{
	if (fchmod(fd, 0644) < 0)
		return error_set_errno(err, "chmod %s", tmp);
	if (file_write_all(fd, data, len) < 0)
		return error_set_errno(err, "write %s", tmp);
	if (fsync(fd) < 0)
		return error_set_errno(err, "fsync %s", tmp);
	return 0;
}

int file_write_atomic(const char *path, const void *data, size_t len, struct vb_error *err)
{
	/* in the same directory, so that rename() stays on one filesystem and is atomic */
	char tmp[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int n = slash ? snprintf(tmp, sizeof(tmp), "%.*s/.%s.XXXXXX", (int)(slash - path), path,
				 slash + 1)
		      : snprintf(tmp, sizeof(tmp), ".%s.XXXXXX", path);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return error_set(err, "%s: path too long", path);
	int fd = mkstemp(tmp);
	if (fd < 0)
		return error_set_errno(err, "%s: cannot create temporary file %s", path, tmp);
	int rc = file_fill(fd, tmp, data, len, err);
	if (close(fd) < 0 && rc == 0)
		rc = error_set_errno(err, "close %s", tmp);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = error_set_errno(err, "rename %s", tmp);
	if (rc < 0) {
		unlink(tmp);
		return error_prefix(err, "%s: ", path);
	}
	file_sync_directory(path);
	return 0;
}
