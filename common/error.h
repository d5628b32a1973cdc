/* Error reporting for library code: a message with context, returned to the caller. */
#ifndef VB_ERROR_H
#define VB_ERROR_H

#include <stddef.h>

#define ERROR_MESSAGE_MAX 512

struct vb_error {
	int code; /* errno-style value when one applies, else 0 */
	char message[ERROR_MESSAGE_MAX];
};

/* Fill err (may be NULL) and return -1, so that `return error_set(err, ...)` reads naturally. */
int error_set(struct vb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Like error_set, with ": strerror(errno)" appended and err->code = errno. */
int error_set_errno(struct vb_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Prepend context to an existing message ("lxc: " + "mount /proc: ..."). */
int error_prefix(struct vb_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void error_clear(struct vb_error *err);

#endif
