/* What the block I/O workload family offers the harness besides its registry entries. */
#ifndef VB_IO_BLK_H
#define VB_IO_BLK_H

#include <stdint.h>

#include "common/error.h"

/*
 * Create (or replace) the scratch disk image at path: bytes rounded up to whole MiB, every
 * block written with O_DIRECT and the file fsynced, because io.blk refuses holes and
 * fallocated (unwritten) extents. Mode 0600. On failure nothing is left at path.
 */
int io_blk_create_scratch(const char *path, uint64_t bytes, struct vb_error *err);

#endif
