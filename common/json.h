/* JSON for vbench: a small writer into a growing buffer, and a reader over jsmn tokens. */
#ifndef VB_JSON_H
#define VB_JSON_H

#define JSMN_HEADER
#include <jsmn.h>
#undef JSMN_HEADER

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/error.h"

/* ---- writer ---- */

struct json_writer {
	char *buf;
	size_t len, cap;
	int depth;
	bool need_comma[64];
	bool failed; /* allocation failure; the document is unusable */
};

void json_writer_init(struct json_writer *w);
void json_writer_free(struct json_writer *w);
/* Take the finished text (NUL-terminated); the writer is left empty. NULL if writing failed. */
char *json_writer_take(struct json_writer *w, size_t *len);

void json_object_begin(struct json_writer *w);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w);
void json_array_end(struct json_writer *w);
void json_key(struct json_writer *w, const char *key);
void json_string(struct json_writer *w, const char *s);
void json_number(struct json_writer *w, double v); /* NaN and infinities become null */
void json_int(struct json_writer *w, int64_t v);
void json_bool(struct json_writer *w, bool v);
void json_null(struct json_writer *w);
/* Already-valid JSON text as one value (the caller vouches for it: e.g. an object parsed before). */
void json_raw(struct json_writer *w, const char *text);

/* key + value shorthands */
void json_kv_string(struct json_writer *w, const char *key, const char *s);
void json_kv_number(struct json_writer *w, const char *key, double v);
void json_kv_int(struct json_writer *w, const char *key, int64_t v);
void json_kv_bool(struct json_writer *w, const char *key, bool v);

/* ---- reader ---- */

struct json_doc {
	const char *text;
	size_t len;
	jsmntok_t *tokens;
	int ntokens;
};

/* Parse text (not copied; must outlive doc). Rejects malformed and truncated input. */
int json_parse(struct json_doc *doc, const char *text, size_t len, struct vb_error *err);
void json_doc_free(struct json_doc *doc);

/* Index of the token after the whole subtree at tok. */
int json_skip(const struct json_doc *doc, int tok);
/* Value token of key in the object at obj, or -1. */
int json_find(const struct json_doc *doc, int obj, const char *key);
bool json_is_object(const struct json_doc *doc, int tok);
bool json_is_array(const struct json_doc *doc, int tok);
bool json_is_string(const struct json_doc *doc, int tok);
/* Number of children of an array or object (pairs for objects). */
int json_size(const struct json_doc *doc, int tok);
/* Index of element i of the array at arr, or -1. */
int json_array_get(const struct json_doc *doc, int arr, int i);
/* Compare a string token to s. */
bool json_eq(const struct json_doc *doc, int tok, const char *s);
/* Copy a string token, unescaping; returns -1 if not a string or too long for out. */
int json_get_string(const struct json_doc *doc, int tok, char *out, size_t outlen);
/* Malloc'd unescaped copy of a string token, or NULL. */
char *json_dup_string(const struct json_doc *doc, int tok);
/* Numbers: -1 when the token is not a number (null yields NaN for json_get_number). */
int json_get_number(const struct json_doc *doc, int tok, double *out);
int json_get_int(const struct json_doc *doc, int tok, int64_t *out);
int json_get_bool(const struct json_doc *doc, int tok, bool *out);

/* Convenience: member lookups with a default when absent or wrong type. */
double json_member_number(const struct json_doc *doc, int obj, const char *key, double dflt);
int64_t json_member_int(const struct json_doc *doc, int obj, const char *key, int64_t dflt);
int json_member_string(const struct json_doc *doc, int obj, const char *key, char *out,
		       size_t outlen);

#endif
