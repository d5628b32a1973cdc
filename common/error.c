/* Error reporting for library code: a message with context, returned to the caller. */
#include "common/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int error_set(struct vb_error *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	err->code = 0;
	return -1;
}

int error_set_errno(struct vb_error *err, const char *fmt, ...)
{
	int saved = errno;
	if (!err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err->message))
		snprintf(err->message + n, sizeof(err->message) - (size_t)n, ": %s",
			 strerror(saved));
	err->code = saved;
	errno = saved;
	return -1;
}

int error_prefix(struct vb_error *err, const char *fmt, ...)
{
	if (!err)
		return -1;
	char prefix[ERROR_MESSAGE_MAX];
	char old[ERROR_MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->message, sizeof(old));
	size_t n = strnlen(prefix, sizeof(prefix) - 1);
	memcpy(err->message, prefix, n);
	size_t rest = strnlen(old, sizeof(old) - 1);
	if (rest > sizeof(err->message) - 1 - n)
		rest = sizeof(err->message) - 1 - n;
	memcpy(err->message + n, old, rest);
	err->message[n + rest] = '\0';
	return -1;
}

void error_clear(struct vb_error *err)
{
	if (err) {
		err->code = 0;
		err->message[0] = '\0';
	}
}
