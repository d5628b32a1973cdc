/*
 * The Linux agent's way to vbench's VMM for vm.exit: ioperm() for the port, an uncached mapping of
 * /dev/mem for the MMIO page, and a futex ping-pong partner for HLT wake-ups.
 */
#include "workloads/vmm-access.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/bare-abi.h"
#include "common/cleanup.h"

#define VMM_ACCESS_FADT_PATH "/sys/firmware/acpi/tables/FACP"
#define VMM_ACCESS_PAGE	     4096

static volatile uint32_t *vmm_access_page;

/* The same agent runs natively, in containers and in QEMU: only vbench's VMM names itself here. */
static int vmm_access_check_fadt(struct vb_error *err)
{
	cleanup_close int fd = open(VMM_ACCESS_FADT_PATH, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "not on vbench's own VMM: cannot read %s",
				       VMM_ACCESS_FADT_PATH);
	char id[sizeof(BARE_VMM_FADT_ID) - 1];
	if (pread(fd, id, sizeof(id), BARE_VMM_FADT_ID_OFFSET) != (ssize_t)sizeof(id) ||
	    memcmp(id, BARE_VMM_FADT_ID, sizeof(id)) != 0)
		return error_set(err, "not on vbench's own VMM: the ACPI FADT does not name %s",
				 BARE_VMM_FADT_ID);
	return 0;
}

int vmm_access_open(struct vb_error *err)
{
	if (vmm_access_check_fadt(err) < 0)
		return -1;
	/* Per thread, and an outl checks all four bytes it writes. */
	if (ioperm(BARE_PORT_NULL, 4, 1) < 0)
		return error_set_errno(err, "ioperm for port %#x", (unsigned)BARE_PORT_NULL);
	if (vmm_access_page)
		return 0;
	/* O_SYNC maps it uncached: every write leaves the vCPU, as a device register's would. */
	cleanup_close int fd = open("/dev/mem", O_RDWR | O_SYNC | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "open /dev/mem for the MMIO page");
	void *p = mmap(NULL, VMM_ACCESS_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		       (off_t)BARE_MMIO_NULL_GPA);
	if (p == MAP_FAILED)
		return error_set_errno(err, "mmap /dev/mem at %#llx",
				       (unsigned long long)BARE_MMIO_NULL_GPA);
	vmm_access_page = p;
	return 0;
}

volatile uint32_t *vmm_access_mmio(void)
{
	return vmm_access_page;
}

/* ---- the HLT wake-up partner ---- */

struct vmm_access_pair {
	pthread_t thread;
	cpu_set_t saved; /* the caller's CPUs, given back by stop */
	int cpu_partner;
	uint32_t turn; /* the futex word: 1 while the partner's turn, 0 while the caller's */
	uint32_t stop;
	int partner_errno; /* the partner could not pin itself */
	bool running;
};

static struct vmm_access_pair vmm_access_pair;

static void vmm_access_sleep_while(uint32_t *word, uint32_t value)
{
	while (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value)
		syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void vmm_access_hand_over(uint32_t *word, uint32_t value)
{
	__atomic_store_n(word, value, __ATOMIC_RELEASE);
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static int vmm_access_pin(int cpu)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void *vmm_access_partner(void *arg)
{
	struct vmm_access_pair *p = arg;
	if (vmm_access_pin(p->cpu_partner) != 0)
		p->partner_errno = errno; /* seen by the caller after the first round trip */
	for (;;) {
		vmm_access_sleep_while(&p->turn, 0);
		if (__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE))
			return NULL;
		vmm_access_hand_over(&p->turn, 0);
	}
}

int vmm_access_pair_start(struct vb_error *err)
{
	struct vmm_access_pair *p = &vmm_access_pair;
	if (p->running)
		return error_set(err, "the HLT wake-up partner is already running");
	if (sched_getaffinity(0, sizeof(p->saved), &p->saved) != 0)
		return error_set_errno(err, "sched_getaffinity");
	int first = -1, second = -1;
	for (int c = 0; c < CPU_SETSIZE && second < 0; c++) {
		if (!CPU_ISSET(c, &p->saved))
			continue;
		if (first < 0)
			first = c;
		else
			second = c;
	}
	if (second < 0)
		return error_set(err, "one CPU: no second vCPU to wake");
	if (vmm_access_pin(first) != 0)
		return error_set_errno(err, "pin to CPU %d", first);
	p->cpu_partner = second;
	p->turn = 0;
	p->stop = 0;
	p->partner_errno = 0;
	int e = pthread_create(&p->thread, NULL, vmm_access_partner, p);
	if (e != 0) {
		sched_setaffinity(0, sizeof(p->saved), &p->saved);
		errno = e;
		return error_set_errno(err, "starting the HLT wake-up partner");
	}
	p->running = true;
	vmm_access_pair_round_trip();
	if (p->partner_errno) {
		int pinned = p->partner_errno;
		struct vb_error ignored;
		vmm_access_pair_stop(&ignored);
		errno = pinned;
		return error_set_errno(err, "pin the HLT wake-up partner to CPU %d", second);
	}
	return 0;
}

void vmm_access_pair_round_trip(void)
{
	vmm_access_hand_over(&vmm_access_pair.turn, 1);
	vmm_access_sleep_while(&vmm_access_pair.turn, 1);
}

int vmm_access_pair_stop(struct vb_error *err)
{
	struct vmm_access_pair *p = &vmm_access_pair;
	if (!p->running)
		return 0;
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	vmm_access_hand_over(&p->turn, 1);
	pthread_join(p->thread, NULL);
	p->running = false;
	/* The agent must not stay pinned to one CPU after this workload. */
	if (sched_setaffinity(0, sizeof(p->saved), &p->saved) != 0)
		return error_set_errno(err, "restoring the CPU affinity");
	return 0;
}
