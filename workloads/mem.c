/*
 * Memory workloads: STREAM bandwidth, pointer-chasing latency by working-set size, GUPS random
 * updates and page-stride TLB misses, all through the platform interface only.
 */
#include "workloads/mem.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/rng.h"
#include "workloads/platform.h"
#include "workloads/workload.h"

#define MEM_LINE 64

/* ---- pointer chasing ---- */

static uint64_t mem_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	return x ^ (x >> 33);
}

/* Uniform in [0, bound) without a division. */
static uint64_t mem_rng_below(struct rng *rng, uint64_t bound)
{
	return (uint64_t)(((unsigned __int128)rng_next(rng) * bound) >> 64);
}

void *mem_chase_build(void *buf, size_t slots, size_t stride, int spread_lines, struct rng *rng)
{
	size_t lines = stride / MEM_LINE;
	uint64_t salt = rng_next(rng);
	char *base = buf;
	/*
	 * Sattolo's shuffle runs on a compact index array (cache-friendly, so building a chain
	 * through 256 MiB takes a fraction of a second); the chain is then written in one pass.
	 */
	size_t order_bytes = slots * sizeof(uint32_t);
	uint32_t *next = platform_alloc(order_bytes, 64);
	if (!next || slots == 0 || slots > UINT32_MAX) {
		platform_free(next, order_bytes);
		return NULL;
	}
	for (size_t i = 0; i < slots; i++)
		next[i] = (uint32_t)i;
	for (size_t i = slots - 1; i > 0; i--) {
		size_t j = mem_rng_below(rng, i);
		uint32_t t = next[i];
		next[i] = next[j];
		next[j] = t;
	}
#define MEM_SLOT(i)                                                                                \
	((void **)(base + (i)*stride +                                                             \
		   (spread_lines && lines > 1 ? mem_mix((i) ^ salt) % lines * MEM_LINE : 0)))
	for (size_t i = 0; i < slots; i++)
		*MEM_SLOT(i) = MEM_SLOT((size_t)next[i]);
	platform_free(next, order_bytes);
	return MEM_SLOT(0);
#undef MEM_SLOT
}

void *mem_chase_walk(void *start, size_t loads)
{
	void **p = start;
	for (size_t i = loads / 8; i; i--) {
		/* clang-format off */
		p = *p; p = *p; p = *p; p = *p;
		p = *p; p = *p; p = *p; p = *p;
		/* clang-format on */
	}
	for (size_t i = loads % 8; i; i--)
		p = *p;
	return p;
}

/* Where chase results go, so that the loads cannot be optimised away. */
static void *volatile mem_sink;

static size_t mem_pow2_floor(size_t v)
{
	size_t p = 1;
	while (p <= v / 2)
		p <<= 1;
	return p;
}

static size_t mem_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* The harness always sends llc_bytes; a missing one (0) falls back here. */
static size_t mem_llc_bytes(const struct workload_ctx *ctx)
{
	double v = workload_param(ctx, "llc_bytes");
	if (v > 0)
		return (size_t)v;
	size_t llc = platform_cache_size(3);
	return llc ? llc : 8u << 20;
}

/* ---- sizing ---- */

size_t mem_budget_bytes(size_t memory_limit)
{
	/* A quarter and 64 MiB stay free; small limits keep a quarter for the workload. */
	size_t reserve = memory_limit / 4 + (64u << 20);
	if (memory_limit > reserve + memory_limit / 4)
		return memory_limit - reserve;
	return memory_limit / 4;
}

static size_t mem_budget(const struct workload_ctx *ctx)
{
	double limit = workload_param(ctx, "memory_limit");
	return limit > 0 ? mem_budget_bytes((size_t)limit) : 0;
}

size_t mem_stream_array_bytes(size_t llc, double llc_multiple, size_t max_total, size_t budget)
{
	size_t want = (size_t)(llc_multiple * (double)llc);
	size_t cap = mem_min(max_total, budget) / 3;
	return mem_min(want, cap) & ~(size_t)(MEM_LINE - 1);
}

size_t mem_gups_table_bytes(size_t llc, double llc_multiple, size_t max_bytes, size_t budget)
{
	size_t want = (size_t)(llc_multiple * (double)llc);
	size_t cap = mem_min(want, mem_min(max_bytes, budget));
	return cap ? mem_pow2_floor(cap) : 0;
}

uint64_t mem_gups_updates(size_t table_bytes)
{
	return 4 * (uint64_t)(table_bytes / sizeof(uint64_t));
}

#define MEM_LATENCY_SMALLEST 4096u
#define MEM_LATENCY_SIZES    10 /* 4 KiB .. 1 GiB in factors of 4 */

size_t mem_latency_top_bytes(size_t max_bytes, size_t budget)
{
	size_t top = 0;
	/* The chain's order array takes 4 bytes per 64-byte line while the chain is built. */
	for (size_t size = MEM_LATENCY_SMALLEST, i = 0; i < MEM_LATENCY_SIZES; i++, size *= 4)
		if (size <= max_bytes && size + size / 16 <= budget)
			top = size;
	return top;
}

void mem_latency_metric_name(size_t size, char *out, size_t len)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB" };
	size_t u = 0;
	while (size >= 1024 && size % 1024 == 0 && u + 1 < sizeof(units) / sizeof(units[0]))
		size /= 1024, u++;
	snprintf(out, len, "lat_%zu%s", size, units[u]);
}

size_t mem_loads_for_min_time(size_t loads, uint64_t ns, uint64_t min_ns)
{
	if (loads == 0)
		return 1;
	if (ns >= min_ns)
		return loads;
	double scale = ns ? (double)min_ns * 1.25 / (double)ns : 100.0;
	if (scale > 100.0)
		scale = 100.0;
	double next = (double)loads * scale;
	return next > (double)loads ? (size_t)next : loads + 1;
}

/*
 * Walk the chain for at least min_ns in one timed interval (a shorter one is mostly clock
 * granularity and the cost of reading it); returns ns per load, *ns_out the interval's length.
 */
static double mem_chase_timed(void **p, size_t loads, uint64_t min_ns, uint64_t *ns_out)
{
	for (int tries = 0;; tries++) {
		uint64_t t0 = platform_now_ns();
		*p = mem_chase_walk(*p, loads);
		uint64_t ns = platform_now_ns() - t0;
		size_t next = mem_loads_for_min_time(loads, ns, min_ns);
		if (next == loads || tries == 8) {
			*ns_out = ns;
			return (double)ns / (double)loads;
		}
		loads = next;
	}
}

/* Ask for the page size a workload intends and record what the kernel gave. */
static void mem_record_huge_pages(struct sample_out *out, const void *p, size_t bytes, int asked)
{
	workload_record_size(out, "thp_asked", asked);
	long long got = platform_huge_bytes(p, bytes);
	if (got >= 0)
		workload_record_size(out, "thp_bytes", (double)got);
}

/* ---- mem.stream ---- */

enum { STREAM_COPY, STREAM_SCALE, STREAM_ADD, STREAM_TRIAD, STREAM_KERNELS };

#define STREAM_SCALAR 3.0

struct mem_stream {
	double *a, *b, *c;
	size_t n, iterations;
	unsigned nthreads;
	uint64_t best[STREAM_KERNELS];
	uint64_t start;
};

static void mem_stream_worker(unsigned index, void *arg)
{
	struct mem_stream *s = arg;
	/* Slices on 8-element (cache line) boundaries, so threads never share a line. */
	size_t per = (s->n / s->nthreads + 7) & ~(size_t)7;
	size_t lo = mem_min((size_t)index * per, s->n), hi = mem_min(lo + per, s->n);
	double *restrict a = s->a, *restrict b = s->b, *restrict c = s->c;
	const double q = STREAM_SCALAR;
	/* Each thread first-touches its own slice, so pages land near the CPU that uses them. */
	for (size_t j = lo; j < hi; j++) {
		a[j] = 1.0;
		b[j] = 2.0;
		c[j] = 0.0;
	}
	for (size_t j = lo; j < hi; j++)
		a[j] = 2.0 * a[j];
	for (size_t k = 0; k < s->iterations; k++) {
		for (int kernel = 0; kernel < STREAM_KERNELS; kernel++) {
			platform_workers_barrier();
			if (index == 0)
				s->start = platform_now_ns();
			switch (kernel) {
			case STREAM_COPY:
				for (size_t j = lo; j < hi; j++)
					c[j] = a[j];
				break;
			case STREAM_SCALE:
				for (size_t j = lo; j < hi; j++)
					b[j] = q * c[j];
				break;
			case STREAM_ADD:
				for (size_t j = lo; j < hi; j++)
					c[j] = a[j] + b[j];
				break;
			case STREAM_TRIAD:
				for (size_t j = lo; j < hi; j++)
					a[j] = b[j] + q * c[j];
				break;
			}
			platform_workers_barrier();
			if (index == 0) {
				uint64_t t = platform_now_ns() - s->start;
				if (t < s->best[kernel])
					s->best[kernel] = t;
			}
		}
	}
}

static int mem_stream_run(const struct workload_ctx *ctx, struct sample_out *out,
			  struct vb_error *err)
{
	struct mem_stream s = { .nthreads = ctx->cpus ? ctx->cpus : 1 };
	size_t llc = mem_llc_bytes(ctx);
	size_t bytes =
		mem_stream_array_bytes(llc, workload_param(ctx, "llc_multiple"),
				       (size_t)workload_param(ctx, "max_bytes"), mem_budget(ctx));
	s.n = bytes / sizeof(double);
	s.iterations = (size_t)workload_param(ctx, "iterations");
	if (s.n < 8 * s.nthreads || s.iterations < 1)
		return error_set(err,
				 "mem.stream: arrays too small (%zu bytes within max_bytes "
				 "and the memory budget) or no iterations",
				 bytes);
	s.a = platform_alloc(3 * bytes, 2u << 20);
	if (!s.a)
		return error_set(err, "mem.stream: cannot allocate 3 x %zu bytes", bytes);
	/* Huge pages: bandwidth, not page walks, is what STREAM measures. */
	platform_huge_pages(s.a, 3 * bytes, 1);
	s.b = s.a + s.n;
	s.c = s.b + s.n;
	for (int k = 0; k < STREAM_KERNELS; k++)
		s.best[k] = UINT64_MAX;
	int rc = platform_run_workers(s.nthreads, mem_stream_worker, &s);
	if (rc != 0) {
		platform_free(s.a, 3 * bytes);
		return error_set(err, "mem.stream: cannot start %u threads", s.nthreads);
	}
	mem_record_huge_pages(out, s.a, 3 * bytes, 1);
	/* The values every element must hold, replayed on scalars (exact in binary floating point). */
	double aj = 2.0, bj = 2.0, cj = 0.0;
	for (size_t k = 0; k < s.iterations; k++) {
		cj = aj;
		bj = STREAM_SCALAR * cj;
		cj = aj + bj;
		aj = bj + STREAM_SCALAR * cj;
	}
	for (size_t j = 0; j < s.n; j += 509) {
		if (s.a[j] != aj || s.b[j] != bj || s.c[j] != cj) {
			rc = error_set(err,
				       "mem.stream: wrong value at element %zu (a %g, expected %g)",
				       j, s.a[j], aj);
			break;
		}
	}
	platform_free(s.a, 3 * bytes);
	if (rc != 0)
		return rc;
	static const double moved[STREAM_KERNELS] = { 2, 2, 3, 3 };
	static const char *const names[STREAM_KERNELS] = { "copy", "scale", "add", "triad" };
	for (int k = 0; k < STREAM_KERNELS; k++)
		workload_set_metric(out, ctx, names[k],
				    moved[k] * (double)bytes /
					    ((double)(s.best[k] ? s.best[k] : 1) * 1e-9) / 1e6);
	/* STREAM's rule: each array at least 4x the last-level cache. */
	workload_record_size(out, "array_bytes", (double)bytes);
	workload_record_size(out, "working_set_bytes", 3.0 * (double)bytes);
	workload_record_size(out, "llc_bytes", (double)llc);
	workload_record_size(out, "llc_multiple", (double)bytes / (double)llc);
	workload_record_size(out, "iterations", (double)s.iterations);
	return 0;
}

static const struct workload mem_stream_workload = {
	.id = "mem.stream",
	.group = "mem",
	.description = "STREAM copy/scale/add/triad on all CPUs, best iteration, arrays up to 4x the LLC (huge pages)",
	.params = {
		PARAM_HOST("llc_bytes", PARAM_HOST_LLC_BYTES,
			   "last-level cache size in bytes (from the host)"),
		{ "llc_multiple", { 4, 4, 4 }, "each array is this many times the LLC (capped by max_bytes)" },
		{ "max_bytes", { 24 << 20, 1536ULL << 20, 8ULL << 30 }, "cap on the three arrays together" },
		PARAM_HOST("memory_limit", PARAM_HOST_MEMORY_LIMIT,
			   "the run's memory limit; the arrays fit its budget"),
		{ "iterations", { 2, 2, 8 }, "passes of the four kernels; the best is reported" },
	},
	.metrics = {
		{ "copy", "MB/s", BETTER_HIGHER },
		{ "scale", "MB/s", BETTER_HIGHER },
		{ "add", "MB/s", BETTER_HIGHER },
		{ "triad", "MB/s", BETTER_HIGHER },
	},
	.run = mem_stream_run,
};

/* ---- mem.latency ---- */

static int mem_latency_run(const struct workload_ctx *ctx, struct sample_out *out,
			   struct vb_error *err)
{
	size_t max = (size_t)workload_param(ctx, "max_bytes");
	size_t loads = (size_t)workload_param(ctx, "loads");
	uint64_t min_ns = (uint64_t)(workload_param(ctx, "min_time_ms") * 1e6);
	if (max < MEM_LATENCY_SMALLEST || loads < 1)
		return error_set(err, "mem.latency: max_bytes must be >= 4096 and loads >= 1");
	size_t top = mem_latency_top_bytes(max, mem_budget(ctx));
	if (top == 0)
		return error_set(err, "mem.latency: the memory budget holds no working set");
	void *buf = platform_alloc(top, 2u << 20);
	if (!buf)
		return error_set(err, "mem.latency: cannot allocate %zu bytes", top);
	/* Huge pages: the curve is the caches' and memory's; mem.tlb measures page walks. */
	platform_huge_pages(buf, top, 1);
	struct rng rng;
	rng_seed(&rng, ctx->seed);
	uint64_t shortest = UINT64_MAX;
	size_t size = MEM_LATENCY_SMALLEST;
	for (int i = 0; i < MEM_LATENCY_SIZES; i++, size *= 4) {
		if (size > top)
			continue; /* stays NaN: the note says why */
		size_t slots = size / MEM_LINE;
		void *p = mem_chase_build(buf, slots, MEM_LINE, 0, &rng);
		if (!p) {
			platform_free(buf, top);
			return error_set(err, "mem.latency: cannot allocate the chain order");
		}
		/* One lap (up to `loads`) untimed, so small sets are in cache when the clock starts. */
		p = mem_chase_walk(p, mem_min(slots, loads));
		uint64_t ns;
		char name[24];
		mem_latency_metric_name(size, name, sizeof(name));
		workload_set_metric(out, ctx, name, mem_chase_timed(&p, loads, min_ns, &ns));
		mem_sink = p;
		shortest = ns < shortest ? ns : shortest;
	}
	mem_record_huge_pages(out, buf, top, 1);
	platform_free(buf, top);
	workload_record_size(out, "working_set_max_bytes", (double)top);
	workload_record_size(out, "min_timed_ns", (double)shortest);
	if (top < (MEM_LATENCY_SMALLEST << 2 * (MEM_LATENCY_SIZES - 1)))
		snprintf(out->note, sizeof(out->note),
			 "working sets above %zu KiB are not measured (this suite's max_bytes: %zu "
			 "KiB; the memory budget of --memory: %zu KiB)",
			 top >> 10, max >> 10, mem_budget(ctx) >> 10);
	return 0;
}

/* The metric of the working-set size bytes, declared as its point of the latency curve. */
#define MEM_LATENCY_POINT(label, bytes)                                                            \
	{                                                                                          \
		"lat_" label, "ns", BETTER_LOWER, .curve_bytes = (double)(bytes)                   \
	}

static const struct workload mem_latency_workload = {
	.id = "mem.latency",
	.group = "mem",
	.description = "dependent loads through a random cyclic chain of cache lines, by working-set size (huge pages)",
	.params = {
		{ "max_bytes", { 4 << 20, 256 << 20, 1024ULL << 20 }, "largest working set measured" },
		PARAM_HOST("memory_limit", PARAM_HOST_MEMORY_LIMIT,
			   "the run's memory limit; the largest working set fits its budget"),
		{ "loads", { 100000, 200000, 600000 }, "timed loads per working-set size, at least" },
		{ "min_time_ms", { 10, 10, 10 }, "each size's timed interval lasts at least this long" },
	},
	.metrics = {
		MEM_LATENCY_POINT("4KiB", 4ull << 10),
		MEM_LATENCY_POINT("16KiB", 16ull << 10),
		MEM_LATENCY_POINT("64KiB", 64ull << 10),
		MEM_LATENCY_POINT("256KiB", 256ull << 10),
		MEM_LATENCY_POINT("1MiB", 1ull << 20),
		MEM_LATENCY_POINT("4MiB", 4ull << 20),
		MEM_LATENCY_POINT("16MiB", 16ull << 20),
		MEM_LATENCY_POINT("64MiB", 64ull << 20),
		MEM_LATENCY_POINT("256MiB", 256ull << 20),
		MEM_LATENCY_POINT("1GiB", 1ull << 30),
	},
	.run = mem_latency_run,
};

/* ---- mem.gups ---- */

#define GUPS_POLY 0x7ull

struct mem_gups {
	uint64_t *table;
	size_t entries;
	uint64_t updates_per_thread;
	unsigned nthreads;
	uint64_t seed;
	uint64_t t0[64], t1[64], xor[64];
};

static void mem_gups_worker(unsigned index, void *arg)
{
	struct mem_gups *g = arg;
	size_t per = g->entries / g->nthreads;
	size_t lo = index * per, hi = index + 1 == g->nthreads ? g->entries : lo + per;
	for (size_t i = lo; i < hi; i++)
		g->table[i] = i;
	struct rng rng;
	rng_seed(&rng, g->seed + index);
	uint64_t ran = rng_next(&rng) | 1, acc = 0, mask = g->entries - 1;
	uint64_t *table = g->table;
	platform_workers_barrier();
	uint64_t t0 = platform_now_ns();
	/* HPCC RandomAccess: a GF(2) LFSR stream picks the entry and is xor'ed into it. */
	for (uint64_t i = 0; i < g->updates_per_thread; i++) {
		ran = (ran << 1) ^ ((int64_t)ran < 0 ? GUPS_POLY : 0);
		table[ran & mask] ^= ran;
		acc ^= ran;
	}
	g->t1[index] = platform_now_ns();
	g->t0[index] = t0;
	g->xor [index] = acc;
}

static int mem_gups_run(const struct workload_ctx *ctx, struct sample_out *out,
			struct vb_error *err)
{
	struct mem_gups g = { .nthreads = ctx->cpus ? ctx->cpus : 1, .seed = ctx->seed };
	if (g.nthreads > 64)
		g.nthreads = 64;
	size_t llc = mem_llc_bytes(ctx);
	size_t bytes =
		mem_gups_table_bytes(llc, workload_param(ctx, "llc_multiple"),
				     (size_t)workload_param(ctx, "max_bytes"), mem_budget(ctx));
	g.entries = bytes / sizeof(uint64_t);
	uint64_t updates = mem_gups_updates(bytes);
	if (g.entries < 1024 || updates < g.nthreads)
		return error_set(err,
				 "mem.gups: table too small (%zu bytes within max_bytes and the "
				 "memory budget)",
				 bytes);
	g.updates_per_thread = updates / g.nthreads;
	g.table = platform_alloc(bytes, 2u << 20);
	if (!g.table)
		return error_set(err, "mem.gups: cannot allocate %zu bytes", bytes);
	/* Huge pages: random updates to memory, not page walks (mem.tlb has those). */
	platform_huge_pages(g.table, bytes, 1);
	if (platform_run_workers(g.nthreads, mem_gups_worker, &g) != 0) {
		platform_free(g.table, bytes);
		return error_set(err, "mem.gups: cannot start %u threads", g.nthreads);
	}
	mem_record_huge_pages(out, g.table, bytes, 1);
	/*
	 * Each update changes the xor of the whole table by exactly its value. Concurrent threads
	 * may lose an update now and then (as HPCC allows), so only one thread is checked exactly.
	 */
	uint64_t expect = 0, got = 0, first = UINT64_MAX, last = 0;
	for (unsigned t = 0; t < g.nthreads; t++) {
		expect ^= g.xor [t];
		first = g.t0[t] < first ? g.t0[t] : first;
		last = g.t1[t] > last ? g.t1[t] : last;
	}
	for (size_t i = 0; i < g.entries; i++)
		got ^= g.table[i] ^ i;
	platform_free(g.table, bytes);
	if (g.nthreads == 1 && got != expect)
		return error_set(err, "mem.gups: table checksum mismatch after updates");
	double total = (double)g.updates_per_thread * g.nthreads;
	/* per ns = giga per s */
	workload_set_metric(out, ctx, "gups", total / (double)(last > first ? last - first : 1));
	workload_record_size(out, "table_bytes", (double)bytes);
	workload_record_size(out, "working_set_bytes", (double)bytes);
	workload_record_size(out, "updates", total);
	workload_record_size(out, "llc_bytes", (double)llc);
	workload_record_size(out, "llc_multiple", (double)bytes / (double)llc);
	return 0;
}

static const struct workload mem_gups_workload = {
	.id = "mem.gups",
	.group = "mem",
	.description = "GUPS (HPCC RandomAccess): 4 random xor updates per entry of a table up to 4x the LLC (huge pages)",
	.params = {
		PARAM_HOST("llc_bytes", PARAM_HOST_LLC_BYTES,
			   "last-level cache size in bytes (from the host)"),
		{ "llc_multiple", { 4, 4, 4 }, "table size as a multiple of the LLC (power of two, capped)" },
		{ "max_bytes", { 16 << 20, 256 << 20, 512 << 20 }, "cap on the table size" },
		PARAM_HOST("memory_limit", PARAM_HOST_MEMORY_LIMIT,
			   "the run's memory limit; the table fits its budget (updates: 4 per entry, as HPCC)"),
	},
	.metrics = {
		{ "gups", "GUP/s", BETTER_HIGHER },
	},
	.run = mem_gups_run,
};

/* ---- mem.tlb ---- */

static int mem_tlb_run(const struct workload_ctx *ctx, struct sample_out *out, struct vb_error *err)
{
	size_t page = platform_page_size();
	size_t pages = (size_t)workload_param(ctx, "pages");
	size_t accesses = (size_t)workload_param(ctx, "accesses");
	uint64_t min_ns = (uint64_t)(workload_param(ctx, "min_time_ms") * 1e6);
	/* The chain's order array takes 4 bytes per page beside the pages. */
	pages = mem_min(pages, mem_budget(ctx) / (page + 4));
	if (pages < 2 || accesses < 1)
		return error_set(err, "mem.tlb: pages must be >= 2 (within the memory budget) and "
				      "accesses >= 1");
	size_t bytes = pages * page;
	void *buf = platform_alloc(bytes, page);
	if (!buf)
		return error_set(err, "mem.tlb: cannot allocate %zu bytes", bytes);
	/* Huge pages would hide exactly the misses this measures. */
	platform_huge_pages(buf, bytes, 0);
	struct rng rng;
	rng_seed(&rng, ctx->seed);
	void *p = mem_chase_build(buf, pages, page, 1, &rng);
	if (!p) {
		platform_free(buf, bytes);
		return error_set(err, "mem.tlb: cannot allocate the chain order");
	}
	p = mem_chase_walk(p, pages);
	uint64_t ns;
	workload_set_metric(out, ctx, "ns_per_access", mem_chase_timed(&p, accesses, min_ns, &ns));
	mem_sink = p;
	mem_record_huge_pages(out, buf, bytes, 0);
	platform_free(buf, bytes);
	workload_record_size(out, "pages", (double)pages);
	workload_record_size(out, "page_bytes", (double)page);
	workload_record_size(out, "min_timed_ns", (double)ns);
	return 0;
}

static const struct workload mem_tlb_workload = {
	.id = "mem.tlb",
	.group = "mem",
	.description = "one dependent load per 4 KiB page in random order (base pages): TLB-miss cost",
	.params = {
		{ "pages", { 4096, 16384, 65536 }, "pages in the chain (64 B touched per page)" },
		PARAM_HOST("memory_limit", PARAM_HOST_MEMORY_LIMIT,
			   "the run's memory limit; the pages fit its budget"),
		{ "accesses", { 200000, 2000000, 3000000 }, "timed loads, at least" },
		{ "min_time_ms", { 10, 10, 10 }, "the timed interval lasts at least this long" },
	},
	.metrics = {
		{ "ns_per_access", "ns", BETTER_LOWER },
	},
	.run = mem_tlb_run,
};

const struct workload *const mem_workloads[] = {
	&mem_stream_workload, &mem_latency_workload, &mem_gups_workload, &mem_tlb_workload, NULL,
};
