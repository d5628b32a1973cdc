/*
 * What the unit tests share: a temporary directory per group of tests, files written and read
 * back whole, and a command run with its output captured. Include after cmocka.h.
 */
#ifndef VB_TEST_UTIL_H
#define VB_TEST_UTIL_H

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The directory test_dir_setup made: /tmp/vbench-<test program>.XXXXXX */
static char test_dir[64];

/* A cmocka setup (of a test or a group): a fresh, empty test_dir. */
static inline int test_dir_setup(void **state)
{
	(void)state;
	snprintf(test_dir, sizeof(test_dir), "/tmp/vbench-%s.XXXXXX",
		 program_invocation_short_name);
	return mkdtemp(test_dir) ? 0 : -1;
}

static inline int test_remove_one(const char *path, const struct stat *st, int flag,
				  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Its teardown: test_dir and everything in it removed. */
static inline int test_dir_teardown(void **state)
{
	(void)state;
	if (!test_dir[0])
		return 0;
	return nftw(test_dir, test_remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* path = test_dir/name */
static inline const char *test_path(char *path, size_t len, const char *name)
{
	snprintf(path, len, "%s/%s", test_dir, name);
	return path;
}

/* The whole file, NUL-terminated and malloc'd, or NULL when it cannot be read. */
static inline char *test_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t len = 0, cap = 4096;
	char *text = malloc(cap);
	assert_non_null(text);
	size_t n;
	while ((n = fread(text + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			cap *= 2;
			text = realloc(text, cap);
			assert_non_null(text);
		}
	}
	text[len] = '\0';
	fclose(f);
	return text;
}

static inline void test_write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	if (!f)
		fail_msg("cannot write %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* stdout to /dev/null and stderr into test_dir/stderr while something runs; then stderr read. */
struct test_capture {
	int saved_out, saved_err;
	char path[192];
};

static inline void test_capture_begin(struct test_capture *c)
{
	test_path(c->path, sizeof(c->path), "stderr");
	fflush(stdout);
	fflush(stderr);
	c->saved_out = dup(1);
	c->saved_err = dup(2);
	int devnull = open("/dev/null", O_WRONLY);
	int errfd = open(c->path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(c->saved_out >= 0 && c->saved_err >= 0 && devnull >= 0 && errfd >= 0);
	dup2(devnull, 1);
	dup2(errfd, 2);
	close(devnull);
	close(errfd);
}

/* Back to the test's stdout and stderr; what went to stderr in msg (at most len - 1 bytes). */
static inline void test_capture_end(struct test_capture *c, char *msg, size_t len)
{
	fflush(stdout);
	fflush(stderr);
	dup2(c->saved_out, 1);
	dup2(c->saved_err, 2);
	close(c->saved_out);
	close(c->saved_err);
	char *text = test_read_file(c->path);
	assert_non_null(text);
	snprintf(msg, len, "%s", text);
	free(text);
}

/* Run a command (argv NULL-terminated, argv[0] its name) with its stderr in msg; its status. */
static inline int test_run_command(int (*fn)(int, char **), char **argv, char *msg, size_t len)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	struct test_capture c;
	test_capture_begin(&c);
	int rc = fn(argc, argv);
	test_capture_end(&c, msg, len);
	return rc;
}

/* Whether this host has a /dev/kvm this process may open (tests of the VMM skip without one). */
static inline bool have_kvm(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

#endif
