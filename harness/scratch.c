/* The scratch disk image the io.blk workloads use: created per run, removed afterwards. */
#include "harness/scratch.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workloads/io_blk.h"

int scratch_create(const char *dir, uint64_t bytes, char *path, size_t len, struct vb_error *err)
{
	snprintf(path, len, "%s/vbench-disk-XXXXXX.img", dir);
	int fd = mkstemps(path, 4);
	if (fd < 0) {
		error_set_errno(err, "scratch disk in %s", dir);
		path[0] = '\0';
		return -1;
	}
	close(fd);
	/* every block written with O_DIRECT, so reads reach the device (not the zero-fill) */
	if (io_blk_create_scratch(path, bytes, err) < 0) {
		scratch_remove(path);
		return error_prefix(err, "scratch disk %s: ", path);
	}
	return 0;
}

void scratch_remove(const char *path)
{
	if (path && path[0])
		unlink(path);
}
