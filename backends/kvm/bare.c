/*
 * The bare guest's VMM side: loads the guest's ELF image, builds identity-mapped page tables (4 KiB,
 * 2 MiB or 1 GiB pages), GDT, IDT, TSSes and ring-0 exception stubs, starts every vCPU in 64-bit
 * ring 3, and serves the guest's ports: its message rings, parking of worker vCPUs, its clock
 * check, and how it ends. Every index and address the guest writes is checked before use.
 */
#include "backends/kvm/bare.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/kvm/exits.h"
#include "backends/kvm/vcpu.h"
#include "common/clock.h"

#define PTE_P  0x1ull
#define PTE_RW 0x2ull
#define PTE_US 0x4ull
#define PTE_PS 0x80ull
#define PTE_ADDR_MASK 0x000ffffffffff000ull

/* GDT: null, ring-0 code and data, ring-3 data and code, then one 16-byte TSS descriptor per vCPU. */
#define SEL_KERNEL_CODE 0x08
#define SEL_USER_DATA	0x1b
#define SEL_USER_CODE	0x23
#define SEL_TSS(i)	(0x28 + 16 * (i))

#define MAX_IMAGE_BYTES (64ull << 20)

/* The pseudo-vector of the stub SYSCALL lands in (at BARE_SYSCALL_GPA). */
#define BARE_SYSCALL_VECTOR 32

/* The TSS's I/O permission bitmap covers ports 0 to 0x5ff (the guest's lie below). */
#define TSS_IOMAP	104
#define TSS_IOMAP_BYTES (0x600 / 8)

static uint64_t round_up(uint64_t v, uint64_t to)
{
	return (v + to - 1) / to * to;
}

static uint64_t round_down(uint64_t v, uint64_t to)
{
	return v / to * to;
}

uint64_t bare_parse_page_size(const char *s)
{
	if (!s)
		return 0;
	if (!strcasecmp(s, "4k"))
		return BARE_PAGE_4K;
	if (!strcasecmp(s, "2m"))
		return BARE_PAGE_2M;
	if (!strcasecmp(s, "1g"))
		return BARE_PAGE_1G;
	return 0;
}

const char *bare_page_size_name(uint64_t page_bytes)
{
	return page_bytes == BARE_PAGE_1G ? "1g" : page_bytes == BARE_PAGE_2M ? "2m" : "4k";
}

/* ---- the image ---- */

int bare_load_elf(const struct memory *mem, const uint8_t *image, size_t len, uint64_t limit,
		  struct bare_layout *layout, struct vb_error *err)
{
	Elf64_Ehdr ehdr, *eh = &ehdr; /* copied: the image need not be aligned */
	if (len < sizeof(ehdr))
		return error_set(err, "bare guest image: not an ELF file");
	memcpy(&ehdr, image, sizeof(ehdr));
	if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
		return error_set(err, "bare guest image: not an ELF file");
	if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64)
		return error_set(err, "bare guest image: not a 64-bit x86 ELF file");
	if (eh->e_type != ET_EXEC)
		return error_set(err, "bare guest image: not a static executable linked at a fixed "
				      "address (ELF type %u)",
				 eh->e_type);
	if (eh->e_phentsize != sizeof(Elf64_Phdr) || eh->e_phnum == 0 || eh->e_phnum > 64 ||
	    eh->e_phoff > len || (len - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum)
		return error_set(err, "bare guest image: program headers out of the file");
	uint64_t end = 0;
	bool entry_ok = false;
	unsigned loads = 0;
	for (unsigned i = 0; i < eh->e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, image + eh->e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len || len - ph.p_offset < ph.p_filesz)
			return error_set(err, "bare guest image: segment %u lies outside the file", i);
		if (ph.p_vaddr < BARE_IMAGE_MIN || ph.p_memsz > limit ||
		    ph.p_vaddr > limit - ph.p_memsz)
			return error_set(err,
					 "bare guest image: segment %u at %#llx+%#llx lies outside "
					 "[%#llx, %#llx)",
					 i, (unsigned long long)ph.p_vaddr,
					 (unsigned long long)ph.p_memsz,
					 (unsigned long long)BARE_IMAGE_MIN, (unsigned long long)limit);
		uint8_t *dst = memory_at(mem, ph.p_vaddr, ph.p_memsz ? ph.p_memsz : 1);
		if (!dst)
			return error_set(err, "bare guest image: segment %u is not in guest RAM", i);
		memcpy(dst, image + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_vaddr + ph.p_memsz > end)
			end = ph.p_vaddr + ph.p_memsz;
		if ((ph.p_flags & PF_X) && eh->e_entry >= ph.p_vaddr &&
		    eh->e_entry < ph.p_vaddr + ph.p_memsz)
			entry_ok = true;
		loads++;
	}
	if (!loads)
		return error_set(err, "bare guest image: nothing to load");
	if (!entry_ok)
		return error_set(err, "bare guest image: entry point %#llx is in no executable segment",
				 (unsigned long long)eh->e_entry);
	layout->entry = eh->e_entry;
	layout->image_end = end;
	return 0;
}

/* ---- memory plan and page tables ---- */

/* Pages a table tree over [lo, hi) can need at most. */
static uint64_t pt_pages_for(uint64_t lo, uint64_t hi, uint64_t page_bytes)
{
	if (hi <= lo)
		return 0;
	uint64_t span = hi - lo;
	uint64_t pds = span / BARE_PAGE_1G + 2;
	/* 4 KiB pages need every 2 MiB its table; larger pages need tables only where split. */
	uint64_t pts = page_bytes == BARE_PAGE_4K ? span / BARE_PAGE_2M + 2 : 8;
	return 2 + pds + pts;
}

int bare_plan(const struct memory *mem, unsigned ncpus, struct bare_layout *l,
	      struct vb_error *err)
{
	uint64_t pb = l->page_bytes;
	l->low_end = mem->regions[0].size;
	l->high_start = l->high_end = 0;
	if (mem->nregions > 1) {
		l->high_start = mem->regions[1].gpa;
		l->high_end = mem->regions[1].gpa + mem->regions[1].size;
	}
	l->stacks_base = round_up(l->image_end, BARE_PAGE_2M);
	l->stacks_end = l->stacks_base + (uint64_t)ncpus * BARE_USER_STACK;
	/* PML4 + the MMIO page's tables + both regions' */
	uint64_t pages = 4 + pt_pages_for(0, l->low_end, pb) +
			 pt_pages_for(l->high_start, l->high_end, pb);
	uint64_t top = l->low_end;
	if (pages * BARE_PAGE_4K <= BARE_LOW_PT_END - BARE_LOW_PT_GPA) {
		l->pt_base = BARE_LOW_PT_GPA;
		l->pt_end = BARE_LOW_PT_END;
	} else if (pb == BARE_PAGE_4K) {
		l->pt_end = l->low_end;
		l->pt_base = round_down(l->low_end - pages * BARE_PAGE_4K, BARE_PAGE_4K);
		top = l->pt_base;
	} else {
		return error_set(err, "bare guest: %llu MiB of memory need more page tables than "
				      "fit below 2 MiB",
				 (unsigned long long)(mem->size >> 20));
	}
	if (l->stacks_end > top)
		return error_set(err,
				 "bare guest: %llu MiB of memory do not hold the image and %u "
				 "stacks",
				 (unsigned long long)(mem->size >> 20), ncpus);
	memset(l->heap, 0, sizeof(l->heap));
	uint64_t lo = round_up(l->stacks_end, pb), hi = round_down(top, pb);
	unsigned n = 0;
	if (hi > lo) {
		l->heap[n][0] = lo;
		l->heap[n++][1] = hi;
	}
	lo = round_up(l->high_start, pb);
	hi = round_down(l->high_end, pb);
	if (hi > lo) {
		l->heap[n][0] = lo;
		l->heap[n++][1] = hi;
	}
	uint64_t heap = (l->heap[0][1] - l->heap[0][0]) + (l->heap[1][1] - l->heap[1][0]);
	if (heap < (16ull << 20))
		return error_set(err,
				 "bare guest: %llu MiB of memory leave %llu MiB of heap on %s "
				 "pages (give it more memory)",
				 (unsigned long long)(mem->size >> 20),
				 (unsigned long long)(heap >> 20), bare_page_size_name(pb));
	return 0;
}

struct pt_builder {
	const struct memory *mem;
	const struct bare_layout *l;
	uint64_t next, end; /* unused page-table pages */
	bool full;
};

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t bend)
{
	return a < bend && b < a + alen;
}

/* Whether [gpa, gpa+len) holds a page that is not an ordinary user page. */
static bool pt_special(const struct bare_layout *l, uint64_t gpa, uint64_t len)
{
	return overlaps(gpa, len, 0, BARE_PAGE_4K) ||
	       overlaps(gpa, len, BARE_GDT_GPA, BARE_SYSTEM_END) ||
	       overlaps(gpa, len, BARE_LOW_PT_GPA, BARE_LOW_PT_END) ||
	       overlaps(gpa, len, l->pt_base, l->pt_end);
}

static uint64_t pt_leaf_4k(const struct bare_layout *l, uint64_t gpa)
{
	if (gpa < BARE_PAGE_4K)
		return 0; /* null pointers fault */
	uint64_t e = gpa | PTE_P | PTE_RW;
	return pt_special(l, gpa, BARE_PAGE_4K) ? e : e | PTE_US;
}

/* The table an entry points to, made (zeroed, user-reachable) if it does not exist yet. */
static uint64_t *pt_next(struct pt_builder *b, uint64_t *entry)
{
	if (*entry & PTE_P)
		return memory_at(b->mem, *entry & PTE_ADDR_MASK, BARE_PAGE_4K);
	if (b->next + BARE_PAGE_4K > b->end) {
		b->full = true;
		return NULL;
	}
	uint64_t gpa = b->next;
	b->next += BARE_PAGE_4K;
	uint64_t *t = memory_at(b->mem, gpa, BARE_PAGE_4K);
	if (!t) {
		b->full = true;
		return NULL;
	}
	memset(t, 0, BARE_PAGE_4K);
	*entry = gpa | PTE_P | PTE_RW | PTE_US;
	return t;
}

static void pt_map(struct pt_builder *b, uint64_t *pml4, uint64_t lo, uint64_t hi)
{
	uint64_t pb = b->l->page_bytes;
	for (uint64_t gpa = lo; gpa < hi && !b->full;) {
		uint64_t *pdpt = pt_next(b, &pml4[(gpa >> 39) & 511]);
		if (!pdpt)
			return;
		uint64_t *pdpte = &pdpt[(gpa >> 30) & 511];
		if (pb == BARE_PAGE_1G && gpa % BARE_PAGE_1G == 0 && hi - gpa >= BARE_PAGE_1G &&
		    !pt_special(b->l, gpa, BARE_PAGE_1G)) {
			*pdpte = gpa | PTE_P | PTE_RW | PTE_US | PTE_PS;
			gpa += BARE_PAGE_1G;
			continue;
		}
		uint64_t *pd = pt_next(b, pdpte);
		if (!pd)
			return;
		uint64_t *pde = &pd[(gpa >> 21) & 511];
		if (pb >= BARE_PAGE_2M && gpa % BARE_PAGE_2M == 0 && hi - gpa >= BARE_PAGE_2M &&
		    !pt_special(b->l, gpa, BARE_PAGE_2M)) {
			*pde = gpa | PTE_P | PTE_RW | PTE_US | PTE_PS;
			gpa += BARE_PAGE_2M;
			continue;
		}
		uint64_t *pt = pt_next(b, pde);
		if (!pt)
			return;
		pt[(gpa >> 12) & 511] = pt_leaf_4k(b->l, gpa);
		gpa += BARE_PAGE_4K;
	}
}

uint64_t bare_build_page_tables(const struct memory *mem, const struct bare_layout *l,
				struct vb_error *err)
{
	struct pt_builder b = { .mem = mem, .l = l, .next = l->pt_base, .end = l->pt_end };
	uint64_t root = 0;
	uint64_t *pml4 = pt_next(&b, &root);
	if (pml4) {
		pt_map(&b, pml4, 0, l->low_end);
		if (l->high_end > l->high_start)
			pt_map(&b, pml4, l->high_start, l->high_end);
		/* The vm.exit MMIO page: mapped for the guest, backed by no memory. */
		struct bare_layout mmio = *l;
		mmio.page_bytes = BARE_PAGE_4K;
		b.l = &mmio;
		pt_map(&b, pml4, BARE_MMIO_NULL_GPA, BARE_MMIO_NULL_GPA + BARE_PAGE_4K);
	}
	if (!pml4 || b.full) {
		error_set(err, "bare guest: the page tables did not fit in their %llu KiB",
			  (unsigned long long)((l->pt_end - l->pt_base) >> 10));
		return 0;
	}
	return root & PTE_ADDR_MASK;
}

/* ---- GDT, IDT, TSS and the ring-0 stubs ---- */

static bool vector_has_error_code(unsigned v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21 || v == 29 || v == 30;
}

void bare_build_system(const struct memory *mem, unsigned ncpus)
{
	uint64_t *gdt = memory_at(mem, BARE_GDT_GPA, BARE_PAGE_4K);
	memset(gdt, 0, BARE_PAGE_4K);
	gdt[1] = 0x00af9a000000ffffull; /* ring-0 code, 64-bit */
	gdt[2] = 0x00cf92000000ffffull; /* ring-0 data */
	gdt[3] = 0x00cff2000000ffffull; /* ring-3 data */
	gdt[4] = 0x00affa000000ffffull; /* ring-3 code, 64-bit */
	for (unsigned i = 0; i < ncpus; i++) {
		uint64_t base = BARE_TSS_GPA + (uint64_t)i * BARE_TSS_STRIDE;
		uint64_t limit = TSS_IOMAP + TSS_IOMAP_BYTES; /* the bitmap's 0xff end byte too */
		gdt[5 + 2 * i] = (limit & 0xffff) | (base & 0xffffff) << 16 | 0x8bull << 40 |
				 ((limit >> 16) & 0xf) << 48 | ((base >> 24) & 0xff) << 56;
		gdt[6 + 2 * i] = base >> 32;
		uint8_t *tss = memory_at(mem, base, BARE_TSS_STRIDE);
		memset(tss, 0, BARE_TSS_STRIDE);
		uint64_t rsp0 = BARE_KSTACK_GPA + (uint64_t)(i + 1) * BARE_KSTACK_BYTES;
		memcpy(tss + 4, &rsp0, 8);
		/* Ring 3 reaches exactly the guest's ports: their bits clear, all others set. */
		uint16_t iomap = TSS_IOMAP;
		memcpy(tss + 102, &iomap, 2);
		uint8_t *bitmap = tss + TSS_IOMAP;
		memset(bitmap, 0xff, TSS_IOMAP_BYTES + 1);
		/* a 32-bit access needs the bits of all four ports it spans */
		for (unsigned port = BARE_PORT_BASE; port < BARE_PORT_END + 3; port++)
			bitmap[port / 8] &= (uint8_t) ~(1u << (port % 8));
		bitmap[VM_BOOT_TIMER_PORT / 8] &= (uint8_t) ~(1u << (VM_BOOT_TIMER_PORT % 8));
	}
	uint64_t *idt = memory_at(mem, BARE_IDT_GPA, BARE_PAGE_4K);
	uint8_t *stubs = memory_at(mem, BARE_STUB_GPA, 32 * BARE_STUB_STRIDE);
	memset(idt, 0, BARE_PAGE_4K);
	for (unsigned v = 0; v <= BARE_SYSCALL_VECTOR; v++) {
		uint64_t off = BARE_STUB_GPA + v * BARE_STUB_STRIDE;
		if (v < 32) {
			idt[2 * v] = (off & 0xffff) | (uint64_t)SEL_KERNEL_CODE << 16 |
				     0x8eull << 40 | ((off >> 16) & 0xffff) << 48;
			idt[2 * v + 1] = off >> 32;
		}
		/*
		 * [push $0] push $v; mov $v,%al; mov $port,%dx; out %al,%dx; 1: hlt; jmp 1b
		 * The system call entry keeps the call's number in R11 and pushes nothing: it runs on
		 * the guest's own stack.
		 */
		uint8_t *s = v < 32 ? stubs + v * BARE_STUB_STRIDE
				    : memory_at(mem, BARE_SYSCALL_GPA, BARE_STUB_STRIDE);
		uint8_t *p = s;
		memset(s, 0xcc, BARE_STUB_STRIDE);
		if (v < 32) {
			if (!vector_has_error_code(v)) {
				*p++ = 0x6a;
				*p++ = 0;
			}
			*p++ = 0x6a;
			*p++ = (uint8_t)v;
		} else {
			*p++ = 0x49; /* mov %rax,%r11: the call's number (SYSCALL spent R11 on RFLAGS) */
			*p++ = 0x89;
			*p++ = 0xc3;
		}
		*p++ = 0xb0;
		*p++ = (uint8_t)v;
		*p++ = 0x66;
		*p++ = 0xba;
		*p++ = BARE_PORT_FAULT & 0xff;
		*p++ = BARE_PORT_FAULT >> 8;
		*p++ = 0xee;
		*p++ = 0xf4;
		*p++ = 0xeb;
		*p++ = 0xfd;
	}
}

static const char *vector_name(unsigned v)
{
	static const char *const names[32] = {
		[0] = "#DE divide error",
		[1] = "#DB debug",
		[2] = "NMI",
		[3] = "#BP breakpoint",
		[4] = "#OF overflow",
		[5] = "#BR bound range",
		[6] = "#UD invalid opcode",
		[7] = "#NM device not available",
		[8] = "#DF double fault",
		[10] = "#TS invalid TSS",
		[11] = "#NP segment not present",
		[12] = "#SS stack fault",
		[13] = "#GP general protection",
		[14] = "#PF page fault",
		[16] = "#MF x87 error",
		[17] = "#AC alignment check",
		[18] = "#MC machine check",
		[19] = "#XM SIMD error",
		[20] = "#VE virtualization",
		[21] = "#CP control protection",
	};
	return v < 32 && names[v] ? names[v] : "exception";
}

void bare_describe_fault(unsigned vector, const uint64_t frame[7], uint64_t cr2, char *out,
			 size_t len)
{
	/* frame: the vector the stub pushed, the error code, then the CPU's RIP, CS, RFLAGS, RSP, SS */
	int n = snprintf(out, len, "%s (vector %u) at RIP %#llx, RSP %#llx, RFLAGS %#llx",
			 vector_name(vector), vector, (unsigned long long)frame[2],
			 (unsigned long long)frame[5], (unsigned long long)frame[4]);
	if (n < 0 || (size_t)n >= len)
		return;
	if (vector == 14)
		snprintf(out + n, len - n, ", CR2 %#llx (%s %s, error %#llx)",
			 (unsigned long long)cr2, frame[1] & 2 ? "a write" : "a read",
			 frame[1] & 1 ? "the page forbids" : "of an unmapped address",
			 (unsigned long long)frame[1]);
	else if (vector_has_error_code(vector))
		snprintf(out + n, len - n, ", error %#llx", (unsigned long long)frame[1]);
}

/* ---- the rings ---- */

long bare_ring_take(struct bare_ring *ring, uint8_t *out, size_t max, struct vb_error *err)
{
	uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_RELAXED);
	uint32_t tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
	uint32_t used = tail - head;
	if (used > BARE_RING_BYTES)
		return error_set(err, "its ring's indexes are impossible (head %u, tail %u)", head,
				 tail);
	size_t n = used < max ? used : max;
	uint32_t at = head % BARE_RING_BYTES;
	size_t first = n < BARE_RING_BYTES - at ? n : BARE_RING_BYTES - at;
	memcpy(out, ring->data + at, first);
	memcpy(out + first, ring->data, n - first);
	__atomic_store_n(&ring->head, head + (uint32_t)n, __ATOMIC_RELEASE);
	return (long)n;
}

long bare_ring_put(struct bare_ring *ring, const uint8_t *in, size_t len, struct vb_error *err)
{
	uint32_t head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
	uint32_t tail = __atomic_load_n(&ring->tail, __ATOMIC_RELAXED);
	uint32_t used = tail - head;
	if (used > BARE_RING_BYTES)
		return error_set(err, "its ring's indexes are impossible (head %u, tail %u)", head,
				 tail);
	size_t room = BARE_RING_BYTES - used;
	size_t n = len < room ? len : room;
	uint32_t at = tail % BARE_RING_BYTES;
	size_t first = n < BARE_RING_BYTES - at ? n : BARE_RING_BYTES - at;
	memcpy(ring->data + at, in, first);
	memcpy(ring->data, in + first, n - first);
	__atomic_store_n(&ring->tail, tail + (uint32_t)n, __ATOMIC_RELEASE);
	return (long)n;
}

/* ---- the ports ---- */

static bool bare_running(struct bare_vm *b)
{
	return __atomic_load_n(&b->vm->status, __ATOMIC_ACQUIRE) == VM_STATUS_RUNNING;
}

/* Send to the harness, waiting while its socket is full, until sent or the VM ends. */
static int bare_send(struct bare_vm *b, const uint8_t *buf, size_t len)
{
	while (len) {
		ssize_t n = send(b->vmm_fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (!bare_running(b))
				return -1;
			struct pollfd p = { .fd = b->vmm_fd, .events = POLLOUT };
			poll(&p, 1, 100);
			continue;
		}
		return -1; /* the harness hung up */
	}
	return 0;
}

static void bare_port_tx(struct bare_vm *b)
{
	uint8_t buf[4096];
	struct vb_error err;
	pthread_mutex_lock(&b->tx_lock);
	for (;;) {
		long n = bare_ring_take(b->tx, buf, sizeof(buf), &err);
		if (n < 0) {
			vm_end(b->vm, VM_STATUS_FAULT, "bare guest: transmit ring: %s", err.message);
			break;
		}
		if (n == 0 || bare_send(b, buf, (size_t)n) < 0)
			break;
	}
	pthread_mutex_unlock(&b->tx_lock);
}

static void bare_port_rx_wait(struct bare_vm *b, uint32_t timeout_ms)
{
	uint64_t deadline = timeout_ms ? clock_now_ns() + (uint64_t)timeout_ms * 1000000 : 0;
	struct vb_error err;
	while (bare_running(b)) {
		uint32_t used = __atomic_load_n(&b->rx->tail, __ATOMIC_RELAXED) -
				__atomic_load_n(&b->rx->head, __ATOMIC_ACQUIRE);
		if (used > BARE_RING_BYTES) {
			vm_end(b->vm, VM_STATUS_FAULT,
			       "bare guest: receive ring: its indexes are impossible");
			return;
		}
		if (used)
			return;
		struct pollfd p = { .fd = b->vmm_fd, .events = POLLIN };
		if (poll(&p, 1, 100) > 0) {
			uint8_t buf[BARE_RING_BYTES];
			ssize_t n = recv(b->vmm_fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (n > 0) {
				if (bare_ring_put(b->rx, buf, (size_t)n, &err) < 0)
					vm_end(b->vm, VM_STATUS_FAULT, "bare guest: receive ring: %s",
					       err.message);
				return;
			}
			if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				__atomic_store_n(&b->rx->closed, 1, __ATOMIC_RELEASE);
				return;
			}
		}
		if (deadline && clock_now_ns() >= deadline)
			return;
	}
}

static void bare_port_park(struct bare_vm *b, uint32_t seen)
{
	struct vm *vm = b->vm;
	pthread_mutex_lock(&vm->lock);
	while (vm->status == VM_STATUS_RUNNING &&
	       (uint32_t)__atomic_load_n(&b->info->work_gen, __ATOMIC_ACQUIRE) == seen) {
		struct timespec t;
		clock_gettime(CLOCK_MONOTONIC, &t);
		t.tv_sec += 1;
		pthread_cond_timedwait(&vm->changed, &vm->lock, &t);
	}
	pthread_mutex_unlock(&vm->lock);
}

static void bare_port_fault(struct bare_vm *b, unsigned vector)
{
	struct vcpu *v = vcpu_current();
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	if (!v || ioctl(v->fd, KVM_GET_REGS, &regs) < 0 || ioctl(v->fd, KVM_GET_SREGS, &sregs) < 0) {
		vm_end(b->vm, VM_STATUS_FAULT, "bare guest: exception vector %u", vector);
		return;
	}
	if (vector == BARE_SYSCALL_VECTOR) {
		/* SYSCALL left the return address in RCX; the instruction is the two bytes before. */
		vm_end(b->vm, VM_STATUS_FAULT,
		       "bare guest: vCPU %u: a system call (number %llu) at RIP %#llx, and a bare "
		       "guest has no kernel",
		       v->index, (unsigned long long)regs.r11, (unsigned long long)regs.rcx - 2);
		return;
	}
	uint64_t frame[7];
	const void *at = memory_at(&b->vm->mem, regs.rsp, sizeof(frame));
	if (!at || regs.rsp < BARE_KSTACK_GPA || regs.rsp >= BARE_SYSTEM_END) {
		vm_end(b->vm, VM_STATUS_FAULT, "bare guest: vCPU %u: exception vector %u (stack %#llx "
					       "unreadable)",
		       v->index, vector, (unsigned long long)regs.rsp);
		return;
	}
	memcpy(frame, at, sizeof(frame));
	char what[200];
	bare_describe_fault(vector, frame, sregs.cr2, what, sizeof(what));
	vm_end(b->vm, VM_STATUS_FAULT, "bare guest: vCPU %u: %s", v->index, what);
}

static void bare_port_abort(struct bare_vm *b, uint32_t gpa)
{
	char msg[256];
	size_t n = 0;
	for (; n + 1 < sizeof(msg); n++) {
		const char *c = memory_at(&b->vm->mem, (uint64_t)gpa + n, 1);
		if (!c || !*c)
			break;
		msg[n] = *c >= 0x20 && *c < 0x7f ? *c : '?';
	}
	msg[n] = '\0';
	vm_end(b->vm, VM_STATUS_FAULT, "bare guest gave up: %s", n ? msg : "(no message)");
}

static void bare_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct bare_vm *b = opaque;
	uint32_t value = 0;
	if (!is_write) {
		memset(data, 0, len);
		return;
	}
	memcpy(&value, data, len < 4 ? len : 4);
	switch (BARE_PORT_BASE + offset) {
	case BARE_PORT_TX: bare_port_tx(b); break;
	case BARE_PORT_RX_WAIT: bare_port_rx_wait(b, value); break;
	case BARE_PORT_PARK: bare_port_park(b, value); break;
	case BARE_PORT_WAKE:
		pthread_mutex_lock(&b->vm->lock);
		pthread_cond_broadcast(&b->vm->changed);
		pthread_mutex_unlock(&b->vm->lock);
		break;
	case BARE_PORT_EXIT:
		bare_port_tx(b); /* what it said last */
		vm_end(b->vm, VM_STATUS_POWER_OFF, "the bare guest exited (status %u)", value);
		break;
	case BARE_PORT_FAULT: bare_port_fault(b, value & 0xff); break;
	case BARE_PORT_ABORT: bare_port_abort(b, value); break;
	case BARE_PORT_CLOCK:
		__atomic_store_n(&b->info->host_ns, clock_now_ns(), __ATOMIC_RELEASE);
		break;
	default: break; /* BARE_PORT_NULL: a round trip and nothing else */
	}
}

static void bare_on_end(void *opaque)
{
	struct bare_vm *b = opaque;
	shutdown(b->vmm_fd, SHUT_RDWR); /* the harness reads the end of the channel */
}

/* ---- vCPUs ---- */

static void user_segment(struct kvm_segment *s, uint16_t sel, bool code)
{
	*s = (struct kvm_segment){ .selector = sel,
				   .limit = 0xffffffff,
				   .type = code ? 0xb : 0x3,
				   .present = 1,
				   .dpl = 3,
				   .s = 1,
				   .g = 1,
				   .db = !code,
				   .l = code };
}

/* The XSAVE features the guest may use (x87, SSE, AVX, AVX-512) as KVM offers them; 0 = no XSAVE. */
static uint64_t bare_xcr0(const struct vm *vm)
{
	bool xsave = false;
	uint64_t mask = 0;
	for (unsigned i = 0; i < vm->cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &vm->cpuid->entries[i];
		if (e->function == 1)
			xsave = e->ecx & (1u << 26);
		if (e->function == 0xd && e->index == 0)
			mask = e->eax & 0xe7;
	}
	return xsave && (mask & 3) == 3 ? mask : 0;
}

static int bare_setup_vcpu(struct bare_vm *b, struct vcpu *v, uint64_t cr3, struct vb_error *err)
{
	struct kvm_sregs s;
	if (ioctl(v->fd, KVM_GET_SREGS, &s) < 0)
		return error_set_errno(err, "kvm: KVM_GET_SREGS");
	unsigned i = v->index;
	user_segment(&s.cs, SEL_USER_CODE, true);
	user_segment(&s.ds, SEL_USER_DATA, false);
	s.es = s.ss = s.gs = s.ds;
	s.fs = s.ds;
	s.fs.base = BARE_TLS_GPA + (uint64_t)i * BARE_TLS_BYTES;
	s.tr = (struct kvm_segment){ .selector = SEL_TSS(i),
				     .base = BARE_TSS_GPA + (uint64_t)i * BARE_TSS_STRIDE,
				     .limit = TSS_IOMAP + TSS_IOMAP_BYTES,
				     .type = 0xb,
				     .present = 1 };
	s.ldt = (struct kvm_segment){ .type = 0x2, .present = 1, .unusable = 1 };
	s.gdt.base = BARE_GDT_GPA;
	s.gdt.limit = (uint16_t)(SEL_TSS(b->vm->ncpus) - 1);
	s.idt.base = BARE_IDT_GPA;
	s.idt.limit = 32 * 16 - 1;
	s.cr3 = cr3;
	uint64_t xcr0 = bare_xcr0(b->vm);
	s.cr4 = 0x20 | 0x200 | 0x400 | (xcr0 ? 0x40000 : 0); /* PAE OSFXSR OSXMMEXCPT [OSXSAVE] */
	s.cr0 = 0x80010033; /* PG WP NE ET MP PE */
	s.efer = 0x501;	    /* LMA LME SCE */
	if (ioctl(v->fd, KVM_SET_SREGS, &s) < 0)
		return error_set_errno(err, "kvm: KVM_SET_SREGS (ring 3) on vCPU %u", i);
	if (xcr0) {
		struct kvm_xcrs x = { .nr_xcrs = 1 };
		x.xcrs[0].xcr = 0;
		x.xcrs[0].value = xcr0;
		if (ioctl(v->fd, KVM_SET_XCRS, &x) < 0)
			return error_set_errno(err, "kvm: KVM_SET_XCRS %#llx on vCPU %u",
					       (unsigned long long)xcr0, i);
	}
	struct kvm_regs r = { .rip = b->layout.entry,
			      .rdi = i,
			      .rsp = b->layout.stacks_base + (uint64_t)(i + 1) * BARE_USER_STACK,
			      .rflags = 0x3002 }; /* IOPL 3, interrupts off */
	if (ioctl(v->fd, KVM_SET_REGS, &r) < 0)
		return error_set_errno(err, "kvm: KVM_SET_REGS on vCPU %u", i);

	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	if (ioctl(v->fd, KVM_SET_FPU, &fpu) < 0)
		return error_set_errno(err, "kvm: KVM_SET_FPU on vCPU %u", i);
	/* SYSCALL enters the stub that reports it (PVM delivers it whatever EFER.SCE says). */
	const struct kvm_msr_entry entries[3] = {
		{ .index = 0xc0000081, .data = (uint64_t)SEL_KERNEL_CODE << 32 }, /* STAR */
		{ .index = 0xc0000082, .data = BARE_SYSCALL_GPA },		  /* LSTAR */
		{ .index = 0xc0000084, .data = 0x3700 },			  /* FMASK */
	};
	uint64_t buf[(sizeof(struct kvm_msrs) + sizeof(entries)) / 8 + 1] = { 0 };
	struct kvm_msrs *msrs = (struct kvm_msrs *)buf;
	msrs->nmsrs = 3;
	memcpy(msrs->entries, entries, sizeof(entries));
	if (ioctl(v->fd, KVM_SET_MSRS, msrs) != 3)
		return error_set(err, "kvm: could not set the system call MSRs on vCPU %u", i);
	return 0;
}

static bool kvm_offers_1g_pages(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->cpuid->nent; i++)
		if (vm->cpuid->entries[i].function == 0x80000001)
			return vm->cpuid->entries[i].edx & (1u << 26);
	return false;
}

static int read_image(const char *path, uint8_t **out, size_t *len, struct vb_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "bare guest image %s", path);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (uint64_t)st.st_size > MAX_IMAGE_BYTES) {
		close(fd);
		return error_set(err, "bare guest image %s: not a regular file of 1 byte to %llu MiB",
				 path, MAX_IMAGE_BYTES >> 20);
	}
	uint8_t *buf = malloc((size_t)st.st_size);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != (size_t)st.st_size) {
		free(buf);
		return error_set(err, "bare guest image %s: could not read it", path);
	}
	*out = buf;
	*len = got;
	return 0;
}

int bare_start(const struct bare_config *cfg, struct bare_vm **out, struct vb_error *err)
{
	*out = NULL;
	if (cfg->page_bytes != BARE_PAGE_4K && cfg->page_bytes != BARE_PAGE_2M &&
	    cfg->page_bytes != BARE_PAGE_1G)
		return error_set(err, "bare guest: page size must be 4k, 2m or 1g");
	if (cfg->ncpus == 0 || cfg->ncpus > BARE_MAX_VCPUS)
		return error_set(err, "bare guest: %u vCPUs; 1 to %u are supported", cfg->ncpus,
				 BARE_MAX_VCPUS);
	uint8_t *image = NULL;
	size_t image_len = 0;
	if (read_image(cfg->image_path, &image, &image_len, err) < 0)
		return -1;
	struct bare_vm *b = calloc(1, sizeof(*b));
	if (!b) {
		free(image);
		return error_set(err, "bare guest: out of memory");
	}
	b->channel_fd = b->vmm_fd = -1;
	pthread_mutex_init(&b->tx_lock, NULL);
	struct vm_config vc = { .ncpus = cfg->ncpus,
				.cpu_list = cfg->cpu_list,
				.ncpu_list = cfg->ncpu_list,
				.memory_bytes = cfg->memory_bytes,
				.no_irqchip = true };
	int rc = -1;
	if (vm_create(&vc, &b->vm, err) < 0)
		goto out;
	const struct memory *mem = &b->vm->mem;
	b->layout.page_bytes = cfg->page_bytes;
	if (cfg->page_bytes == BARE_PAGE_1G && !kvm_offers_1g_pages(b->vm)) {
		error_set(err, "bare guest: this KVM offers no 1 GiB pages (CPUID pdpe1gb)");
		goto out;
	}
	if (bare_load_elf(mem, image, image_len, mem->regions[0].size, &b->layout, err) < 0 ||
	    bare_plan(mem, cfg->ncpus, &b->layout, err) < 0)
		goto out;
	uint64_t cr3 = bare_build_page_tables(mem, &b->layout, err);
	if (!cr3)
		goto out;
	bare_build_system(mem, cfg->ncpus);
	for (unsigned i = 0; i < cfg->ncpus; i++) {
		uint64_t gpa = BARE_TLS_GPA + (uint64_t)i * BARE_TLS_BYTES;
		uint8_t *tls = memory_at(mem, gpa, BARE_TLS_BYTES);
		memset(tls, 0, BARE_TLS_BYTES);
		memcpy(tls, &gpa, 8);
		uint32_t index = i;
		memcpy(tls + BARE_TLS_CPU_INDEX_OFFSET, &index, 4);
	}
	long khz = ioctl(b->vm->vcpus[0]->fd, KVM_GET_TSC_KHZ, 0);
	b->tsc_khz = khz > 0 ? (uint64_t)khz : 0;
	b->info = memory_at(mem, BARE_BOOT_INFO_GPA, sizeof(*b->info));
	b->tx = memory_at(mem, BARE_RING_TX_GPA, sizeof(*b->tx));
	b->rx = memory_at(mem, BARE_RING_RX_GPA, sizeof(*b->rx));
	memset(b->info, 0, sizeof(*b->info));
	b->info->magic = BARE_MAGIC;
	b->info->abi_version = BARE_ABI_VERSION;
	b->info->ncpus = cfg->ncpus;
	b->info->page_bytes = (uint32_t)cfg->page_bytes;
	b->info->tsc_khz = b->tsc_khz;
	b->info->memory_bytes = mem->size;
	memcpy(b->info->heap, b->layout.heap, sizeof(b->info->heap));
	b->info->image_end = b->layout.image_end;
	snprintf(b->info->vmm, sizeof(b->info->vmm), "vbench VMM, bare guest, %s pages",
		 bare_page_size_name(cfg->page_bytes));
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		error_set_errno(err, "bare guest: socketpair");
		goto out;
	}
	b->channel_fd = sv[0];
	b->vmm_fd = sv[1];
	if (vm_register_pio(b->vm, BARE_PORT_BASE, BARE_PORT_END - BARE_PORT_BASE, bare_io, b,
			    err) < 0 ||
	    vm_register_mmio(b->vm, BARE_MMIO_NULL_GPA, BARE_PAGE_4K, vm_io_null, NULL, err) < 0)
		goto out;
	for (unsigned i = 0; i < cfg->ncpus; i++)
		if (bare_setup_vcpu(b, b->vm->vcpus[i], cr3, err) < 0)
			goto out;
	if (cfg->stats_fds)
		vm_exits_open(b->vm, cfg->stats_fds, cfg->ncpus);
	b->vm->on_end = bare_on_end;
	b->vm->on_end_opaque = b;
	if (cfg->before_run && cfg->before_run(cfg->before_run_opaque, err) < 0)
		goto out;
	if (vm_run(b->vm, err) < 0)
		goto out;
	rc = 0;
out:
	free(image);
	if (rc < 0) {
		bare_destroy(b);
		return -1;
	}
	*out = b;
	return 0;
}

void bare_destroy(struct bare_vm *b)
{
	if (!b)
		return;
	if (b->vm)
		vm_destroy(b->vm);
	if (b->channel_fd >= 0)
		close(b->channel_fd);
	if (b->vmm_fd >= 0)
		close(b->vmm_fd);
	pthread_mutex_destroy(&b->tx_lock);
	free(b);
}
