/* The scratch disk image the io.blk workloads use: created per run, removed afterwards. */
#ifndef VB_SCRATCH_H
#define VB_SCRATCH_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/*
 * Create a file of `bytes` under dir (a disk-backed filesystem that supports O_DIRECT), every
 * block written so that reads reach the device rather than the filesystem's zero-fill.
 */
int scratch_create(const char *dir, uint64_t bytes, char *path, size_t len, struct vb_error *err);
void scratch_remove(const char *path);

#endif
