/* The scratch disk image the io.blk workloads use: created per run, removed afterwards. */
#include "harness/scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int scratch_create(const char *dir, uint64_t bytes, char *path, size_t len, struct vb_error *err)
{
	snprintf(path, len, "%s/vbench-disk-XXXXXX.img", dir);
	int fd = mkstemps(path, 4);
	if (fd < 0) {
		error_set_errno(err, "scratch disk in %s", dir);
		path[0] = '\0';
		return -1;
	}
	/* O_DIRECT must work here, or the io.blk figures would be page-cache figures */
	int dfd = open(path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (dfd < 0) {
		error_set_errno(err, "scratch disk %s does not support O_DIRECT", path);
		close(fd);
		scratch_remove(path);
		return -1;
	}
	close(dfd);
	enum { CHUNK = 1 << 20 };
	unsigned char *buf = malloc(CHUNK);
	if (!buf) {
		close(fd);
		scratch_remove(path);
		return error_set(err, "out of memory");
	}
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < CHUNK; i += 8) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		memcpy(buf + i, &x, 8);
	}
	for (uint64_t off = 0; off < bytes;) {
		size_t n = bytes - off < CHUNK ? (size_t)(bytes - off) : CHUNK;
		ssize_t w = pwrite(fd, buf, n, (off_t)off);
		if (w <= 0) {
			error_set_errno(err, "writing scratch disk %s", path);
			free(buf);
			close(fd);
			scratch_remove(path);
			return -1;
		}
		off += (uint64_t)w;
	}
	free(buf);
	if (fsync(fd) < 0 || close(fd) < 0) {
		error_set_errno(err, "syncing scratch disk %s", path);
		scratch_remove(path);
		return -1;
	}
	return 0;
}

void scratch_remove(const char *path)
{
	if (path && path[0])
		unlink(path);
}
