/* Unit tests for the kvm backend's host memory overhead: the smaps arithmetic, and two VM starts in one process on the real /dev/kvm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/test-bzimage.h"
#include "tests/unit/test-util.h"

#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/kvm/footprint.h"

/* Three mappings as /proc/self/smaps shows them: the heap, 512 MiB of guest RAM, a vCPU's kvm_run. */
static const char smaps_text[] =
	"55d0c2e4f000-55d0c3e4f000 rw-p 00000000 00:00 0                          [heap]\n"
	"Size:              16384 kB\n"
	"KernelPageSize:        4 kB\n"
	"Rss:                1000 kB\n"
	"Pss:                1000 kB\n"
	"AnonHugePages:         0 kB\n"
	"VmFlags: rd wr mr mw me ac sd\n"
	"7f0000000000-7f0020000000 rw-p 00000000 00:00 0 \n"
	"Size:             524288 kB\n"
	"Rss:              300000 kB\n"
	"AnonHugePages:    262144 kB\n"
	"VmFlags: rd wr mr mw me nr hg\n"
	"7f1000000000-7f1000003000 rw-s 00000000 00:0e 1234                       "
	"anon_inode:kvm-vcpu:0\n"
	"Size:                 12 kB\n"
	"Rss:                   8 kB\n"
	"VmFlags: rd wr sh mr mw me ms\n";

static void test_smaps_arithmetic(void **state)
{
	(void)state;
	struct footprint before, now;
	struct vb_error err;
	FILE *f = fmemopen((void *)smaps_text, strlen(smaps_text), "r");
	assert_int_equal(footprint_parse_smaps(f, 0, 0, &now, &err), 0);
	fclose(f);
	assert_int_equal(now.rss_bytes, (1000ull + 300000 + 8) << 10);
	assert_int_equal(now.guest_bytes, 0);

	f = fmemopen((void *)smaps_text, strlen(smaps_text), "r");
	assert_int_equal(footprint_parse_smaps(f, 0x7f0000000000ull, 512ull << 20, &now, &err), 0);
	fclose(f);
	assert_int_equal(now.rss_bytes, (1000ull + 300000 + 8) << 10);
	assert_int_equal(now.guest_bytes, 300000ull << 10);

	/* The harness had 900 kB before the VM: the VMM costs the heap's growth and kvm_run. */
	before = (struct footprint){ .rss_bytes = 900 << 10 };
	assert_true(footprint_vmm_bytes(&before, &now) == (double)((100 + 8) << 10));
	/* A process that shrank meanwhile has no figure, not a wrapped one. */
	before.rss_bytes = 2000 << 10;
	assert_true(footprint_vmm_bytes(&before, &now) == -1);

	/* A range that only partly covers a mapping does not make it guest RAM. */
	f = fmemopen((void *)smaps_text, strlen(smaps_text), "r");
	assert_int_equal(footprint_parse_smaps(f, 0x7f0000000000ull, 256ull << 20, &now, &err), 0);
	fclose(f);
	assert_int_equal(now.guest_bytes, 0);

	f = fmemopen((void *)"Rss: 4 kB\n", 10, "r");
	assert_int_equal(footprint_parse_smaps(f, 0, 0, &now, &err), -1);
	fclose(f);
}

static void write_bytes(const char *name, const void *data, size_t len, size_t total)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", test_dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(ftruncate(fd, total), 0);
	close(fd);
}

/* A bzImage whose 64-bit kernel powers the VM off at once. */
static void write_halting_bzimage(void)
{
	size_t setup = TEST_BZIMAGE_SETUP, kernel = TEST_BZIMAGE_KERNEL;
	uint8_t *img = test_bzimage();
	/* nops from the 64-bit entry on, then power off (ACPI S5): a halted vCPU would hold its mutex */
	memset(img + setup, 0x90, kernel);
	const uint8_t off[] = { 0x66, 0xba, 0x00, 0x06, 0xb0, 0x34, 0xee, 0xf4, 0xeb, 0xfd };
	memcpy(img + setup + kernel - sizeof(off), off, sizeof(off));
	write_bytes("vmlinuz", img, setup + kernel, setup + kernel);
	free(img);
}

/*
 * Two starts of the kvm backend in one process, each with a 24 MiB initramfs that the VMM builds
 * and frees: the second start's overhead must not carry the first one's freed buffers (it used
 * to: 3 MiB at the first start, 29.7 MiB at restarts in one run).
 */
static void test_restart_not_inflated(void **state)
{
	(void)state;
#if defined(__SANITIZE_ADDRESS__)
	/* ASan's allocator keeps freed memory in quarantine: resident growth is its, not the VMM's. */
	print_message("skip: under AddressSanitizer freed memory stays resident (quarantine)\n");
	skip();
#endif
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		skip();
	close(fd);
	write_halting_bzimage();
	const char *modules[] = { "virtio_ring", "virtio",	 "virtio_mmio", "virtio_blk",
				  "failover",	 "net_failover", "virtio_net",	"virtio_console" };
	for (size_t i = 0; i < 8; i++) {
		char name[64];
		snprintf(name, sizeof(name), "%s.ko", modules[i]);
		write_bytes(name, "ko", 2, 2);
	}
	/* A big /init of random bytes (incompressible in any sense that matters here). */
	size_t agent_len = 24u << 20;
	uint8_t *agent = malloc(agent_len);
	for (size_t i = 0; i < agent_len; i++)
		agent[i] = (uint8_t)(i * 2654435761u >> 13);
	write_bytes("agent", agent, agent_len, agent_len);
	free(agent);

	char kernel[256], agent_path[256];
	snprintf(kernel, sizeof(kernel), "%s/vmlinuz", test_dir);
	snprintf(agent_path, sizeof(agent_path), "%s/agent", test_dir);
	struct backend_config cfg = { .ncpus = 1,
				      .memory_bytes = 128ull << 20,
				      .agent_path = agent_path,
				      .kernel_path = kernel,
				      .modules_dir = test_dir,
				      .force = true,
				      .vm_mode = BACKEND_VM_LINUX };
	double overhead[2];
	for (int i = 0; i < 2; i++) {
		struct backend_instance *inst;
		struct vb_error err;
		if (kvm_backend.start(&cfg, &inst, &err) < 0)
			fail_msg("start %d: %s", i, err.message);
		struct backend_stats st;
		memset(&st, 0, sizeof(st));
		kvm_backend.stats(inst, &st);
		overhead[i] = st.host_overhead_bytes;
		print_message("start %d: host overhead %.0f KiB (%s)\n", i, overhead[i] / 1024.0,
			      st.details);
		kvm_backend.stop(inst);
	}
	assert_true(isfinite(overhead[0]) && overhead[0] >= 0);
	assert_true(isfinite(overhead[1]) && overhead[1] >= 0);
	/* Neither start owns the initramfs it freed, and the second pays nothing for the first. */
	assert_true(overhead[0] < agent_len / 2);
	assert_true(overhead[1] < agent_len / 2);
	assert_true(overhead[1] < overhead[0] + (4u << 20));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_smaps_arithmetic),
		cmocka_unit_test_setup_teardown(test_restart_not_inflated, test_dir_setup,
						test_dir_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
