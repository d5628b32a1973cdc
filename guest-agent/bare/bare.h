/*
 * The bare guest runtime's internals: port I/O to the VMM, the boot information, memory and
 * fatal errors, shared by its files (start-up, platform, C library glue).
 */
#ifndef VB_BARE_H
#define VB_BARE_H

#include <stddef.h>
#include <stdint.h>

#include "common/bare-abi.h"
#include "common/error.h"

/* A 32-bit `out` from ring 3 (RFLAGS.IOPL is 3): one VM exit. */
static inline void bare_out(unsigned port, uint32_t value)
{
	__asm__ volatile("outl %0, %w1" : : "a"(value), "Nd"((uint16_t)port) : "memory");
}

static inline void bare_outb(unsigned port, uint8_t value)
{
	__asm__ volatile("outb %0, %w1" : : "a"(value), "Nd"((uint16_t)port) : "memory");
}

static inline void bare_pause(void)
{
	__builtin_ia32_pause();
}

static inline struct bare_boot_info *bare_boot(void)
{
	return (struct bare_boot_info *)(uintptr_t)BARE_BOOT_INFO_GPA;
}

static inline struct bare_ring *bare_ring_at(uint64_t gpa)
{
	return (struct bare_ring *)(uintptr_t)gpa;
}

/* bare_out as the doorbell (doorbell.h) of the parts kept free of port I/O. */
void bare_doorbell(void *ctx, unsigned port, uint32_t value);

/* The running vCPU's index, as the VMM wrote it into the TLS page. */
unsigned bare_cpu_index(void);

/* Tell the VMM the guest gives up, with a message; the VM ends. */
void bare_abort(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* The guest is done (status 0: served until shutdown or hang-up). */
void bare_exit(uint32_t status) __attribute__((noreturn));

/* platform-bare.c: vCPU 0 sets up memory and the clock before anything else runs. */
int bare_platform_init(struct vb_error *err);
/* What the platform found worth saying in the hello ("" = nothing): a clock it could not trust. */
const char *bare_platform_warnings(void);
/*
 * The TSC rate the clock uses, what KVM said and what was measured (0 = unknown), and how far
 * the measurement may be off (parts per million).
 */
void bare_platform_tsc(uint64_t *used_khz, uint64_t *kvm_khz, uint64_t *measured_khz,
		       double *measured_ppm);
/* vCPU cpu's TSC minus vCPU 0's at start-up, and its error bound, in ns (NaN: not consistent). */
void bare_platform_tsc_sync(unsigned cpu, double *offset_ns, double *within_ns);
size_t bare_platform_heap_bytes(void);
/* A vCPU other than 0: park until platform_run_workers has work for it; never returns. */
void bare_worker_loop(unsigned cpu) __attribute__((noreturn));
/* Memory for the C library's allocator (libc-bare.c): the platform's heap under its lock. */
void *bare_mem_alloc(size_t bytes, size_t align);
int bare_mem_free(void *p, size_t bytes);

#endif
