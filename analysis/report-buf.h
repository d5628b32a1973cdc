/* A growing text buffer for building reports, with the escaping HTML, CSV and XML need. */
#ifndef VB_REPORT_BUF_H
#define VB_REPORT_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct report_buf {
	char *text; /* NUL-terminated; NULL until something is written */
	size_t len, cap;
	bool failed; /* an allocation failed: the text is incomplete */
};

void report_buf_init(struct report_buf *b);
void report_buf_free(struct report_buf *b);
void report_buf_put(struct report_buf *b, const char *s, size_t n);
void report_buf_puts(struct report_buf *b, const char *s);
void report_buf_printf(struct report_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Text escaped for HTML element content and attribute values. */
void report_buf_html(struct report_buf *b, const char *s);
/* A CSV field, quoted when it holds a comma, quote or newline. */
void report_buf_csv(struct report_buf *b, const char *s);
/* Text for a Markdown table cell ("|" escaped, newlines flattened). */
void report_buf_md(struct report_buf *b, const char *s);

/* Write the buffer to path atomically (file_write_atomic). */
int report_buf_write_file(const struct report_buf *b, const char *path, struct vb_error *err);
/* mkdir -p */
int report_mkdirs(const char *dir, struct vb_error *err);

#endif
