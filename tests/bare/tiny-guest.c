/*
 * A tiny bare guest for the VMM's tests (tests/unit/test-kvm-bare.c): freestanding, no C library.
 * vCPU 0 reads one command byte from its receive ring and does one thing, well or badly on purpose:
 * say hello, echo a line, fault in several ways, corrupt its ring, spin forever, give up, wake a
 * worker vCPU, touch the MMIO page. Other vCPUs park until woken.
 */
#include <stdint.h>

#include "common/bare-abi.h"

#define INFO ((struct bare_boot_info *)BARE_BOOT_INFO_GPA)
#define TX   ((struct bare_ring *)BARE_RING_TX_GPA)
#define RX   ((struct bare_ring *)BARE_RING_RX_GPA)

static volatile uint32_t worker_marker;

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static void put_bytes(const char *s, uint32_t n)
{
	uint32_t tail = TX->tail;
	for (uint32_t i = 0; i < n; i++)
		TX->data[(tail + i) % BARE_RING_BYTES] = (uint8_t)s[i];
	__atomic_store_n(&TX->tail, tail + n, __ATOMIC_RELEASE);
	outl(BARE_PORT_TX, 0);
}

static void put(const char *s)
{
	uint32_t n = 0;
	while (s[n])
		n++;
	put_bytes(s, n);
}

static int get(void)
{
	for (;;) {
		uint32_t head = RX->head;
		if (__atomic_load_n(&RX->tail, __ATOMIC_ACQUIRE) != head) {
			uint8_t c = RX->data[head % BARE_RING_BYTES];
			__atomic_store_n(&RX->head, head + 1, __ATOMIC_RELEASE);
			return c;
		}
		if (RX->closed)
			return -1;
		outl(BARE_PORT_RX_WAIT, 0);
	}
}

static void worker(void)
{
	uint32_t seen = 0;
	for (;;) {
		outl(BARE_PORT_PARK, seen);
		uint32_t gen = (uint32_t)INFO->work_gen;
		if (gen != seen) {
			seen = gen;
			__atomic_store_n(&worker_marker, gen, __ATOMIC_RELEASE);
		}
	}
}

__attribute__((noreturn, force_align_arg_pointer)) void _start(uint64_t cpu)
{
	if (cpu != 0 || INFO->magic != BARE_MAGIC)
		worker();
	int cmd = get();
	switch (cmd) {
	case 'h': put("hello\n"); break;
	case 'e': {
		char line[128];
		uint32_t n = 0;
		int c;
		while ((c = get()) >= 0 && n < sizeof(line)) {
			line[n++] = (char)c;
			if (c == '\n')
				break;
		}
		put_bytes(line, n);
		break;
	}
	case 'n': put((const char *)(uintptr_t)8); break;		 /* null pointer */
	case 'p': *(volatile uint64_t *)0x7f00000000ull = 1; break; /* no memory there */
	case 'g': *(volatile uint64_t *)BARE_GDT_GPA = 0; break;	 /* a supervisor page */
	case 's': __asm__ volatile("syscall" : : "a"(60) : "rcx", "r11", "memory"); break;
	case 'r':
		TX->tail = TX->head + 3 * BARE_RING_BYTES;
		outl(BARE_PORT_TX, 0);
		break;
	case 'l':
		for (;;)
			__asm__ volatile("pause");
	case 'a': outl(BARE_PORT_ABORT, (uint32_t)(uintptr_t) "out of patience"); break;
	case 'w':
		if (INFO->ncpus < 2) {
			put("one vCPU\n");
			break;
		}
		INFO->work_gen = 7;
		outl(BARE_PORT_WAKE, 0);
		while (__atomic_load_n(&worker_marker, __ATOMIC_ACQUIRE) != 7)
			__asm__ volatile("pause");
		put("worker ran\n");
		break;
	case 'm': {
		volatile uint32_t *mmio = (volatile uint32_t *)BARE_MMIO_NULL_GPA;
		*mmio = 1;
		put(*mmio == 0 ? "mmio\n" : "mmio?\n");
		break;
	}
	default: put("?\n"); break;
	}
	outl(BARE_PORT_EXIT, 0);
	for (;;)
		;
}
