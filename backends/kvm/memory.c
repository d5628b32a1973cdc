/* Guest physical memory: one anonymous mapping split into regions around the MMIO hole. */
#include "backends/kvm/memory.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int memory_init(struct memory *mem, uint64_t size, struct vb_error *err)
{
	memset(mem, 0, sizeof(*mem));
	if (size < (16ull << 20))
		return error_set(err, "guest memory of %llu bytes is too small (16 MiB at least)",
				 (unsigned long long)size);
	size &= ~0xfffffull; /* whole MiB keeps e820 and slots aligned */
	/*
	 * On a 2 MiB boundary, so that each 2 MiB of guest-physical memory is one huge page of the
	 * host's: only then can KVM map it with one large nested (EPT/NPT) entry. Kernels before
	 * 6.7 do not align large anonymous mappings by themselves; QEMU aligns its RAM too.
	 */
	const uint64_t huge = 2ull << 20;
	uint8_t *raw = mmap(NULL, size + huge, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (raw == MAP_FAILED)
		return error_set_errno(err, "map %llu bytes of guest memory",
				       (unsigned long long)size);
	uint64_t head = (huge - (uintptr_t)raw % huge) % huge;
	if (head)
		munmap(raw, head);
	munmap(raw + head + size, huge - head);
	mem->map = raw + head;
	mem->map_len = size;
	mem->size = size;
	/* Transparent huge pages cut the nested-paging cost of guest memory; advisory only. */
	madvise(mem->map, size, MADV_HUGEPAGE);
	uint64_t low = size < MEMORY_LOW_LIMIT ? size : MEMORY_LOW_LIMIT;
	mem->regions[0] = (struct memory_region){ .gpa = 0, .size = low, .host = mem->map };
	mem->nregions = 1;
	if (size > low) {
		mem->regions[1] = (struct memory_region){ .gpa = MEMORY_HIGH_START,
							  .size = size - low,
							  .host = mem->map + low };
		mem->nregions = 2;
	}
	return 0;
}

void memory_init_borrowed(struct memory *mem, void *host, uint64_t size)
{
	memset(mem, 0, sizeof(*mem));
	mem->regions[0] = (struct memory_region){ .gpa = 0, .size = size, .host = host };
	mem->nregions = 1;
	mem->size = size;
}

void memory_destroy(struct memory *mem)
{
	if (mem->map)
		munmap(mem->map, mem->map_len);
	memset(mem, 0, sizeof(*mem));
}

void *memory_at(const struct memory *mem, uint64_t gpa, uint64_t len)
{
	for (unsigned i = 0; i < mem->nregions; i++) {
		const struct memory_region *r = &mem->regions[i];
		if (gpa < r->gpa)
			continue;
		uint64_t off = gpa - r->gpa;
		/* Written so that no sum can wrap: off < size, then len <= size - off. */
		if (off >= r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

uint64_t memory_resident_bytes(const struct memory *mem)
{
	if (!mem->map)
		return 0;
	long page = sysconf(_SC_PAGESIZE);
	size_t pages = (mem->map_len + page - 1) / page;
	unsigned char *vec = malloc(pages);
	if (!vec)
		return 0;
	uint64_t resident = 0;
	if (mincore(mem->map, mem->map_len, vec) == 0)
		for (size_t i = 0; i < pages; i++)
			resident += (vec[i] & 1) ? (uint64_t)page : 0;
	free(vec);
	return resident;
}
