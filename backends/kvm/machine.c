/* Assembles and boots a Linux VM: devices, ACPI, bzImage, generated initramfs, vCPU threads. */
#include "backends/kvm/machine.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/kvm/acpi.h"
#include "backends/kvm/boot.h"
#include "backends/kvm/cpio.h"
#include "backends/kvm/exits.h"
#include "backends/kvm/vcpu.h"
#include "backends/kvm/vmlinux.h"
#include "common/bare-abi.h"
#include "common/cleanup.h"
#include "common/file.h"

static const char *const machine_modules[] = {
	"virtio_ring", "virtio",       "virtio_mmio", "virtio_blk",
	"failover",    "net_failover", "virtio_net",  "virtio_console",
};

static int machine_read_file(const char *path, const char *what, uint8_t **data, size_t *len,
			     struct vb_error *err)
{
	cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return error_set_errno(err, "%s %s", what, path);
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return error_set(err, "%s %s is not a regular file", what, path);
	cleanup_free uint8_t *buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf)
		return error_set(err, "out of memory reading %s", path);
	size_t got = 0;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return error_set_errno(err, "read %s", path);
		got += n;
	}
	*data = cleanup_take(&buf);
	*len = got;
	return 0;
}

/*
 * The kernel file and its unpacked ELF, kept between starts: VMM processes are forked from the
 * harness, which prepares them once (unpacking 14 MB of LZ4 costs a few ms natively, far more
 * under emulation). The buffers are never freed: a VMM process's memory is measured against its
 * start, and these were there before it.
 */
static struct {
	char path[PATH_MAX];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	uint8_t *file, *elf;
	size_t file_len, elf_len;
	char note[96];
} machine_kernel;

static int machine_load_kernel(const char *path, struct vb_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return error_set_errno(err, "kernel %s", path);
	if (machine_kernel.file && strcmp(machine_kernel.path, path) == 0 &&
	    machine_kernel.dev == st.st_dev && machine_kernel.ino == st.st_ino &&
	    machine_kernel.size == st.st_size &&
	    machine_kernel.mtime.tv_sec == st.st_mtim.tv_sec &&
	    machine_kernel.mtime.tv_nsec == st.st_mtim.tv_nsec)
		return 0;
	uint8_t *file, *elf = NULL;
	size_t len, elf_len = 0;
	if (machine_read_file(path, "kernel", &file, &len, err) < 0)
		return -1;
	struct bzimage_info info;
	const char *how = "";
	int got = boot_parse_bzimage(file, len, &info, err);
	if (got == 0)
		got = vmlinux_extract(file, len, &info, &elf, &elf_len, &how, err);
	if (got < 0) {
		free(file);
		return error_prefix(err, "%s: ", path);
	}
	/* with the ELF out, what precedes the payload (the header the zero page copies) is enough */
	if (elf) {
		uint8_t *head = realloc(file, info.payload_offset);
		if (head)
			file = head, len = info.payload_offset;
	}
	/* the file as it was read: a kernel replaced meanwhile is read again next time */
	free(machine_kernel.file);
	free(machine_kernel.elf);
	snprintf(machine_kernel.path, sizeof(machine_kernel.path), "%s", path);
	machine_kernel.dev = st.st_dev;
	machine_kernel.ino = st.st_ino;
	machine_kernel.size = st.st_size;
	machine_kernel.mtime = st.st_mtim;
	machine_kernel.file = file;
	machine_kernel.file_len = len;
	machine_kernel.elf = elf;
	machine_kernel.elf_len = elf_len;
	if (elf)
		snprintf(machine_kernel.note, sizeof(machine_kernel.note),
			 "ELF unpacked from %s by vbench: no decompressor", how);
	else
		snprintf(machine_kernel.note, sizeof(machine_kernel.note),
			 "%s payload: its own decompressor run", how);
	return 0;
}

void machine_prepare_kernel(const char *path)
{
	struct vb_error ignored;
	machine_load_kernel(path, &ignored);
}

static int machine_build_initrd(const struct machine_config *cfg, struct cpio *c,
				struct vb_error *err)
{
	cpio_init(c);
	const char *dirs[] = { "dev", "proc", "sys", "tmp", "lib", "lib/modules" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (cpio_add_dir(c, dirs[i], 0755, err) < 0)
			return -1;
	/* The kernel opens /dev/console for init before anything is mounted. */
	if (cpio_add_char_device(c, "dev/console", 0600, 5, 1, err) < 0)
		return -1;
	if (!cfg->agent_path)
		return error_set(err, "no agent binary to put in the initramfs");
	if (cpio_add_host_file(c, "init", 0755, cfg->agent_path, err) < 0)
		return error_prefix(err, "initramfs: ");
	for (size_t i = 0; i < sizeof(machine_modules) / sizeof(machine_modules[0]); i++) {
		char host[512], name[128];
		snprintf(host, sizeof(host), "%s/%s.ko", cfg->modules_dir ? cfg->modules_dir : ".",
			 machine_modules[i]);
		snprintf(name, sizeof(name), "lib/modules/%s.ko", machine_modules[i]);
		if (access(host, R_OK) < 0)
			return error_set(
				err,
				"guest module %s is missing (run `make guest` or pass --modules)",
				host);
		if (cpio_add_host_file(c, name, 0644, host, err) < 0)
			return error_prefix(err, "initramfs: ");
	}
	return cpio_finish(c, err);
}

#define MACHINE_NET_CMDLINE " vbench.ip=" TAP_GUEST_ADDR "/24 vbench.peer=" TAP_HOST_ADDR

void machine_default_cmdline(bool quiet, bool network, char *out, size_t len)
{
	snprintf(out, len, "console=ttyS0 panic=-1 pci=off rdinit=/init%s%s", quiet ? " quiet" : "",
		 network ? MACHINE_NET_CMDLINE : "");
}

int machine_write_initramfs(const struct machine_config *cfg, const char *path,
			    struct vb_error *err)
{
	struct cpio c = { 0 };
	if (machine_build_initrd(cfg, &c, err) < 0) {
		cpio_free(&c);
		return -1;
	}
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		cpio_free(&c);
		return error_set_errno(err, "initramfs: create %s", path);
	}
	int rc = file_write_all(fd, c.data, c.len);
	cpio_free(&c);
	if (close(fd) < 0 || rc < 0)
		return error_set_errno(err, "initramfs: write %s", path);
	return 0;
}

static void machine_on_panic(void *opaque, const char *line)
{
	struct machine *m = opaque;
	vm_end(m->vm, VM_STATUS_PANIC, "%s", line);
}

int machine_serve_vm_exit(struct vm *vm, struct vb_error *err)
{
	/* A page, not a word: the guest maps whole pages of /dev/mem. */
	if (vm_register_pio(vm, BARE_PORT_NULL, 1, vm_io_null, NULL, err) < 0 ||
	    vm_register_mmio(vm, BARE_MMIO_NULL_GPA, 4096, vm_io_null, NULL, err) < 0)
		return error_prefix(err, "vm.exit: ");
	return 0;
}

static int machine_devices(struct machine *m, const struct machine_config *cfg,
			   struct acpi_config *acpi, struct vb_error *err)
{
	struct vm *vm = m->vm;
	uint64_t base = MACHINE_MMIO_BASE;
	uint32_t gsi = MACHINE_FIRST_GSI;
	if (serial_init(&m->com1, vm, SERIAL_COM1_PORT, SERIAL_COM1_IRQ, cfg->console_fd, err) < 0)
		return -1;
	m->has_com1 = true;
	m->com1.on_panic = machine_on_panic;
	m->com1.on_panic_opaque = m;
	acpi->com1 = true;
	if (machine_serve_vm_exit(vm, err) < 0)
		return -1;

	if (virtio_console_init(&m->console, vm, &vm->mem, base, gsi, &m->channel_fd, err) < 0)
		return -1;
	m->has_console = true;
	acpi->devices[acpi->ndevices++] = (struct acpi_mmio_device){ base, VIRTIO_MMIO_SIZE, gsi };
	base += 0x1000;
	gsi++;
	if (cfg->disk_path) {
		if (virtio_blk_init(&m->blk, vm, &vm->mem, base, gsi, cfg->disk_path, err) < 0)
			return -1;
		m->has_blk = true;
		acpi->devices[acpi->ndevices++] =
			(struct acpi_mmio_device){ base, VIRTIO_MMIO_SIZE, gsi };
		base += 0x1000;
		gsi++;
	}
	if (cfg->network) {
		if (tap_create(&m->netns, err) < 0)
			return -1;
		int tap = m->netns.tap_fd;
		m->netns.tap_fd = -1; /* the device owns it now */
		if (virtio_net_init(&m->net, vm, &vm->mem, base, gsi, tap, err) < 0) {
			close(tap);
			return -1;
		}
		m->has_net = true;
		acpi->devices[acpi->ndevices++] =
			(struct acpi_mmio_device){ base, VIRTIO_MMIO_SIZE, gsi };
	}
	return 0;
}

/* A VM that ends hangs up the agent channel, so that nobody waits for an agent that is gone. */
static void machine_on_end(void *opaque)
{
	struct machine *m = opaque;
	if (m->has_console && m->console.host_fd >= 0)
		shutdown(m->console.host_fd, SHUT_RDWR);
}

int machine_start(const struct machine_config *cfg, struct machine **out, struct vb_error *err)
{
	*out = NULL;
	struct machine *m = calloc(1, sizeof(*m));
	if (!m)
		return error_set(err, "kvm: out of memory");
	m->channel_fd = -1;
	m->netns.ns_fd = m->netns.tap_fd = -1;
	for (unsigned i = 0; i < VM_MAX_VCPUS; i++)
		m->stats_fds[i] = -1;
	uint8_t *initrd = NULL;
	size_t initrd_len = 0;
	struct cpio cpio = { 0 };

	if (machine_load_kernel(cfg->kernel_path, err) < 0)
		goto fail;
	snprintf(m->kernel_note, sizeof(m->kernel_note), "%s", machine_kernel.note);
	if (cfg->initrd_path) {
		if (machine_read_file(cfg->initrd_path, "initrd", &initrd, &initrd_len, err) < 0)
			goto fail;
	} else {
		if (machine_build_initrd(cfg, &cpio, err) < 0)
			goto fail;
		initrd = cpio.data;
		initrd_len = cpio.len;
		cpio.data = NULL;
	}
	m->initrd_bytes = initrd_len;

	struct vm_config vcfg = { .ncpus = cfg->ncpus,
				  .cpu_list = cfg->cpu_list,
				  .ncpu_list = cfg->ncpu_list,
				  .memory_bytes = cfg->memory_bytes };
	if (vm_create(&vcfg, &m->vm, err) < 0)
		goto fail;
	struct acpi_config acpi = { .ncpus = cfg->ncpus };
	if (machine_devices(m, cfg, &acpi, err) < 0)
		goto fail;
	uint64_t rsdp;
	if (acpi_build(&m->vm->mem, BOOT_ACPI_ADDR, BOOT_ACPI_MAX, &acpi, &rsdp, err) < 0)
		goto fail;

	/* panic=-1: a panicking kernel reboots at once, which ends the VM instead of hanging it. */
	if (cfg->cmdline)
		snprintf(m->cmdline, sizeof(m->cmdline), "%s%s", cfg->cmdline,
			 cfg->network ? MACHINE_NET_CMDLINE : "");
	else
		machine_default_cmdline(cfg->quiet, cfg->network, m->cmdline, sizeof(m->cmdline));
	if (cfg->extra_cmdline) {
		size_t n = strlen(m->cmdline);
		snprintf(m->cmdline + n, sizeof(m->cmdline) - n, " %s", cfg->extra_cmdline);
	}
	struct boot_linux boot = { .kernel = machine_kernel.file,
				   .kernel_len = machine_kernel.file_len,
				   .vmlinux = machine_kernel.elf,
				   .vmlinux_len = machine_kernel.elf_len,
				   .cmdline = m->cmdline,
				   .initrd = initrd,
				   .initrd_len = initrd_len,
				   .rsdp_addr = rsdp };
	struct boot_entry entry;
	if (boot_load_linux(&m->vm->mem, &boot, &entry, err) < 0)
		goto fail;
	if (vcpu_set_long_mode(m->vm->vcpus[0], &entry, err) < 0)
		goto fail;
	free(initrd);
	initrd = NULL;

	if ((m->has_console && virtio_mmio_start(&m->console.mmio, err) < 0) ||
	    (m->has_blk && virtio_mmio_start(&m->blk.mmio, err) < 0) ||
	    (m->has_net && virtio_mmio_start(&m->net.mmio, err) < 0))
		goto fail;
	m->vm->on_end = machine_on_end;
	m->vm->on_end_opaque = m;
	vm_exits_open(m->vm, m->stats_fds, VM_MAX_VCPUS);
	if (cfg->before_run && cfg->before_run(cfg->before_run_opaque, err) < 0)
		goto fail;
	if (vm_run(m->vm, err) < 0)
		goto fail;
	*out = m;
	return 0;
fail:
	free(initrd);
	cpio_free(&cpio);
	machine_destroy(m);
	return -1;
}

void machine_destroy(struct machine *m)
{
	if (!m)
		return;
	/* vCPUs first: once they are joined no MMIO handler can touch a device being torn down. */
	vm_stop(m->vm);
	if (m->has_console)
		virtio_console_destroy(&m->console);
	if (m->has_blk)
		virtio_blk_destroy(&m->blk);
	if (m->has_net)
		virtio_net_destroy(&m->net);
	tap_destroy(&m->netns);
	if (m->has_com1)
		serial_destroy(&m->com1);
	vm_exits_close(m->stats_fds, VM_MAX_VCPUS);
	vm_destroy(m->vm);
	if (m->channel_fd >= 0)
		close(m->channel_fd);
	free(m);
}

bool machine_describe_end(struct machine *m, char *buf, size_t len)
{
	char tail[2048] = "";
	if (m->has_com1)
		serial_tail(&m->com1, tail, sizeof(tail), 8);
	if (m->vm->status == VM_STATUS_PANIC) {
		snprintf(buf, len, "the guest kernel panicked: %s", m->vm->status_detail);
		return true;
	}
	const char *panic = strstr(tail, "Kernel panic");
	if (panic) {
		size_t n = strcspn(panic, "\n");
		snprintf(buf, len, "the guest kernel panicked: %.*s", (int)(n > 200 ? 200 : n),
			 panic);
		return true;
	}
	enum vm_status s = m->vm->status;
	if (!m->vm->ready_ns && (s == VM_STATUS_RUNNING || s == VM_STATUS_STOPPED))
		snprintf(buf, len, "the guest never got ready; last console lines:\n%s",
			 tail[0] ? tail : "(none)");
	else if (s == VM_STATUS_RUNNING || s == VM_STATUS_STOPPED)
		snprintf(buf, len,
			 "the guest was still running when stopped; last console lines:\n%s",
			 tail[0] ? tail : "(none)");
	else
		snprintf(buf, len, "the VM ended (%s): %s; last console lines:\n%s",
			 vm_status_name(s), m->vm->status_detail, tail[0] ? tail : "(none)");
	return false;
}
