/* A newc cpio writer (and a strict reader, for tests and fuzzing). */
#include "backends/kvm/cpio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CPIO_HEADER_LEN 110

void cpio_init(struct cpio *c)
{
	memset(c, 0, sizeof(*c));
	c->next_ino = 1;
}

void cpio_free(struct cpio *c)
{
	free(c->data);
	memset(c, 0, sizeof(*c));
}

static int cpio_reserve(struct cpio *c, size_t more, struct vb_error *err)
{
	if (c->len + more <= c->cap)
		return 0;
	size_t cap = c->cap ? c->cap : 65536;
	while (cap < c->len + more)
		cap *= 2;
	uint8_t *p = realloc(c->data, cap);
	if (!p)
		return error_set(err, "cpio: out of memory for %zu bytes", cap);
	c->data = p;
	c->cap = cap;
	return 0;
}

static void cpio_pad4(struct cpio *c)
{
	while (c->len & 3)
		c->data[c->len++] = 0;
}

static int cpio_record(struct cpio *c, const char *path, unsigned mode, unsigned rmajor,
		       unsigned rminor, const void *data, size_t len, struct vb_error *err)
{
	size_t namesize = strlen(path) + 1;
	if (len > 0xffffffffu)
		return error_set(err, "cpio: %s is larger than newc's 4 GiB limit", path);
	if (cpio_reserve(c, CPIO_HEADER_LEN + namesize + 3 + len + 3, err) < 0)
		return -1;
	char hdr[CPIO_HEADER_LEN + 64];
	/* magic ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check */
	snprintf(hdr, sizeof(hdr), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 c->next_ino++, mode, 0u, 0u, (mode & S_IFMT) == S_IFDIR ? 2u : 1u, 0u,
		 (unsigned)len, 0u, 0u, rmajor, rminor, (unsigned)namesize, 0u);
	memcpy(c->data + c->len, hdr, CPIO_HEADER_LEN);
	c->len += CPIO_HEADER_LEN;
	memcpy(c->data + c->len, path, namesize);
	c->len += namesize;
	cpio_pad4(c);
	if (len)
		memcpy(c->data + c->len, data, len);
	c->len += len;
	cpio_pad4(c);
	return 0;
}

int cpio_add_dir(struct cpio *c, const char *path, unsigned perm, struct vb_error *err)
{
	return cpio_record(c, path, S_IFDIR | (perm & 07777), 0, 0, NULL, 0, err);
}

int cpio_add_file(struct cpio *c, const char *path, unsigned perm, const void *data, size_t len,
		  struct vb_error *err)
{
	return cpio_record(c, path, S_IFREG | (perm & 07777), 0, 0, data, len, err);
}

int cpio_add_char_device(struct cpio *c, const char *path, unsigned perm, unsigned major,
			 unsigned minor, struct vb_error *err)
{
	return cpio_record(c, path, S_IFCHR | (perm & 07777), major, minor, NULL, 0, err);
}

int cpio_add_host_file(struct cpio *c, const char *path, unsigned perm, const char *host_path,
		       struct vb_error *err)
{
	int fd = open(host_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "cpio: open %s", host_path);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return error_set(err, "cpio: %s is not a regular file", host_path);
	}
	uint8_t *buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return error_set(err, "cpio: out of memory reading %s", host_path);
	}
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			close(fd);
			return error_set_errno(err, "cpio: read %s", host_path);
		}
		got += n;
	}
	close(fd);
	int rc = cpio_add_file(c, path, perm, buf, got, err);
	free(buf);
	return rc;
}

int cpio_finish(struct cpio *c, struct vb_error *err)
{
	return cpio_record(c, "TRAILER!!!", 0, 0, 0, NULL, 0, err);
}

static int cpio_hex8(const uint8_t *p, unsigned *out)
{
	unsigned v = 0;
	for (int i = 0; i < 8; i++) {
		unsigned char ch = p[i];
		unsigned d;
		if (ch >= '0' && ch <= '9')
			d = ch - '0';
		else if (ch >= 'A' && ch <= 'F')
			d = ch - 'A' + 10;
		else if (ch >= 'a' && ch <= 'f')
			d = ch - 'a' + 10;
		else
			return -1;
		v = v << 4 | d;
	}
	*out = v;
	return 0;
}

int cpio_next(const uint8_t *buf, size_t len, size_t *offset, struct cpio_entry *out,
	      struct vb_error *err)
{
	size_t off = *offset;
	if (off > len || len - off < CPIO_HEADER_LEN)
		return error_set(err, "cpio: truncated header at offset %zu", off);
	if (memcmp(buf + off, "070701", 6) != 0)
		return error_set(err, "cpio: bad magic at offset %zu", off);
	unsigned f[13];
	for (int i = 0; i < 13; i++)
		if (cpio_hex8(buf + off + 6 + 8 * i, &f[i]) < 0)
			return error_set(err, "cpio: bad hex field %d at offset %zu", i, off);
	unsigned namesize = f[11], filesize = f[6];
	off += CPIO_HEADER_LEN;
	if (namesize == 0 || namesize > sizeof(out->name) || namesize > len - off)
		return error_set(err, "cpio: bad name size %u", namesize);
	if (buf[off + namesize - 1] != 0)
		return error_set(err, "cpio: name not terminated");
	memcpy(out->name, buf + off, namesize);
	off += namesize;
	off = (off + 3) & ~(size_t)3;
	if (off > len || filesize > len - off)
		return error_set(err, "cpio: %s: data runs past the end", out->name);
	out->mode = f[1];
	out->rdev_major = f[9];
	out->rdev_minor = f[10];
	out->data = buf + off;
	out->size = filesize;
	off += filesize;
	off = (off + 3) & ~(size_t)3;
	*offset = off > len ? len : off;
	return strcmp(out->name, "TRAILER!!!") == 0 ? 0 : 1;
}
