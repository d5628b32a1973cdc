/* The kvm backend's probe: /dev/kvm access, the PVM module, then a timed ring-0 loop in a tiny real-mode guest. */
#include "backends/kvm/probe.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/kvm/vcpu.h"
#include "common/clock.h"
#include "backends/kvm/vm.h"

#define PROBE_MARK_PORT	 0x441
#define PROBE_LOOPS	 50000u /* 100,000 instructions: ~30 us on hardware, well under 2 s emulated */
#define PROBE_TIMEOUT_MS 2000 /* a try this slow is 20 us an instruction: no need for more */

struct probe_marks {
	uint64_t t[2];
	unsigned n;
};

static void probe_mark_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct probe_marks *m = opaque;
	(void)offset;
	(void)data;
	(void)len;
	if (is_write && m->n < 2)
		m->t[m->n++] = clock_now_ns();
}

int probe_ring0_speed(double *ns_per_insn, struct vb_error *err)
{
	/* Real mode is ring 0 too: mov ecx,1000; dec/jnz; out (mark); mov ecx,N; dec/jnz; out (mark); S5. */
	const unsigned warm = 1000, n = PROBE_LOOPS;
	/* clang-format off */
	const uint8_t code[] = {
		0x66, 0xb9, warm & 0xff, warm >> 8 & 0xff, 0, 0, /* mov ecx, warm */
		0x66, 0x49, 0x75, 0xfc,                          /* dec ecx; jnz */
		0xba, PROBE_MARK_PORT & 0xff, PROBE_MARK_PORT >> 8, /* mov dx, mark port */
		0xee,                                            /* out dx, al */
		0x66, 0xb9, n & 0xff, n >> 8 & 0xff, n >> 16 & 0xff, 0, /* mov ecx, n */
		0x66, 0x49, 0x75, 0xfc,                          /* dec ecx; jnz */
		0xee,                                            /* out dx, al */
		0xba, VM_ACPI_SLEEP_PORT & 0xff, VM_ACPI_SLEEP_PORT >> 8, /* mov dx, sleep port */
		0xb0, 0x20 | VM_ACPI_S5_TYPE << 2,               /* mov al, SLP_EN | S5 */
		0xee, 0xf4,                                      /* out dx, al; hlt */
	};
	/* clang-format on */
	struct vm_config cfg = { .ncpus = 1, .memory_bytes = 16 << 20, .no_irqchip = true };
	struct vm *vm;
	struct probe_marks marks = { 0 };
	if (vm_create(&cfg, &vm, err) < 0 ||
	    vm_register_pio(vm, PROBE_MARK_PORT, 1, probe_mark_io, &marks, err) < 0) {
		vm_destroy(vm);
		return -1;
	}
	memcpy(memory_at(&vm->mem, 0x1000, sizeof(code)), code, sizeof(code));
	if (vcpu_set_real_mode(vm->vcpus[0], 0, 0x1000, err) < 0 || vm_run(vm, err) < 0) {
		vm_destroy(vm);
		return -1;
	}
	uint64_t t0 = clock_now_ns();
	enum vm_status s = vm_wait(vm, false, PROBE_TIMEOUT_MS);
	uint64_t t1 = clock_now_ns();
	char detail[sizeof(vm->status_detail)];
	memcpy(detail, vm->status_detail, sizeof(detail));
	vm_destroy(vm); /* joins the vCPU thread: marks are stable from here on */
	if (s == VM_STATUS_POWER_OFF && marks.n == 2) {
		*ns_per_insn = (double)(marks.t[1] - marks.t[0]) / (2.0 * n);
		return 0;
	}
	if (s == VM_STATUS_RUNNING || s == VM_STATUS_STOPPED) {
		/* Did not finish in time: that alone bounds the cost from below. */
		*ns_per_insn = (double)(t1 - (marks.n ? marks.t[0] : t0)) / (2.0 * n);
		return 0;
	}
	return error_set(err, "kvm: the calibration guest ended with %s (%s)", vm_status_name(s),
			 detail);
}

bool probe_ring0_is_fast(const double *ns, unsigned n, double *best)
{
	double b = -1;
	for (unsigned i = 0; i < n; i++)
		if (ns[i] > 0 && (b < 0 || ns[i] < b))
			b = ns[i];
	*best = b;
	return b > 0 && b <= PROBE_RING0_SLOW_NS;
}

bool probe_pvm_loaded(const char *root)
{
	char path[512];
	struct stat st;
	snprintf(path, sizeof(path), "%s/sys/module/kvm_pvm", root);
	if (stat(path, &st) == 0)
		return true;
	snprintf(path, sizeof(path), "%s/proc/modules", root);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	char line[256];
	bool found = false;
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, "kvm_pvm ", 8) == 0;
	fclose(f);
	return found;
}


/* The first examination's verdict: list, start and the qemu backend all ask, and timing twice
 * could give two answers in one run. */
static struct {
	pthread_mutex_t lock;
	bool done;
	enum probe_verdict verdict;
	struct vb_error reason;
	unsigned examinations;
} probe_cache = { .lock = PTHREAD_MUTEX_INITIALIZER };

static enum probe_verdict probe_examine(struct vb_error *err)
{
	struct stat st;
	if (stat("/dev/kvm", &st) < 0) {
		error_set(err, "/dev/kvm does not exist (no KVM module loaded, or virtualization "
			       "is off in firmware or not offered by the host)");
		return PROBE_BROKEN;
	}
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == EACCES || errno == EPERM)
			error_set(err, "/dev/kvm is not accessible to this user (add it to the kvm "
				       "group or run as root)");
		else
			error_set_errno(err, "open /dev/kvm");
		return PROBE_BROKEN;
	}
	close(fd);
	if (probe_pvm_loaded("")) {
		error_set(err, "KVM here is PVM (the kvm_pvm module is loaded): it emulates guest "
			       "ring 0 and a Linux guest cannot boot; use --force to try");
		return PROBE_EMULATED;
	}
	double ns[PROBE_RING0_TRIES], best;
	unsigned n = 0;
	while (n < PROBE_RING0_TRIES) {
		if (probe_ring0_speed(&ns[n], err) < 0)
			return PROBE_BROKEN;
		n++;
		/* Stop early both ways: one fast try is proof, and a timed-out try is proof enough. */
		bool timed_out = ns[n - 1] * 2.0 * PROBE_LOOPS >= 0.9 * PROBE_TIMEOUT_MS * 1e6;
		if (probe_ring0_is_fast(ns, n, &best) || timed_out)
			break;
	}
	if (probe_ring0_is_fast(ns, n, &best))
		return PROBE_USABLE;
	error_set(err,
		  "KVM here emulates guest ring 0 (PVM): %.0f ns per ring-0 instruction at best of "
		  "%u tries (hardware: under 1 ns; limit %.0f ns), a Linux guest cannot boot at "
		  "useful "
		  "speed; use --force to try",
		  best, n, PROBE_RING0_SLOW_NS);
	return PROBE_EMULATED;
}

int probe_kvm(bool force, struct vb_error *err)
{
	struct vb_error reason;
	enum probe_verdict v = probe_kvm_verdict(&reason);
	if (v == PROBE_USABLE || (v == PROBE_EMULATED && force))
		return 0;
	if (err)
		*err = reason;
	return -1;
}

enum probe_verdict probe_kvm_verdict(struct vb_error *reason)
{
	pthread_mutex_lock(&probe_cache.lock);
	if (!probe_cache.done) {
		error_clear(&probe_cache.reason);
		probe_cache.verdict = probe_examine(&probe_cache.reason);
		probe_cache.examinations++;
		probe_cache.done = true;
	}
	enum probe_verdict v = probe_cache.verdict;
	if (reason)
		*reason = probe_cache.reason;
	pthread_mutex_unlock(&probe_cache.lock);
	return v;
}

unsigned probe_kvm_examinations(void)
{
	pthread_mutex_lock(&probe_cache.lock);
	unsigned n = probe_cache.examinations;
	pthread_mutex_unlock(&probe_cache.lock);
	return n;
}
