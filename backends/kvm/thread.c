/* The VMM's long-lived threads: host signals blocked, stacks that hold no huge page. */
#include "backends/kvm/thread.h"

#include <signal.h>

/*
 * glibc's default stack is 8 MiB. On a host whose transparent huge pages are "always" (Debian's
 * default) such a stack that happens to span an aligned 2 MiB can take a huge page at its first
 * touch, and the VMM's measured memory grows by 2 MiB per thread depending on where the stack
 * landed. A mapping smaller than 2 MiB holds none; the threads' deepest frames use tens of KiB.
 */
#define VMM_THREAD_STACK (1u << 20)

int vmm_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	sigdelset(&all, SIGSYS);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	pthread_attr_t attr;
	int rc = pthread_attr_init(&attr);
	if (rc == 0) {
		pthread_attr_setstacksize(&attr, VMM_THREAD_STACK);
		rc = pthread_create(thread, &attr, fn, arg);
		pthread_attr_destroy(&attr);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
