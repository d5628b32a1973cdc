/* JSON for vbench: a small writer into a growing buffer, and a reader over jsmn tokens. */
/* the one translation unit holding jsmn's implementation, in its strict mode */
#define JSMN_STRICT
#include <jsmn.h>

#include "common/json.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writer ---- */

void json_writer_init(struct json_writer *w)
{
	memset(w, 0, sizeof(*w));
}

void json_writer_free(struct json_writer *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

char *json_writer_take(struct json_writer *w, size_t *len)
{
	if (w->failed || !w->buf) {
		json_writer_free(w);
		return NULL;
	}
	char *out = w->buf;
	if (len)
		*len = w->len;
	memset(w, 0, sizeof(*w));
	return out;
}

static void put(struct json_writer *w, const char *s, size_t n)
{
	if (w->failed)
		return;
	if (w->len + n + 1 > w->cap) {
		size_t cap = w->cap ? w->cap : 256;
		while (w->len + n + 1 > cap)
			cap *= 2;
		char *nb = realloc(w->buf, cap);
		if (!nb) {
			w->failed = true;
			return;
		}
		w->buf = nb;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
	w->buf[w->len] = '\0';
}

static void puts_raw(struct json_writer *w, const char *s)
{
	put(w, s, strlen(s));
}

/* Before any value: a comma if the container already holds one. */
static void before_value(struct json_writer *w)
{
	if (w->depth > 0 && w->need_comma[w->depth])
		put(w, ",", 1);
	if (w->depth > 0)
		w->need_comma[w->depth] = true;
}

static void open_container(struct json_writer *w, const char *c)
{
	before_value(w);
	puts_raw(w, c);
	if (w->depth + 1 < (int)(sizeof(w->need_comma) / sizeof(w->need_comma[0]))) {
		w->depth++;
		w->need_comma[w->depth] = false;
	} else {
		w->failed = true;
	}
}

static void close_container(struct json_writer *w, const char *c)
{
	puts_raw(w, c);
	if (w->depth > 0)
		w->depth--;
}

void json_object_begin(struct json_writer *w)
{
	open_container(w, "{");
}
void json_object_end(struct json_writer *w)
{
	close_container(w, "}");
}
void json_array_begin(struct json_writer *w)
{
	open_container(w, "[");
}
void json_array_end(struct json_writer *w)
{
	close_container(w, "]");
}

static void put_escaped(struct json_writer *w, const char *s)
{
	put(w, "\"", 1);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		char esc[8];
		switch (*p) {
		case '"': puts_raw(w, "\\\""); break;
		case '\\': puts_raw(w, "\\\\"); break;
		case '\n': puts_raw(w, "\\n"); break;
		case '\r': puts_raw(w, "\\r"); break;
		case '\t': puts_raw(w, "\\t"); break;
		default:
			if (*p < 0x20) {
				snprintf(esc, sizeof(esc), "\\u%04x", *p);
				puts_raw(w, esc);
			} else {
				put(w, (const char *)p, 1);
			}
		}
	}
	put(w, "\"", 1);
}

void json_key(struct json_writer *w, const char *key)
{
	before_value(w);
	put_escaped(w, key);
	put(w, ":", 1);
	/* the value that follows must not add another comma */
	w->need_comma[w->depth] = false;
}

static void after_key_value(struct json_writer *w)
{
	if (w->depth > 0)
		w->need_comma[w->depth] = true;
}

void json_string(struct json_writer *w, const char *s)
{
	before_value(w);
	put_escaped(w, s ? s : "");
	after_key_value(w);
}

void json_number(struct json_writer *w, double v)
{
	before_value(w);
	if (!isfinite(v)) {
		puts_raw(w, "null");
	} else {
		char b[40];
		snprintf(b, sizeof(b), "%.17g", v);
		/* shortest form that round-trips keeps files readable */
		for (int prec = 6; prec < 17; prec++) {
			char t[40];
			snprintf(t, sizeof(t), "%.*g", prec, v);
			if (strtod(t, NULL) == v) {
				memcpy(b, t, sizeof(t));
				break;
			}
		}
		puts_raw(w, b);
	}
	after_key_value(w);
}

void json_int(struct json_writer *w, int64_t v)
{
	char b[32];
	before_value(w);
	snprintf(b, sizeof(b), "%" PRId64, v);
	puts_raw(w, b);
	after_key_value(w);
}

void json_bool(struct json_writer *w, bool v)
{
	before_value(w);
	puts_raw(w, v ? "true" : "false");
	after_key_value(w);
}

void json_null(struct json_writer *w)
{
	before_value(w);
	puts_raw(w, "null");
	after_key_value(w);
}

void json_raw(struct json_writer *w, const char *text)
{
	before_value(w);
	puts_raw(w, text);
	after_key_value(w);
}

void json_kv_string(struct json_writer *w, const char *key, const char *s)
{
	json_key(w, key);
	json_string(w, s);
}

void json_kv_number(struct json_writer *w, const char *key, double v)
{
	json_key(w, key);
	json_number(w, v);
}

void json_kv_int(struct json_writer *w, const char *key, int64_t v)
{
	json_key(w, key);
	json_int(w, v);
}

void json_kv_bool(struct json_writer *w, const char *key, bool v)
{
	json_key(w, key);
	json_bool(w, v);
}

/* ---- reader ---- */

/*
 * jsmn tokenizes but does not check JSON's grammar: it lets through {"a":"b":"c"}, trailing
 * commas and numbers like 01. A small recursive-descent pass over the text checks the grammar
 * first, so that what jsmn then tokenizes is JSON. Returns the position after the value, or 0.
 */
static int hexval(char c);

struct syntax {
	const char *s;
	size_t len, pos;
	int depth;
};

static void syntax_space(struct syntax *x)
{
	while (x->pos < x->len && (x->s[x->pos] == ' ' || x->s[x->pos] == '\t' ||
				   x->s[x->pos] == '\n' || x->s[x->pos] == '\r'))
		x->pos++;
}

static bool syntax_literal(struct syntax *x, const char *word)
{
	size_t n = strlen(word);
	if (x->len - x->pos < n || memcmp(x->s + x->pos, word, n) != 0)
		return false;
	x->pos += n;
	return true;
}

static bool syntax_digits(struct syntax *x)
{
	size_t start = x->pos;
	while (x->pos < x->len && x->s[x->pos] >= '0' && x->s[x->pos] <= '9')
		x->pos++;
	return x->pos > start;
}

static bool syntax_number(struct syntax *x)
{
	if (x->pos < x->len && x->s[x->pos] == '-')
		x->pos++;
	if (x->pos < x->len && x->s[x->pos] == '0')
		x->pos++; /* a leading zero stands alone */
	else if (!syntax_digits(x))
		return false;
	if (x->pos < x->len && x->s[x->pos] == '.') {
		x->pos++;
		if (!syntax_digits(x))
			return false;
	}
	if (x->pos < x->len && (x->s[x->pos] == 'e' || x->s[x->pos] == 'E')) {
		x->pos++;
		if (x->pos < x->len && (x->s[x->pos] == '+' || x->s[x->pos] == '-'))
			x->pos++;
		if (!syntax_digits(x))
			return false;
	}
	return true;
}

static bool syntax_string(struct syntax *x)
{
	if (x->pos >= x->len || x->s[x->pos] != '"')
		return false;
	for (x->pos++; x->pos < x->len; x->pos++) {
		unsigned char c = (unsigned char)x->s[x->pos];
		if (c == '"') {
			x->pos++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c == '\\') {
			if (++x->pos >= x->len || !strchr("\"\\/bfnrtu", x->s[x->pos]))
				return false;
			if (x->s[x->pos] == 'u') {
				for (int i = 0; i < 4; i++)
					if (++x->pos >= x->len || hexval(x->s[x->pos]) < 0)
						return false;
			}
		}
	}
	return false;
}

static bool syntax_value(struct syntax *x)
{
	syntax_space(x);
	if (x->pos >= x->len || ++x->depth > 128)
		return false;
	bool ok;
	char c = x->s[x->pos];
	if (c == '{' || c == '[') {
		char close = c == '{' ? '}' : ']';
		x->pos++;
		syntax_space(x);
		if (x->pos < x->len && x->s[x->pos] == close) {
			x->pos++;
			x->depth--;
			return true;
		}
		for (;;) {
			if (c == '{') {
				syntax_space(x);
				if (!syntax_string(x))
					return false;
				syntax_space(x);
				if (x->pos >= x->len || x->s[x->pos] != ':')
					return false;
				x->pos++;
			}
			if (!syntax_value(x))
				return false;
			syntax_space(x);
			if (x->pos >= x->len)
				return false;
			if (x->s[x->pos] == ',') {
				x->pos++;
				continue;
			}
			if (x->s[x->pos] != close)
				return false;
			x->pos++;
			break;
		}
		ok = true;
	} else if (c == '"') {
		ok = syntax_string(x);
	} else if (c == '-' || (c >= '0' && c <= '9')) {
		ok = syntax_number(x);
	} else {
		ok = syntax_literal(x, "true") || syntax_literal(x, "false") ||
		     syntax_literal(x, "null");
	}
	x->depth--;
	return ok;
}

int json_parse(struct json_doc *doc, const char *text, size_t len, struct vb_error *err)
{
	memset(doc, 0, sizeof(*doc));
	struct syntax x = { .s = text, .len = len };
	syntax_space(&x);
	if (x.pos >= len)
		return error_set(err, "JSON is empty");
	bool ok = syntax_value(&x);
	size_t stop = x.pos;
	syntax_space(&x);
	if (ok && x.pos < x.len)
		return error_set(err, "JSON has trailing data after the document (character %zu)",
				 x.pos);
	if (!ok && stop >= len)
		return error_set(err, "JSON is truncated");
	if (!ok)
		return error_set(err, "JSON is malformed (character %zu)", stop);
	jsmn_parser p;
	jsmn_init(&p);
	int n = jsmn_parse(&p, text, len, NULL, 0);
	if (n == JSMN_ERROR_PART)
		return error_set(err, "JSON is truncated");
	if (n < 0)
		return error_set(err, "JSON is malformed (character %u)", p.pos);
	if (n == 0)
		return error_set(err, "JSON is empty");
	doc->tokens = calloc((size_t)n, sizeof(jsmntok_t));
	if (!doc->tokens)
		return error_set(err, "out of memory parsing JSON");
	jsmn_init(&p);
	int m = jsmn_parse(&p, text, len, doc->tokens, (unsigned)n);
	if (m < 0) {
		json_doc_free(doc);
		return error_set(err, "JSON is malformed");
	}
	doc->text = text;
	doc->len = len;
	doc->ntokens = m;
	/* jsmn accepts several top-level values; vbench documents hold exactly one */
	if (json_skip(doc, 0) != m) {
		json_doc_free(doc);
		return error_set(err, "JSON has trailing data after the document");
	}
	return 0;
}

void json_doc_free(struct json_doc *doc)
{
	free(doc->tokens);
	memset(doc, 0, sizeof(*doc));
}

int json_skip(const struct json_doc *doc, int tok)
{
	int pending = 1;
	while (pending > 0) {
		if (tok >= doc->ntokens && doc->ntokens > 0)
			return doc->ntokens;
		const jsmntok_t *t = &doc->tokens[tok];
		pending--;
		if (t->type == JSMN_OBJECT)
			pending += 2 * t->size;
		else if (t->type == JSMN_ARRAY)
			pending += t->size;
		tok++;
	}
	return tok;
}

bool json_is_object(const struct json_doc *doc, int tok)
{
	return tok >= 0 && tok < doc->ntokens && doc->tokens[tok].type == JSMN_OBJECT;
}

bool json_is_array(const struct json_doc *doc, int tok)
{
	return tok >= 0 && tok < doc->ntokens && doc->tokens[tok].type == JSMN_ARRAY;
}

bool json_is_string(const struct json_doc *doc, int tok)
{
	return tok >= 0 && tok < doc->ntokens && doc->tokens[tok].type == JSMN_STRING;
}

int json_size(const struct json_doc *doc, int tok)
{
	if (tok < 0 || tok >= doc->ntokens)
		return 0;
	return doc->tokens[tok].size;
}

bool json_eq(const struct json_doc *doc, int tok, const char *s)
{
	if (!json_is_string(doc, tok))
		return false;
	const jsmntok_t *t = &doc->tokens[tok];
	size_t l = (size_t)(t->end - t->start);
	return strlen(s) == l && memcmp(doc->text + t->start, s, l) == 0;
}

int json_find(const struct json_doc *doc, int obj, const char *key)
{
	if (!json_is_object(doc, obj))
		return -1;
	int n = doc->tokens[obj].size;
	int tok = obj + 1;
	for (int i = 0; i < n; i++) {
		if (tok + 1 >= doc->ntokens)
			return -1;
		if (json_eq(doc, tok, key))
			return tok + 1;
		tok = json_skip(doc, tok + 1);
	}
	return -1;
}

int json_array_get(const struct json_doc *doc, int arr, int i)
{
	if (!json_is_array(doc, arr) || i < 0 || i >= doc->tokens[arr].size)
		return -1;
	int tok = arr + 1;
	for (int k = 0; k < i; k++)
		tok = json_skip(doc, tok);
	return tok;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int json_get_string(const struct json_doc *doc, int tok, char *out, size_t outlen)
{
	if (!json_is_string(doc, tok) || outlen == 0)
		return -1;
	const jsmntok_t *t = &doc->tokens[tok];
	const char *s = doc->text + t->start, *end = doc->text + t->end;
	size_t o = 0;
	while (s < end) {
		unsigned cp;
		if (*s != '\\') {
			cp = (unsigned char)*s++;
			if (o + 1 >= outlen)
				return -1;
			out[o++] = (char)cp;
			continue;
		}
		s++;
		if (s >= end)
			return -1;
		char c = *s++;
		switch (c) {
		case 'n': cp = '\n'; break;
		case 't': cp = '\t'; break;
		case 'r': cp = '\r'; break;
		case 'b': cp = '\b'; break;
		case 'f': cp = '\f'; break;
		case 'u': {
			if (end - s < 4)
				return -1;
			cp = 0;
			for (int i = 0; i < 4; i++) {
				int h = hexval(s[i]);
				if (h < 0)
					return -1;
				cp = cp * 16 + (unsigned)h;
			}
			s += 4;
			if (cp == 0)
				return -1; /* an embedded NUL would silently cut the string */
			break;
		}
		default: cp = (unsigned char)c;
		}
		/* encode as UTF-8 (surrogate pairs are kept as two 3-byte sequences) */
		char enc[4];
		size_t n;
		if (cp < 0x80) {
			enc[0] = (char)cp;
			n = 1;
		} else if (cp < 0x800) {
			enc[0] = (char)(0xc0 | (cp >> 6));
			enc[1] = (char)(0x80 | (cp & 0x3f));
			n = 2;
		} else {
			enc[0] = (char)(0xe0 | (cp >> 12));
			enc[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
			enc[2] = (char)(0x80 | (cp & 0x3f));
			n = 3;
		}
		if (o + n >= outlen)
			return -1;
		memcpy(out + o, enc, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

char *json_dup_string(const struct json_doc *doc, int tok)
{
	if (!json_is_string(doc, tok))
		return NULL;
	size_t cap = (size_t)(doc->tokens[tok].end - doc->tokens[tok].start) * 3 + 1;
	char *s = malloc(cap);
	if (s && json_get_string(doc, tok, s, cap) < 0) {
		free(s);
		return NULL;
	}
	return s;
}

/* A primitive token's text (number, true, false, null) at *s, *l bytes; -1 for any other token. */
static int json_primitive(const struct json_doc *doc, int tok, const char **s, int *l)
{
	if (tok < 0 || tok >= doc->ntokens || doc->tokens[tok].type != JSMN_PRIMITIVE)
		return -1;
	*s = doc->text + doc->tokens[tok].start;
	*l = doc->tokens[tok].end - doc->tokens[tok].start;
	return 0;
}

int json_get_number(const struct json_doc *doc, int tok, double *out)
{
	const char *s;
	int l;
	if (json_primitive(doc, tok, &s, &l) < 0)
		return -1;
	if (l == 4 && !memcmp(s, "null", 4)) {
		*out = NAN;
		return 0;
	}
	if (l <= 0 || l >= 64 || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9')))
		return -1;
	char b[64];
	memcpy(b, s, (size_t)l);
	b[l] = '\0';
	char *end;
	errno = 0;
	double v = strtod(b, &end);
	if (*end != '\0')
		return -1;
	*out = v;
	return 0;
}

int json_get_int(const struct json_doc *doc, int tok, int64_t *out)
{
	double v;
	if (json_get_number(doc, tok, &v) < 0 || isnan(v))
		return -1;
	if (v < -9.2e18 || v > 9.2e18 || v != floor(v))
		return -1;
	*out = (int64_t)v;
	return 0;
}

int json_get_bool(const struct json_doc *doc, int tok, bool *out)
{
	const char *s;
	int l;
	if (json_primitive(doc, tok, &s, &l) < 0)
		return -1;
	if (l == 4 && !memcmp(s, "true", 4))
		*out = true;
	else if (l == 5 && !memcmp(s, "false", 5))
		*out = false;
	else
		return -1;
	return 0;
}

double json_member_number(const struct json_doc *doc, int obj, const char *key, double dflt)
{
	double v;
	int t = json_find(doc, obj, key);
	if (t < 0 || json_get_number(doc, t, &v) < 0)
		return dflt;
	return v;
}

int64_t json_member_int(const struct json_doc *doc, int obj, const char *key, int64_t dflt)
{
	int64_t v;
	int t = json_find(doc, obj, key);
	if (t < 0 || json_get_int(doc, t, &v) < 0)
		return dflt;
	return v;
}

int json_member_string(const struct json_doc *doc, int obj, const char *key, char *out,
		       size_t outlen)
{
	int t = json_find(doc, obj, key);
	if (t < 0)
		return -1;
	return json_get_string(doc, t, out, outlen);
}
