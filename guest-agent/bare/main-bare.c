/*
 * vbench-bare: the agent as a bare guest, started by vbench's VMM on every vCPU in 64-bit ring 3
 * with no kernel (common/bare-abi.h). vCPU 0 says hello over the shared-memory rings and serves
 * requests with the Linux agent's own loop (serve.c); the other vCPUs park until a workload
 * gives them work.
 */
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/json.h"
#include "common/protocol.h"
#include "guest-agent/bare/bare.h"
#include "guest-agent/bare/ring.h"
#include "guest-agent/environment.h"
#include "guest-agent/serve.h"

/* The VMM's boot timer (backends/kvm/vm.h, VM_BOOT_TIMER_*): its byte marks the hello sent. */
#define BARE_BOOT_TIMER_PORT  0x440
#define BARE_BOOT_TIMER_MAGIC 123

unsigned bare_cpu_index(void)
{
	uintptr_t tls;
	__asm__("movq %%fs:0, %0" : "=r"(tls));
	return *(const volatile uint32_t *)(tls + BARE_TLS_CPU_INDEX_OFFSET);
}

void bare_exit(uint32_t status)
{
	for (;;)
		bare_out(BARE_PORT_EXIT, status);
}

void bare_abort(const char *fmt, ...)
{
	/* below 4 GiB, as the port's 32-bit value needs: the image is linked at 4 MiB */
	static char message[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	for (;;)
		bare_out(BARE_PORT_ABORT, (uint32_t)(uintptr_t)message);
}

void bare_doorbell(void *ctx, unsigned port, uint32_t value)
{
	(void)ctx;
	bare_out(port, value);
}

static int bare_send_line(void *ctx, const char *line, size_t len, struct vb_error *err)
{
	return bare_channel_send_line(ctx, line, len, err);
}

static int bare_read_line(void *ctx, char **line, size_t *len, struct vb_error *err)
{
	return bare_channel_read_line(ctx, line, len, err);
}

/* No counters (no perf without a kernel), no orphans, and nobody to log to. */
static const struct serve_ops bare_serve_ops = {
	.send_line = bare_send_line,
	.read_line = bare_read_line,
};

/* Each vCPU's TSC against vCPU 0's (clock-sync.h), or the bound on it, in ns: null where the
 * rounds disagreed. The clock subtracts the offsets that exceed their bound. */
static void tsc_sync_json(struct json_writer *w, const char *key, unsigned ncpus, bool bound)
{
	json_key(w, key);
	json_array_begin(w);
	for (unsigned i = 0; i < ncpus && i < BARE_MAX_VCPUS; i++) {
		double offset, within;
		bare_platform_tsc_sync(i, &offset, &within);
		json_number(w, bound ? ceil(within) : round(offset));
	}
	json_array_end(w);
}

static void bare_isolation_json(struct json_writer *w)
{
	struct bare_boot_info *boot = bare_boot();
	uint64_t used, kvm, measured;
	double ppm;
	bare_platform_tsc(&used, &kvm, &measured, &ppm);
	char vmm[sizeof(boot->vmm) + 1];
	memcpy(vmm, boot->vmm, sizeof(boot->vmm));
	vmm[sizeof(boot->vmm)] = '\0';
	json_object_begin(w);
	json_kv_string(w, "kind", "bare guest");
	json_kv_string(w, "vmm", vmm);
	json_kv_int(w, "abi_version", boot->abi_version);
	json_kv_int(w, "vcpus", boot->ncpus);
	json_kv_int(w, "page_bytes", boot->page_bytes);
	json_kv_int(w, "heap_bytes", (int64_t)bare_platform_heap_bytes());
	json_kv_int(w, "tsc_khz", (int64_t)used);
	json_kv_int(w, "tsc_khz_kvm", (int64_t)kvm);
	json_kv_int(w, "tsc_khz_measured", (int64_t)measured);
	json_key(w, "tsc_measured_within_ppm");
	json_number(w, measured ? ppm : NAN);
	tsc_sync_json(w, "tsc_vcpu_offset_ns", boot->ncpus, false);
	tsc_sync_json(w, "tsc_vcpu_offset_within_ns", boot->ncpus, true);
	json_key(w, "warnings");
	json_array_begin(w);
	if (bare_platform_warnings()[0])
		json_string(w, bare_platform_warnings());
	json_array_end(w);
	json_object_end(w);
}

static void bare_fill_hello(struct proto_msg *m)
{
	struct bare_boot_info *boot = bare_boot();
	struct proto_hello *h = &m->hello;
	memset(m, 0, sizeof(*m));
	m->type = PROTO_HELLO;
	snprintf(h->version, sizeof(h->version), "%s", VBENCH_VERSION);
	h->proto = PROTO_VERSION;
	snprintf(h->kernel, sizeof(h->kernel), "none (bare guest)");
	snprintf(h->hostname, sizeof(h->hostname), "bare-guest");
	snprintf(h->clocksource, sizeof(h->clocksource), "tsc");
	/* not THP but the VMM's page size: every heap page is large, or none is */
	snprintf(h->thp_enabled, sizeof(h->thp_enabled), "%s",
		 boot->page_bytes > 4096 ? "always" : "never");
	h->cpus = boot->ncpus;
	h->memory_bytes = boot->memory_bytes;
	h->hw_counters = false;
	snprintf(h->counters_note, sizeof(h->counters_note), "bare guest: no perf");
	struct json_writer w;
	json_writer_init(&w);
	bare_isolation_json(&w);
	h->isolation_json = json_writer_take(&w, NULL);
	/* what it is, as far as CPUID tells: there are no files to read, no DMI, no container */
	struct environment_cpuid cpuid;
	struct environment env;
	memset(&env, 0, sizeof(env));
	environment_read_cpuid(&cpuid);
	environment_hypervisor_from_cpuid(&cpuid, &env);
	snprintf(env.cpu_model, sizeof(env.cpu_model), "%s", cpuid.brand);
	env.cpus = boot->ncpus;
	env.memory_bytes = boot->memory_bytes;
	snprintf(env.kernel, sizeof(env.kernel), "none (bare guest)");
	snprintf(env.clocksource, sizeof(env.clocksource), "tsc");
	environment_summarize(&env);
	char summary[sizeof(env.summary)];
	snprintf(summary, sizeof(summary), "bare guest (no kernel) on %.200s", env.summary);
	snprintf(env.summary, sizeof(env.summary), "%s", summary);
	json_writer_init(&w);
	environment_write_json(&w, &env);
	h->environment_json = json_writer_take(&w, NULL);
}

static void bare_main(void)
{
	struct bare_boot_info *boot = bare_boot();
	struct vb_error err;
	if (boot->magic != BARE_MAGIC || boot->abi_version != BARE_ABI_VERSION)
		bare_abort("bare guest: boot information has magic %#x, ABI %u (want %#x, ABI %u)",
			   boot->magic, boot->abi_version, BARE_MAGIC, BARE_ABI_VERSION);
	if (bare_platform_init(&err) < 0)
		bare_abort("%s", err.message);

	static struct bare_channel channel;
	bare_channel_init(&channel, bare_ring_at(BARE_RING_TX_GPA), bare_ring_at(BARE_RING_RX_GPA),
			  bare_doorbell, NULL);
	struct serve serve = { .ops = &bare_serve_ops, .ctx = &channel };

	struct proto_msg hello;
	bare_fill_hello(&hello);
	int rc = serve_send(&serve, &hello, &err);
	proto_msg_free(&hello);
	if (rc < 0)
		bare_abort("bare guest: sending hello: %s", err.message);
	bare_outb(BARE_BOOT_TIMER_PORT, BARE_BOOT_TIMER_MAGIC);
	serve_requests(&serve);
	bare_exit(0);
}

/* Called by _start (start.S) on every vCPU with its index. */
void bare_entry(unsigned long cpu) __attribute__((noreturn));
void bare_entry(unsigned long cpu)
{
	/* musl's start code would point the thread at the global locale (strerror reads it) */
	uselocale(LC_GLOBAL_LOCALE);
	if (cpu != 0)
		bare_worker_loop((unsigned)cpu);
	bare_main();
	bare_exit(0);
}
