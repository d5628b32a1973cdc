/* Tiny hand-assembled guests on this host's /dev/kvm: port and MMIO exits, UART, boot timer, every way a VM ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/test-util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backends/kvm/exits.h"
#include "backends/kvm/machine.h"
#include "backends/kvm/probe.h"
#include "backends/kvm/serial.h"
#include "backends/kvm/vcpu.h"
#include "backends/kvm/vm.h"
#include "common/bare-abi.h"

/* Hand-assembled guests below keep one instruction (or idea) per line. */
/* clang-format off */
#define MMIO_BASE 0xd0000000ull


struct mmio_log {
	uint64_t offset, value;
	unsigned len, writes, reads;
};

static void mmio_dev(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct mmio_log *l = opaque;
	if (is_write) {
		l->offset = offset;
		l->len = len;
		l->value = 0;
		memcpy(&l->value, data, len);
		l->writes++;
	} else {
		l->reads++;
		memset(data, 0, len);
		data[0] = 0x5a;
	}
}

/* Run real-mode code at 0:0x1000 until the VM ends (5 s at most). */
static enum vm_status run_tiny(const uint8_t *code, size_t len, bool irqchip, struct serial *uart,
			       int uart_fd, struct mmio_log *mmio, struct vm **out)
{
	struct vm_config cfg = { .ncpus = 1, .memory_bytes = 16 << 20, .no_irqchip = !irqchip };
	struct vb_error err;
	struct vm *vm;
	assert_int_equal(vm_create(&cfg, &vm, &err), 0);
	if (uart)
		assert_int_equal(serial_init(uart, vm, SERIAL_COM1_PORT, SERIAL_COM1_IRQ, uart_fd, &err), 0);
	if (mmio)
		assert_int_equal(vm_register_mmio(vm, MMIO_BASE, 0x1000, mmio_dev, mmio, &err), 0);
	memcpy(memory_at(&vm->mem, 0x1000, len), code, len);
	/* The triple-fault guest runs in protected mode, where an empty IDT turns ud2 into a shutdown. */
	bool triple = len >= 2 && code[0] == 0x0f && code[1] == 0x0b;
	if (triple)
		assert_int_equal(vcpu_set_protected_mode(vm->vcpus[0], 0x1000, &err), 0);
	else
		assert_int_equal(vcpu_set_real_mode(vm->vcpus[0], 0, 0x1000, &err), 0);
	/* ES reaches the MMIO window from real mode through a hidden segment base. */
	struct kvm_sregs sregs;
	assert_int_equal(ioctl(vm->vcpus[0]->fd, KVM_GET_SREGS, &sregs), 0);
	sregs.es.base = MMIO_BASE;
	if (triple)
		sregs.idt.limit = 0;
	assert_int_equal(ioctl(vm->vcpus[0]->fd, KVM_SET_SREGS, &sregs), 0);
	assert_int_equal(vm_run(vm, &err), 0);
	enum vm_status s = vm_wait(vm, false, 5000);
	*out = vm;
	return s;
}

#define OUT_DX(port) 0xba, (port) & 0xff, (port) >> 8
#define POWER_OFF OUT_DX(VM_ACPI_SLEEP_PORT), 0xb0, 0x34, 0xee, 0xf4

static void test_uart_and_boot_timer(void **state)
{
	(void)state;
	if (!have_kvm())
		skip();
	const uint8_t code[] = {
		OUT_DX(0x3f8), 0xb0, 'h', 0xee, 0xb0, 'i', 0xee, 0xb0, '\n', 0xee, /* "hi\n" on COM1 */
		OUT_DX(0x3fd), 0xec, 0x88, 0xc3,                                   /* bl = LSR */
		OUT_DX(0x3f8), 0x88, 0xd8, 0xee,                                   /* echo LSR as a byte */
		OUT_DX(VM_BOOT_TIMER_PORT), 0xb0, 122, 0xee,                       /* wrong magic: ignored */
		0xb0, VM_BOOT_TIMER_MAGIC, 0xee,
		POWER_OFF,
	};
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	struct serial uart;
	struct vm *vm;
	assert_int_equal(run_tiny(code, sizeof(code), true, &uart, fds[1], NULL, &vm), VM_STATUS_POWER_OFF);
	char buf[16] = { 0 };
	assert_int_equal(read(fds[0], buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "hi\n", 3);
	assert_int_equal((uint8_t)buf[3], 0x60); /* THRE | TEMT, no data ready */
	assert_true(vm->ready_ns >= vm->started_ns && vm->ready_ns > 0);
	char tail[64];
	serial_tail(&uart, tail, sizeof(tail), 4);
	assert_non_null(strstr(tail, "hi\n"));
	vm_destroy(vm);
	serial_destroy(&uart);
	close(fds[0]);
	close(fds[1]);
}

static void test_mmio_exits(void **state)
{
	(void)state;
	if (!have_kvm())
		skip();
	const uint8_t code[] = {
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
		0x26, 0x66, 0xa3, 0x10, 0x00,       /* mov es:[0x10], eax (4-byte MMIO write) */
		0x26, 0xa0, 0x20, 0x00,             /* mov al, es:[0x20] (MMIO read) */
		OUT_DX(0x3f8), 0xee,                /* show what was read */
		POWER_OFF,
	};
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	struct serial uart;
	struct mmio_log log = { 0 };
	struct vm *vm;
	assert_int_equal(run_tiny(code, sizeof(code), true, &uart, fds[1], &log, &vm), VM_STATUS_POWER_OFF);
	assert_int_equal(log.writes, 1);
	assert_int_equal(log.offset, 0x10);
	assert_int_equal(log.len, 4);
	assert_int_equal(log.value, 0x12345678);
	assert_int_equal(log.reads, 1);
	uint8_t b = 0;
	assert_int_equal(read(fds[0], &b, 1), 1);
	assert_int_equal(b, 0x5a);
	assert_true(vm_exit_count(vm, KVM_EXIT_MMIO) >= 2);
	assert_true(vm_exit_count(vm, KVM_EXIT_IO) >= 2);
	vm_destroy(vm);
	serial_destroy(&uart);
	close(fds[0]);
	close(fds[1]);
}

static void expect_end(const uint8_t *code, size_t len, bool irqchip, enum vm_status want)
{
	struct vm *vm;
	enum vm_status got = run_tiny(code, len, irqchip, NULL, -1, NULL, &vm);
	if (got != want)
		print_message("ended: %s (%s)\n", vm_status_name(got), vm->status_detail);
	assert_int_equal(got, want);
	assert_true(vm->status_detail[0] != 0);
	vm_destroy(vm);
}

static void test_shutdown_paths(void **state)
{
	(void)state;
	if (!have_kvm())
		skip();
	const uint8_t poweroff[] = { POWER_OFF };
	expect_end(poweroff, sizeof(poweroff), true, VM_STATUS_POWER_OFF);
	const uint8_t acpi_reset[] = { OUT_DX(VM_ACPI_RESET_PORT), 0xb0, VM_ACPI_RESET_VALUE, 0xee, 0xf4 };
	expect_end(acpi_reset, sizeof(acpi_reset), true, VM_STATUS_REBOOT);
	const uint8_t kbd_reset[] = { 0xb0, 0xfe, 0xe6, 0x64, 0xf4 }; /* out 0x64, 0xfe */
	expect_end(kbd_reset, sizeof(kbd_reset), true, VM_STATUS_REBOOT);
	const uint8_t cf9_reset[] = { OUT_DX(0xcf9), 0xb0, 0x06, 0xee, 0xf4 };
	expect_end(cf9_reset, sizeof(cf9_reset), true, VM_STATUS_REBOOT);
	const uint8_t triple[] = { 0x0f, 0x0b, 0xf4 }; /* ud2 */
	expect_end(triple, sizeof(triple), true, VM_STATUS_TRIPLE_FAULT);
	const uint8_t halt[] = { 0xfa, 0xf4 };
	expect_end(halt, sizeof(halt), false, VM_STATUS_HALTED);
	/* Not a shutdown: the sleep register with S3 must not end the VM. */
	const uint8_t s3[] = { OUT_DX(VM_ACPI_SLEEP_PORT), 0xb0, 0x20 | 3 << 2, 0xee, 0xfa, 0xf4 };
	expect_end(s3, sizeof(s3), false, VM_STATUS_HALTED);
}

/* A triple fault leaves nothing on the guest's console: the VM's end says where the vCPU stood. */
static void test_triple_fault_says_where(void **state)
{
	(void)state;
	if (!have_kvm())
		skip();
	const uint8_t triple[] = { 0x0f, 0x0b, 0xf4 }; /* ud2 at 0x1000 with an empty IDT */
	struct vm *vm;
	assert_int_equal(run_tiny(triple, sizeof(triple), true, NULL, -1, NULL, &vm),
			 VM_STATUS_TRIPLE_FAULT);
	print_message("detail: %s\n", vm->status_detail);
	assert_non_null(strstr(vm->status_detail, "at RIP 0x1000 "));
	assert_non_null(strstr(vm->status_detail, "CPL 0"));
	assert_non_null(strstr(vm->status_detail, "IDT 0+0 "));
	vm_destroy(vm);
}

static void test_exit_counts(void **state)
{
	(void)state;
	if (!have_kvm())
		skip();
	const uint8_t code[] = { OUT_DX(0x80), 0xee, 0xee, 0xee, POWER_OFF };
	struct vm_config cfg = { .ncpus = 1, .memory_bytes = 16 << 20 };
	struct vb_error err;
	struct vm *vm;
	assert_int_equal(vm_create(&cfg, &vm, &err), 0);
	memcpy(memory_at(&vm->mem, 0x1000, sizeof(code)), code, sizeof(code));
	assert_int_equal(vcpu_set_real_mode(vm->vcpus[0], 0, 0x1000, &err), 0);
	int fds[1];
	vm_exits_open(vm, fds, 1);
	assert_int_equal(vm_run(vm, &err), 0);
	assert_int_equal(vm_wait(vm, false, 5000), VM_STATUS_POWER_OFF);
	struct vm_exit_counts c;
	vm_exits_read(vm, fds, 1, &c);
	assert_true(c.n > 0);
	/* Four port writes reached the VMM: KVM's total (or the VMM's I/O count) sees at least those. */
	uint64_t total = 0;
	for (unsigned i = 0; i < c.n; i++)
		if (strcmp(c.name[i], c.from_kvm ? "exits" : "vmm_io_exits") == 0)
			total = c.value[i];
	assert_true(total >= 4);
	vm_exits_close(fds, 1);
	vm_destroy(vm);
}

/*
 * vm.exit's port and MMIO page on the Linux guest's VMM: a 32-bit `out` and a 32-bit MMIO write
 * reach it, and reads give zeros, where an unserved port or page would read all ones.
 */
static void test_linux_machine_serves_vm_exit(void **state)
{
	(void)state;
	if (!have_kvm())
		skip();
	const uint8_t code[] = {
		OUT_DX(BARE_PORT_NULL),
		0x66, 0xb8, 0x78, 0x56, 0x34, 0x12, /* mov eax, 0x12345678 */
		0x66, 0xef,                         /* out dx, eax */
		0xec,                               /* in al, dx */
		OUT_DX(0x3f8), 0xee,                /* show it */
		0x26, 0x66, 0xa3, 0x00, 0x00,       /* mov es:[0], eax (4-byte MMIO write) */
		0x26, 0xa0, 0x00, 0x00,             /* mov al, es:[0] (MMIO read) */
		OUT_DX(0x3f8), 0xee,                /* show it */
		POWER_OFF,
	};
	for (int served = 0; served < 2; served++) {
		struct vm_config cfg = { .ncpus = 1, .memory_bytes = 16 << 20 };
		struct vb_error err;
		struct vm *vm;
		struct serial uart;
		int fds[2];
		assert_int_equal(pipe(fds), 0);
		assert_int_equal(vm_create(&cfg, &vm, &err), 0);
		assert_int_equal(serial_init(&uart, vm, SERIAL_COM1_PORT, SERIAL_COM1_IRQ, fds[1], &err), 0);
		if (served)
			assert_int_equal(machine_serve_vm_exit(vm, &err), 0);
		memcpy(memory_at(&vm->mem, 0x1000, sizeof(code)), code, sizeof(code));
		assert_int_equal(vcpu_set_real_mode(vm->vcpus[0], 0, 0x1000, &err), 0);
		struct kvm_sregs sregs;
		assert_int_equal(ioctl(vm->vcpus[0]->fd, KVM_GET_SREGS, &sregs), 0);
		sregs.es.base = BARE_MMIO_NULL_GPA;
		assert_int_equal(ioctl(vm->vcpus[0]->fd, KVM_SET_SREGS, &sregs), 0);
		uint64_t io_before = vm_exit_count(vm, KVM_EXIT_IO);
		assert_int_equal(vm_run(vm, &err), 0);
		assert_int_equal(vm_wait(vm, false, 5000), VM_STATUS_POWER_OFF);
		uint8_t shown[2] = { 0x5a, 0x5a };
		assert_int_equal(read(fds[0], shown, 2), 2);
		assert_int_equal(shown[0], served ? 0 : 0xff); /* the port */
		assert_int_equal(shown[1], served ? 0 : 0xff); /* the page */
		assert_true(vm_exit_count(vm, KVM_EXIT_MMIO) >= 2);
		assert_true(vm_exit_count(vm, KVM_EXIT_IO) - io_before >= 5);
		/* the Linux machine serves them beside its devices, not over them */
		if (served)
			assert_int_equal(machine_serve_vm_exit(vm, &err), -1);
		vm_destroy(vm);
		serial_destroy(&uart);
		close(fds[0]);
		close(fds[1]);
	}
}

static void test_host_stop_of_spinning_guest(void **state)
{
	(void)state;
	if (!have_kvm())
		skip();
	const uint8_t spin[] = { 0xeb, 0xfe }; /* jmp $ */
	struct vm_config cfg = { .ncpus = 2, .memory_bytes = 16 << 20 };
	struct vb_error err;
	struct vm *vm;
	assert_int_equal(vm_create(&cfg, &vm, &err), 0);
	memcpy(memory_at(&vm->mem, 0x1000, sizeof(spin)), spin, sizeof(spin));
	assert_int_equal(vcpu_set_real_mode(vm->vcpus[0], 0, 0x1000, &err), 0);
	assert_int_equal(vm_run(vm, &err), 0);
	assert_int_equal(vm_wait(vm, true, 50), VM_STATUS_RUNNING);
	vm_destroy(vm); /* must return: kicks and joins both vCPU threads */
}

static void test_probe_measures(void **state)
{
	(void)state;
	if (!have_kvm())
		skip();
	double ns = 0;
	struct vb_error err;
	assert_int_equal(probe_ring0_speed(&ns, &err), 0);
	assert_true(ns > 0); /* the verdict on it is pinned in test-kvm-probe */
}

static int panics;
static char panic_line[160];

static void on_panic(void *opaque, const char *line)
{
	(void)opaque;
	panics++;
	snprintf(panic_line, sizeof(panic_line), "%s", line);
}

static void test_serial_spots_kernel_panic(void **state)
{
	(void)state;
	struct serial s;
	struct vb_error err;
	assert_int_equal(serial_init(&s, NULL, 0, 4, -1, &err), 0);
	s.on_panic = on_panic;
	const char *text = "[    1.0] Run /init as init process\r\n"
			   "[    2.0] Kernel panic - not syncing: VFS: Unable to mount root fs\r\n"
			   "[    2.1] CPU: 0 PID: 1\r\n";
	for (const char *p = text; *p; p++) {
		uint8_t v = (uint8_t)*p;
		serial_io(&s, 0, &v, 1, true);
	}
	assert_int_equal(panics, 1);
	assert_string_equal(panic_line, "Kernel panic - not syncing: VFS: Unable to mount root fs");
	char tail[256];
	serial_tail(&s, tail, sizeof(tail), 2);
	assert_string_equal(tail, "[    2.0] Kernel panic - not syncing: VFS: Unable to mount root fs\n[    2.1] CPU: 0 PID: 1\n");
	serial_destroy(&s);
}

static void test_serial_registers(void **state)
{
	(void)state;
	struct serial s;
	struct vb_error err;
	assert_int_equal(serial_init(&s, NULL, 0, 4, -1, &err), 0);
	uint8_t v = 0x80;
	serial_io(&s, 3, &v, 1, true); /* DLAB */
	v = 12;
	serial_io(&s, 0, &v, 1, true);
	v = 0;
	serial_io(&s, 0, &v, 1, false);
	assert_int_equal(v, 12);
	v = 0x03;
	serial_io(&s, 3, &v, 1, true);
	/* Loopback as the 8250 driver tests it: MCR 0x1a must read back as MSR 0x90. */
	v = 0x1a;
	serial_io(&s, 4, &v, 1, true);
	serial_io(&s, 6, &v, 1, false);
	assert_int_equal(v & 0xf0, 0x90);
	v = 'x';
	serial_io(&s, 0, &v, 1, true);
	serial_io(&s, 5, &v, 1, false);
	assert_int_equal(v & 1, 1);
	serial_io(&s, 0, &v, 1, false);
	assert_int_equal(v, 'x');
	v = 0;
	serial_io(&s, 4, &v, 1, true);
	/* THRE interrupt: enabling it raises it; reading IIR acknowledges it. */
	v = 0x02;
	serial_io(&s, 1, &v, 1, true);
	serial_io(&s, 2, &v, 1, false);
	assert_int_equal(v & 0x0f, 0x02);
	serial_io(&s, 2, &v, 1, false);
	assert_int_equal(v & 0x0f, 0x01);
	assert_int_equal(serial_receive(&s, "ab", 2), 2);
	v = 0x01;
	serial_io(&s, 1, &v, 1, true);
	serial_io(&s, 2, &v, 1, false);
	assert_int_equal(v & 0x0f, 0x04);
	serial_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_serial_registers),
		cmocka_unit_test(test_serial_spots_kernel_panic),
		cmocka_unit_test(test_uart_and_boot_timer),
		cmocka_unit_test(test_mmio_exits),
		cmocka_unit_test(test_shutdown_paths),
		cmocka_unit_test(test_triple_fault_says_where),
		cmocka_unit_test(test_exit_counts),
		cmocka_unit_test(test_linux_machine_serves_vm_exit),
		cmocka_unit_test(test_host_stop_of_spinning_guest),
		cmocka_unit_test(test_probe_measures),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
/* clang-format on */
