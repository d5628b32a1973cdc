/*
 * The bare guest's contract with vbench's VMM: where things lie in guest memory, the ports the
 * guest rings, and the shared-memory rings its protocol messages travel in. The bare guest runs in
 * 64-bit ring 3 with no kernel under it (hosts whose KVM emulates ring 0, such as PVM); memory is
 * identity mapped (a guest virtual address is the guest physical address), so both sides name
 * things by one address. Everything the guest writes here is checked by the VMM before use.
 */
#ifndef VB_BARE_ABI_H
#define VB_BARE_ABI_H

#include <stdint.h>

#define BARE_MAGIC	 0x47424256u /* "VBBG" */
#define BARE_ABI_VERSION 1
#define BARE_MAX_VCPUS	 64

/*
 * Guest physical layout. The first page is not mapped (a null pointer faults). Pages marked
 * "supervisor" are mapped without the user bit, so ring-3 code cannot overwrite the tables that
 * catch its faults.
 */
#define BARE_BOOT_INFO_GPA 0x1000ull  /* struct bare_boot_info, user read-write */
#define BARE_SYSCALL_GPA   0x2000ull  /* where SYSCALL lands: a stub that reports it; user pages,
					 since PVM enters it in ring 3 */
#define BARE_RING_TX_GPA   0x10000ull /* guest -> host ring (header + data), user read-write */
#define BARE_RING_RX_GPA   0x19000ull /* host -> guest ring */
#define BARE_TLS_GPA	   0x30000ull /* one page per vCPU; FS base; user read-write */
#define BARE_GDT_GPA	   0x80000ull /* supervisor from here to BARE_SYSTEM_END */
#define BARE_IDT_GPA	   0x81000ull
#define BARE_TSS_GPA	   0x82000ull /* BARE_TSS_STRIDE bytes per vCPU */
#define BARE_STUB_GPA	   0x8a000ull /* the ring-0 exception stubs, BARE_STUB_STRIDE per vector */
#define BARE_KSTACK_GPA	   0x8c000ull /* ring-0 stacks, BARE_KSTACK_BYTES per vCPU */
#define BARE_SYSTEM_END	   0xac000ull
#define BARE_LOW_PT_GPA	   0x100000ull /* page tables when they fit (2m, 1g pages) */
#define BARE_LOW_PT_END	   0x200000ull
#define BARE_IMAGE_MIN	   0x200000ull /* the guest image's segments lie at or above this */

#define BARE_TSS_STRIDE	  512 /* the TSS and its I/O permission bitmap */
#define BARE_STUB_STRIDE  16
#define BARE_KSTACK_BYTES 2048
#define BARE_USER_STACK	  (1ull << 20) /* per vCPU, after the image */
#define BARE_TLS_BYTES	  4096

/* In each vCPU's TLS page: offset 0 points at the page itself (the C library's thread pointer
 * convention); the VMM writes the vCPU's index here. The C library's thread data lies below. */
#define BARE_TLS_CPU_INDEX_OFFSET 0xf00

/*
 * An unbacked page the guest may touch to cause an MMIO exit, and a port for a port-I/O round trip
 * (vm.exit). The Linux guest's VMM serves the same two (its virtio devices lie at 0xd0000000).
 */
#define BARE_MMIO_NULL_GPA 0xe0000000ull
/*
 * The Linux guest's agent touches neither until its ACPI FADT's hypervisor vendor identity (8 bytes
 * at offset 268, ACPI 6.0) says this, which only vbench's VMM writes (backends/kvm/acpi.c): the
 * same agent runs on bare metal, where that port and address may be real hardware.
 */
#define BARE_VMM_FADT_ID	"VBENCHVM"
#define BARE_VMM_FADT_ID_OFFSET 268

/*
 * Ports, written with a 32-bit `out` from ring 3 (RFLAGS.IOPL is 3). Each is one VM exit.
 */
#define BARE_PORT_BASE 0x5b0
enum bare_port {
	BARE_PORT_TX = BARE_PORT_BASE,	/* bytes were appended to the TX ring: forward them */
	BARE_PORT_RX_WAIT,		/* block until the RX ring has bytes (value: timeout ms, 0 =
					   none), or the channel closed (rx ring's closed flag) */
	BARE_PORT_PARK,			/* worker vCPU: sleep while work_gen == value */
	BARE_PORT_WAKE,			/* work_gen changed: wake parked vCPUs */
	BARE_PORT_EXIT,			/* the guest is done (value: status); the VM powers off */
	BARE_PORT_FAULT,		/* the ring-0 stub: value is the vector, the frame on its stack */
	BARE_PORT_ABORT,		/* the guest gives up: value is the address of a NUL-ended
					   message below 4 GiB */
	BARE_PORT_CLOCK,		/* the VMM writes CLOCK_MONOTONIC ns into host_ns */
	BARE_PORT_NULL,			/* nothing: a port-I/O round trip (vm.exit) */
	BARE_PORT_END,
};

/* Written by the VMM before the first vCPU runs; the fields marked "guest" are the guest's. */
struct bare_boot_info {
	uint32_t magic;
	uint32_t abi_version;
	uint32_t ncpus;
	uint32_t page_bytes;   /* the page size heap memory is mapped with: 4 KiB, 2 MiB or 1 GiB */
	uint64_t tsc_khz;      /* KVM_GET_TSC_KHZ; 0 if KVM could not say */
	uint64_t memory_bytes; /* guest RAM */
	uint64_t heap[2][2];   /* free guest memory: [start, end) ranges, page_bytes aligned */
	uint64_t image_end;
	volatile uint64_t work_gen; /* guest: bumped when workers have something to do */
	volatile uint64_t host_ns;  /* VMM: CLOCK_MONOTONIC at the last BARE_PORT_CLOCK */
	char vmm[96];		    /* "vbench VMM, bare guest, 2m pages" (NUL ended) */
};

/*
 * A byte ring. The producer writes data then advances tail; the consumer reads then advances head;
 * both are free-running (positions modulo BARE_RING_BYTES). The VMM never trusts a guest-written
 * index: tail - head beyond BARE_RING_BYTES is a corrupt ring and ends the VM.
 */
#define BARE_RING_BYTES 32768u
struct bare_ring {
	volatile uint32_t head;
	volatile uint32_t tail;
	volatile uint32_t closed; /* rx only: the harness hung up; no more bytes will come */
	uint32_t reserved[13];
	uint8_t data[BARE_RING_BYTES];
};

#endif
