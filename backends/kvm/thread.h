/* The VMM's long-lived threads (vCPUs, virtio devices): host signals blocked, stacks that hold no huge page. */
#ifndef VB_KVM_THREAD_H
#define VB_KVM_THREAD_H

#include <pthread.h>

/*
 * Start fn(arg) with every signal blocked but SIGSYS (the seccomp filter's report of a denied
 * call) and a 1 MiB stack. Returns pthread_create's result.
 */
int vmm_thread_start(pthread_t *thread, void *(*fn)(void *), void *arg);

#endif
