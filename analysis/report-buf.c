/* A growing text buffer for building reports, with the escaping HTML, CSV and XML need. */
#include "analysis/report-buf.h"

#include "common/file.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void report_buf_init(struct report_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void report_buf_free(struct report_buf *b)
{
	free(b->text);
	memset(b, 0, sizeof(*b));
}

static bool report_buf_reserve(struct report_buf *b, size_t more)
{
	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	size_t cap = b->cap ? b->cap : 1024;
	while (b->len + more + 1 > cap)
		cap *= 2;
	char *t = realloc(b->text, cap);
	if (!t) {
		b->failed = true;
		return false;
	}
	b->text = t;
	b->cap = cap;
	return true;
}

void report_buf_put(struct report_buf *b, const char *s, size_t n)
{
	if (!report_buf_reserve(b, n))
		return;
	memcpy(b->text + b->len, s, n);
	b->len += n;
	b->text[b->len] = '\0';
}

void report_buf_puts(struct report_buf *b, const char *s)
{
	report_buf_put(b, s, strlen(s));
}

void report_buf_printf(struct report_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !report_buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->text + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void report_buf_html(struct report_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': report_buf_puts(b, "&lt;"); break;
		case '>': report_buf_puts(b, "&gt;"); break;
		case '&': report_buf_puts(b, "&amp;"); break;
		case '"': report_buf_puts(b, "&quot;"); break;
		case '\'': report_buf_puts(b, "&#39;"); break;
		default: report_buf_put(b, s, 1);
		}
	}
}

void report_buf_csv(struct report_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		report_buf_puts(b, s);
		return;
	}
	report_buf_puts(b, "\"");
	for (; *s; s++) {
		if (*s == '"')
			report_buf_puts(b, "\"\"");
		else
			report_buf_put(b, s, 1);
	}
	report_buf_puts(b, "\"");
}

void report_buf_md(struct report_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '|')
			report_buf_puts(b, "\\|");
		else if (*s == '\n' || *s == '\r')
			report_buf_puts(b, " ");
		else
			report_buf_put(b, s, 1);
	}
}

int report_buf_write_file(const struct report_buf *b, const char *path, struct vb_error *err)
{
	if (b->failed)
		return error_set(err, "%s: out of memory building the text", path);
	return file_write_atomic(path, b->text ? b->text : "", b->len, err);
}

int report_mkdirs(const char *dir, struct vb_error *err)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof(path), "%s", dir) >= (int)sizeof(path))
		return error_set(err, "%s: path too long", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return error_set_errno(err, "mkdir %s", path);
		*p = '/';
	}
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		return error_set_errno(err, "mkdir %s", path);
	return 0;
}
