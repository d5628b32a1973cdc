/*
 * vm.exit: what one exit from the guest costs, in the spirit of kvm-unit-tests' vmexit: port I/O
 * and MMIO that vbench's VMM answers, CPUID that the host kernel answers, and HLT wake-ups by an
 * IPI between two vCPUs; the same source in the Linux agent and the bare guest.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/bare-abi.h"
#include "workloads/percentile.h"
#include "workloads/platform.h"
#include "workloads/vmm-access.h"
#include "workloads/workload.h"

/* Untimed exits before the timed ones: KVM answers the first MMIO write to a page on its slow path
 * and caches the page as MMIO for the writes after it. */
#define VMEXIT_WARMUP 100

enum vmexit_kind { VMEXIT_PIO, VMEXIT_MMIO, VMEXIT_CPUID };

static inline void vmexit_once(enum vmexit_kind kind, volatile uint32_t *mmio)
{
	uint32_t a = 0, b, c = 0, d;
	switch (kind) {
	case VMEXIT_PIO:
		__asm__ volatile("outl %0, %w1"
				 :
				 : "a"(a), "Nd"((uint16_t)BARE_PORT_NULL)
				 : "memory");
		break;
	case VMEXIT_MMIO: *mmio = a; break;
	case VMEXIT_CPUID:
		/* leaf 0: a fixed answer KVM gives from its table, nothing else on the way */
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d) : : "memory");
		break;
	}
}

/* TSC ticks of each batch of per exits, into t[0..batches). */
static void vmexit_time(enum vmexit_kind kind, volatile uint32_t *mmio, size_t batches, size_t per,
			double *t)
{
	for (size_t i = 0; i < VMEXIT_WARMUP; i++)
		vmexit_once(kind, mmio);
	for (size_t b = 0; b < batches; b++) {
		uint64_t t0 = vmm_access_tsc_begin();
		for (size_t i = 0; i < per; i++)
			vmexit_once(kind, mmio);
		t[b] = (double)(vmm_access_tsc_end() - t0);
	}
}

/* TSC ticks of each batch of per round trips with the partner vCPU (two wake-ups each). */
static int vmexit_time_halt(size_t batches, size_t per, double *t, struct vb_error *err)
{
	if (vmm_access_pair_start(err) < 0)
		return -1;
	for (size_t i = 0; i < VMEXIT_WARMUP / 10; i++)
		vmm_access_pair_round_trip();
	for (size_t b = 0; b < batches; b++) {
		uint64_t t0 = vmm_access_tsc_begin();
		for (size_t i = 0; i < per; i++)
			vmm_access_pair_round_trip();
		t[b] = (double)(vmm_access_tsc_end() - t0);
	}
	return vmm_access_pair_stop(err);
}

/*
 * Batches of TSC ticks to ns per exit, then the metrics <name>_ns (the mean), <name>_p50_ns and
 * <name>_p99_ns (over batches). Sorts t.
 */
static void vmexit_summarise(double *t, size_t batches, double exits_per_batch, double ns_per_tick,
			     const struct workload_ctx *ctx, struct sample_out *out,
			     const char *name)
{
	double sum = 0;
	for (size_t b = 0; b < batches; b++) {
		t[b] *= ns_per_tick / exits_per_batch;
		sum += t[b];
	}
	char metric[48];
	snprintf(metric, sizeof(metric), "%s_ns", name);
	workload_set_metric(out, ctx, metric, sum / (double)batches);
	snprintf(metric, sizeof(metric), "%s_p50_ns", name);
	workload_set_metric(out, ctx, metric, percentile_nearest_rank(t, batches, 50));
	snprintf(metric, sizeof(metric), "%s_p99_ns", name);
	workload_set_metric(out, ctx, metric, percentile_nearest_rank(t, batches, 99));
}

/* Why some metrics stay unmeasured; several reasons are kept, separated by "; ". */
static void vmexit_note(struct sample_out *out, const char *why)
{
	size_t n = strlen(out->note);
	snprintf(out->note + n, sizeof(out->note) - n, "%s%s", n ? "; " : "", why);
}

static int vmexit_run(const struct workload_ctx *ctx, struct sample_out *out, struct vb_error *err)
{
	double exits = workload_param(ctx, "exits"), batch = workload_param(ctx, "batch");
	if (!(exits >= 1 && batch >= 1 && batch <= exits))
		return error_set(err, "vm.exit: need 1 <= batch <= exits");
	size_t per = (size_t)batch, batches = (size_t)(exits / batch);
	size_t bytes = batches * sizeof(double);
	/* one array per kind: each is sorted when summarised, after every timed loop has run */
	double *t[4];
	for (int k = 0; k < 4; k++) {
		t[k] = platform_alloc(bytes, 64);
		if (!t[k]) {
			while (k-- > 0)
				platform_free(t[k], bytes);
			return error_set(err, "vm.exit: out of memory for %zu batches", batches);
		}
	}

	/* The TSC's rate against the platform clock, over the whole sample. */
	uint64_t c0 = vmm_access_tsc_begin(), n0 = platform_now_ns();
	struct vb_error why = { 0 };
	bool vmm = vmm_access_open(&why) == 0;
	if (vmm) {
		vmexit_time(VMEXIT_PIO, NULL, batches, per, t[0]);
		vmexit_time(VMEXIT_MMIO, vmm_access_mmio(), batches, per, t[1]);
	} else {
		vmexit_note(out, why.message);
	}
	vmexit_time(VMEXIT_CPUID, NULL, batches, per, t[2]);
	error_clear(&why);
	int halt = vmexit_time_halt(batches, per, t[3], &why);
	if (halt < 0)
		vmexit_note(out, why.message);
	uint64_t n1 = platform_now_ns(), c1 = vmm_access_tsc_end();

	int rc = 0;
	if (c1 > c0 && n1 > n0) {
		double ns_per_tick = (double)(n1 - n0) / (double)(c1 - c0);
		if (vmm) {
			vmexit_summarise(t[0], batches, (double)per, ns_per_tick, ctx, out, "pio");
			vmexit_summarise(t[1], batches, (double)per, ns_per_tick, ctx, out, "mmio");
		}
		vmexit_summarise(t[2], batches, (double)per, ns_per_tick, ctx, out, "cpuid");
		if (halt == 0)
			vmexit_summarise(t[3], batches, 2.0 * (double)per, ns_per_tick, ctx, out,
					 "hlt_wakeup");
		workload_record_size(out, "exits", (double)(batches * per));
		workload_record_size(out, "batch", (double)per);
		if (halt == 0)
			workload_record_size(out, "hlt_round_trips", (double)(batches * per));
	} else {
		rc = error_set(err, "vm.exit: the TSC or the clock did not advance");
	}
	for (int k = 0; k < 4; k++)
		platform_free(t[k], bytes);
	return rc;
}

static const struct workload vm_exit_workload = {
	.id = "vm.exit",
	.group = "vm",
	.description = "cost of one VM exit: outl and an MMIO write that vbench's VMM answers, "
		       "CPUID that the host kernel answers, HLT woken by an IPI (a futex ping-pong "
		       "between two vCPUs)",
	.params = {
		{ "exits", { 1000, 5000, 20000 }, "exits of each kind per sample (HLT: round trips "
						  "of two wake-ups)" },
		{ "batch", { 10, 10, 10 }, "exits per timed batch (p50/p99 are over batches)" },
	},
	.metrics = {
		{ "pio_ns", "ns", BETTER_LOWER },
		{ "pio_p50_ns", "ns", BETTER_LOWER },
		{ "pio_p99_ns", "ns", BETTER_LOWER },
		{ "mmio_ns", "ns", BETTER_LOWER },
		{ "mmio_p50_ns", "ns", BETTER_LOWER },
		{ "mmio_p99_ns", "ns", BETTER_LOWER },
		{ "cpuid_ns", "ns", BETTER_LOWER },
		{ "cpuid_p50_ns", "ns", BETTER_LOWER },
		{ "cpuid_p99_ns", "ns", BETTER_LOWER },
		{ "hlt_wakeup_ns", "ns", BETTER_LOWER },
		{ "hlt_wakeup_p50_ns", "ns", BETTER_LOWER },
		{ "hlt_wakeup_p99_ns", "ns", BETTER_LOWER },
	},
	.run = vmexit_run,
	/* No kernel: the bare guest runs it too, without the HLT wake-ups. */
	.needs = WORKLOAD_NEEDS_VMM,
	/* Attached perf events would add exits of their own (PMU MSRs) to every context switch. */
	.uncounted = true,
};

const struct workload *const vm_workloads[] = { &vm_exit_workload, NULL };
