/* libFuzzer target: the bzImage header parser and loaders (its decompressor's or its unpacked ELF), and the cpio reader, on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backends/kvm/boot.h"
#include "backends/kvm/cpio.h"
#include "backends/kvm/memory.h"
#include "backends/kvm/vmlinux.h"
#include "workloads/lz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	const size_t ram_size = 8 << 20;
	if (!ram)
		ram = malloc(ram_size);
	struct vb_error err;
	struct bzimage_info info;
	if (boot_parse_bzimage(data, size, &info, &err) == 0) {
		struct memory m;
		memory_init_borrowed(&m, ram, ram_size);
		struct boot_linux in = { .kernel = data,
					 .kernel_len = size,
					 .cmdline = "console=ttyS0",
					 .initrd = data,
					 .initrd_len = size > 4096 ? 4096 : size };
		struct boot_entry entry;
		boot_load_linux(&m, &in, &entry, &err);
		uint8_t *elf;
		size_t elf_len;
		const char *how;
		if (vmlinux_extract(data, size, &info, &elf, &elf_len, &how, &err) == 1) {
			in.vmlinux = elf;
			in.vmlinux_len = elf_len;
			boot_load_linux(&m, &in, &entry, &err);
			free(elf);
		}
	}
	/* the bytes as an LZ4 block, and as a kernel ELF */
	static uint8_t out[1 << 16];
	lz_decompress_block(data, size, out, sizeof(out));
	struct memory m;
	memory_init_borrowed(&m, ram, ram_size);
	uint64_t entry, end;
	vmlinux_load(&m, data, size, 0x100000, &entry, &end, &err);
	size_t off = 0;
	struct cpio_entry e;
	for (int i = 0; i < 64 && cpio_next(data, size, &off, &e, &err) == 1; i++)
		;
	return 0;
}
