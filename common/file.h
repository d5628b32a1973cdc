/* Files written whole: every byte despite short writes and signals, and atomically replaced. */
#ifndef VB_FILE_H
#define VB_FILE_H

#include <stddef.h>

#include "common/error.h"

/* Write all of buf to fd, again after EINTR and short writes. Returns 0, or -1 with errno set. */
int file_write_all(int fd, const void *buf, size_t len);

/*
 * Replace path with exactly these bytes (mode 0644), so that a reader sees the old file or the
 * new one and never a part: a temporary file beside it (".NAME.XXXXXX", the same filesystem),
 * written and fsynced, renamed over path, then the directory fsynced to keep the rename. On
 * failure path is untouched and the temporary file gone. Returns 0, or -1 with err.
 */
int file_write_atomic(const char *path, const void *data, size_t len, struct vb_error *err);

#endif
