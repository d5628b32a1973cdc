/* A newc cpio archive built in memory: the initramfs vbench hands to the guest kernel. */
#ifndef VB_KVM_CPIO_H
#define VB_KVM_CPIO_H

#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

struct cpio {
	uint8_t *data;
	size_t len, cap;
	unsigned next_ino;
};

void cpio_init(struct cpio *c);
void cpio_free(struct cpio *c);
/* Paths are archive paths without a leading slash ("dev", "lib/modules/virtio.ko"). */
int cpio_add_dir(struct cpio *c, const char *path, unsigned perm, struct vb_error *err);
int cpio_add_file(struct cpio *c, const char *path, unsigned perm, const void *data, size_t len,
		  struct vb_error *err);
int cpio_add_host_file(struct cpio *c, const char *path, unsigned perm, const char *host_path,
		       struct vb_error *err);
int cpio_add_char_device(struct cpio *c, const char *path, unsigned perm, unsigned major,
			 unsigned minor, struct vb_error *err);
/* Append the TRAILER!!! record; the archive is then complete. */
int cpio_finish(struct cpio *c, struct vb_error *err);

/* One record of a newc archive, as read back by cpio_next. */
struct cpio_entry {
	char name[256];
	unsigned mode;
	unsigned rdev_major, rdev_minor;
	const uint8_t *data;
	size_t size;
};
/* Parse the record at *offset; 1 = got one, 0 = trailer reached, -1 = malformed. */
int cpio_next(const uint8_t *buf, size_t len, size_t *offset, struct cpio_entry *out,
	      struct vb_error *err);

#endif
