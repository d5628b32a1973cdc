/* The kernel inside a bzImage: its LZ4 payload unpacked on the host, its ELF segments loaded in place. */
#include "backends/kvm/vmlinux.h"

#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "workloads/lz.h"

/* The kernel's LZ4 payload is the tool's legacy frame: this magic, then (size, block) pairs. */
#define LZ4_LEGACY_MAGIC 0x184c2102u
#define LZ4_LEGACY_BLOCK (8u << 20) /* the most one legacy block unpacks to */
/* No x86-64 kernel comes near this; a header claiming more is not one. */
#define VMLINUX_MAX (1ull << 30)

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

int vmlinux_extract(const uint8_t *image, size_t len, const struct bzimage_info *info,
		    uint8_t **elf, size_t *elf_len, const char **how, struct vb_error *err)
{
	*elf = NULL;
	*elf_len = 0;
	*how = "no payload";
	if (!info->payload_length || info->payload_offset + info->payload_length > len)
		return 0;
	const uint8_t *p = image + info->payload_offset;
	size_t plen = info->payload_length;
	static const struct {
		const char *name;
		uint8_t magic[4];
		size_t n;
	} others[] = { { "gzip", { 0x1f, 0x8b }, 2 },	     { "bzip2", { 'B', 'Z', 'h' }, 3 },
		       { "lzma", { 0x5d, 0x00, 0x00 }, 3 },  { "xz", { 0xfd, '7', 'z', 'X' }, 4 },
		       { "lzo", { 0x89, 'L', 'Z', 'O' }, 4 }, { "zstd", { 0x28, 0xb5, 0x2f, 0xfd }, 4 } };
	if (plen < 8 || get32(p) != LZ4_LEGACY_MAGIC) {
		*how = "unknown";
		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
			if (plen >= others[i].n && memcmp(p, others[i].magic, others[i].n) == 0)
				*how = others[i].name;
		return 0;
	}
	*how = "LZ4";
	/* the build appends the unpacked size: what the blocks must add up to */
	size_t want = get32(p + plen - 4);
	/* LZ4 cannot expand a byte into more than 255 (a length byte of 255 adds 255 bytes at most) */
	if (want < sizeof(Elf64_Ehdr) || want > VMLINUX_MAX || want / 255 > plen)
		return error_set(err, "bzImage payload: LZ4 with an implausible size of %zu bytes",
				 want);
	uint8_t *out = malloc(want);
	if (!out)
		return error_set(err, "bzImage payload: no memory for %zu bytes", want);
	size_t at = 4, stop = plen - 4, made = 0;
	while (at < stop) {
		if (stop - at < 4) {
			free(out);
			return error_set(err, "bzImage payload: LZ4 frame ends inside a block size");
		}
		uint32_t block = get32(p + at);
		at += 4;
		if (block == LZ4_LEGACY_MAGIC)
			continue; /* another frame follows */
		if (block > stop - at) {
			free(out);
			return error_set(err, "bzImage payload: LZ4 block of %u bytes at %zu runs past "
					      "the payload", block, at);
		}
		size_t room = want - made < LZ4_LEGACY_BLOCK ? want - made : LZ4_LEGACY_BLOCK;
		long n = lz_decompress_block(p + at, block, out + made, room);
		if (n < 0) {
			free(out);
			return error_set(err, "bzImage payload: the LZ4 block at %zu is corrupt (a "
					      "length or offset reaches outside it)", at);
		}
		made += (size_t)n;
		at += block;
	}
	if (made != want) {
		free(out);
		return error_set(err, "bzImage payload: LZ4 unpacked to %zu bytes, its size says %zu",
				 made, want);
	}
	*elf = out;
	*elf_len = made;
	return 1;
}

int vmlinux_load(struct memory *mem, const uint8_t *elf, size_t len, uint64_t min_addr,
		 uint64_t *entry, uint64_t *end, struct vb_error *err)
{
	Elf64_Ehdr eh;
	if (len < sizeof(eh))
		return error_set(err, "kernel ELF: %zu bytes is too short for a header", len);
	memcpy(&eh, elf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB || eh.e_machine != EM_X86_64)
		return error_set(err, "kernel ELF: not a little-endian x86-64 ELF");
	if (eh.e_phentsize != sizeof(Elf64_Phdr) || eh.e_phnum == 0 || eh.e_phoff > len ||
	    (len - eh.e_phoff) / sizeof(Elf64_Phdr) < eh.e_phnum)
		return error_set(err, "kernel ELF: program headers outside the file");
	uint64_t top = 0;
	bool entered = false;
	unsigned loads = 0;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		Elf64_Phdr ph;
		memcpy(&ph, elf + eh.e_phoff + (size_t)i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD || ph.p_memsz == 0)
			continue;
		if (ph.p_filesz > ph.p_memsz || ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
			return error_set(err, "kernel ELF: segment %u lies outside the file", i);
		if (ph.p_paddr < min_addr)
			return error_set(err, "kernel ELF: segment %u at %#llx is below %#llx", i,
					 (unsigned long long)ph.p_paddr,
					 (unsigned long long)min_addr);
		uint8_t *dst = memory_at(mem, ph.p_paddr, ph.p_memsz);
		if (!dst)
			return error_set(err,
					 "kernel ELF: segment %u (%#llx, %llu bytes) is outside guest "
					 "memory",
					 i, (unsigned long long)ph.p_paddr,
					 (unsigned long long)ph.p_memsz);
		memcpy(dst, elf + ph.p_offset, ph.p_filesz);
		memset(dst + ph.p_filesz, 0, ph.p_memsz - ph.p_filesz);
		if (ph.p_paddr + ph.p_memsz > top)
			top = ph.p_paddr + ph.p_memsz;
		entered |= (ph.p_flags & PF_X) && eh.e_entry >= ph.p_paddr &&
			   eh.e_entry - ph.p_paddr < ph.p_filesz;
		loads++;
	}
	if (!loads)
		return error_set(err, "kernel ELF: no loadable segment");
	if (!entered)
		return error_set(err, "kernel ELF: entry %#llx is in no executable segment",
				 (unsigned long long)eh.e_entry);
	*entry = eh.e_entry;
	*end = top;
	return 0;
}
