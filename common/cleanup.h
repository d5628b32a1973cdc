/*
 * Cleanup attributes (GCC and Clang), in the manner of crun's: a variable declared
 * `cleanup_free char *p = NULL;` is freed, and `cleanup_close int fd = -1;` closed, whenever it
 * goes out of scope, so that every early return releases it and no chain of gotos is needed.
 * Hand a resource on with cleanup_take() / cleanup_take_fd(), which leave NULL or -1 behind.
 */
#ifndef VB_CLEANUP_H
#define VB_CLEANUP_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_free_pointer(void *p)
{
	free(*(void **)p);
}

/* Closing keeps errno: the error being returned is the one that counts. */
static inline void cleanup_close_fd(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void cleanup_fclose_file(FILE **f)
{
	if (*f) {
		int saved = errno;
		fclose(*f);
		errno = saved;
	}
}

#define cleanup_free   __attribute__((cleanup(cleanup_free_pointer)))
#define cleanup_close  __attribute__((cleanup(cleanup_close_fd)))
#define cleanup_fclose __attribute__((cleanup(cleanup_fclose_file)))

static inline void *cleanup_take(void *pp)
{
	void *p = *(void **)pp;
	*(void **)pp = NULL;
	return p;
}

static inline int cleanup_take_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

#endif
