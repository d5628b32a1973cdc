/*
 * Memory workloads: STREAM bandwidth, pointer-chasing latency by working-set size, GUPS random
 * updates and page-stride TLB misses, all through the platform interface only.
 */
#include "workloads/mem.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

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
static uint64_t mem_rng_below(struct platform_rng *rng, uint64_t bound)
{
	return (uint64_t)(((unsigned __int128)platform_rng_next(rng) * bound) >> 64);
}

void *mem_chase_build(void *buf, size_t slots, size_t stride, int spread_lines,
		      struct platform_rng *rng)
{
	size_t lines = stride / MEM_LINE;
	uint64_t salt = platform_rng_next(rng);
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

/* The harness always sends llc_bytes; a missing one (0 or PARAM_FROM_HOST) falls back here. */
static size_t mem_llc_bytes(const struct workload_ctx *ctx)
{
	double v = workload_param(ctx, "llc_bytes");
	if (v > 0)
		return (size_t)v;
	size_t llc = platform_cache_size(3);
	return llc ? llc : 8u << 20;
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
	size_t want = (size_t)(workload_param(ctx, "llc_multiple") * (double)llc);
	size_t cap = (size_t)workload_param(ctx, "max_bytes") / 3;
	s.n = mem_min(want, cap) / sizeof(double) & ~(size_t)7;
	s.iterations = (size_t)workload_param(ctx, "iterations");
	if (s.n < 8 * s.nthreads || s.iterations < 1)
		return error_set(err, "mem.stream: arrays too small or no iterations");
	size_t bytes = s.n * sizeof(double);
	s.a = platform_alloc(3 * bytes, 2u << 20);
	if (!s.a)
		return error_set(err, "mem.stream: cannot allocate 3 x %zu bytes", bytes);
	s.b = s.a + s.n;
	s.c = s.b + s.n;
	for (int k = 0; k < STREAM_KERNELS; k++)
		s.best[k] = UINT64_MAX;
	int rc = platform_run_workers(s.nthreads, mem_stream_worker, &s);
	if (rc != 0) {
		platform_free(s.a, 3 * bytes);
		return error_set(err, "mem.stream: cannot start %u threads", s.nthreads);
	}
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
	for (int k = 0; k < STREAM_KERNELS; k++)
		out->value[k] = moved[k] * (double)bytes /
				((double)(s.best[k] ? s.best[k] : 1) * 1e-9) / 1e6;
	return 0;
}

static const struct workload mem_stream_workload = {
	.id = "mem.stream",
	.group = "mem",
	.description = "STREAM copy/scale/add/triad on all CPUs, best iteration, arrays beyond the LLC",
	.params = {
		{ "llc_bytes", { PARAM_FROM_HOST, PARAM_FROM_HOST, PARAM_FROM_HOST },
		  "last-level cache size in bytes (from the host)" },
		{ "llc_multiple", { 4, 4, 4 }, "each array is this many times the LLC (capped by max_bytes)" },
		{ "max_bytes", { 24 << 20, 1536ULL << 20, 1536ULL << 20 }, "cap on the three arrays together" },
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

#define MEM_LATENCY_SIZES 10 /* 4 KiB .. 1 GiB in factors of 4 */

static int mem_latency_run(const struct workload_ctx *ctx, struct sample_out *out,
			   struct vb_error *err)
{
	size_t max = (size_t)workload_param(ctx, "max_bytes");
	size_t loads = (size_t)workload_param(ctx, "loads");
	if (max < 4096 || loads < 1)
		return error_set(err, "mem.latency: max_bytes must be >= 4096 and loads >= 1");
	size_t top = 4096;
	while (top * 4 <= max && top < (1024u << 20))
		top *= 4;
	void *buf = platform_alloc(top, 2u << 20);
	if (!buf)
		return error_set(err, "mem.latency: cannot allocate %zu bytes", top);
	struct platform_rng rng;
	platform_rng_seed(&rng, ctx->seed);
	size_t size = 4096;
	for (int i = 0; i < MEM_LATENCY_SIZES; i++, size *= 4) {
		if (size > top)
			continue; /* stays NaN: not measured in this suite */
		size_t slots = size / MEM_LINE;
		void *p = mem_chase_build(buf, slots, MEM_LINE, 0, &rng);
		if (!p) {
			platform_free(buf, top);
			return error_set(err, "mem.latency: cannot allocate the chain order");
		}
		/* One lap (up to `loads`) untimed, so small sets are in cache when the clock starts. */
		p = mem_chase_walk(p, mem_min(slots, loads));
		uint64_t t0 = platform_now_ns();
		p = mem_chase_walk(p, loads);
		uint64_t t1 = platform_now_ns();
		mem_sink = p;
		out->value[i] = (double)(t1 - t0) / (double)loads;
	}
	platform_free(buf, top);
	if (top < (1024u << 20))
		snprintf(out->note, sizeof(out->note),
			 "larger than this suite's largest working set (%zu %s, max_bytes)",
			 top >> (top >> 20 ? 20 : 10), top >> 20 ? "MiB" : "KiB");
	return 0;
}

static const struct workload mem_latency_workload = {
	.id = "mem.latency",
	.group = "mem",
	.description = "dependent loads through a random cyclic chain of cache lines, by working-set size",
	.params = {
		{ "max_bytes", { 4 << 20, 256 << 20, 1024ULL << 20 }, "largest working set measured" },
		{ "loads", { 100000, 200000, 600000 }, "timed loads per working-set size" },
	},
	.metrics = {
		{ "lat_4KiB", "ns", BETTER_LOWER },
		{ "lat_16KiB", "ns", BETTER_LOWER },
		{ "lat_64KiB", "ns", BETTER_LOWER },
		{ "lat_256KiB", "ns", BETTER_LOWER },
		{ "lat_1MiB", "ns", BETTER_LOWER },
		{ "lat_4MiB", "ns", BETTER_LOWER },
		{ "lat_16MiB", "ns", BETTER_LOWER },
		{ "lat_64MiB", "ns", BETTER_LOWER },
		{ "lat_256MiB", "ns", BETTER_LOWER },
		{ "lat_1GiB", "ns", BETTER_LOWER },
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
	struct platform_rng rng;
	platform_rng_seed(&rng, g->seed + index);
	uint64_t ran = platform_rng_next(&rng) | 1, acc = 0, mask = g->entries - 1;
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
	size_t want = (size_t)(workload_param(ctx, "llc_multiple") * (double)mem_llc_bytes(ctx));
	size_t bytes = mem_pow2_floor(mem_min(want, (size_t)workload_param(ctx, "max_bytes")));
	g.entries = bytes / sizeof(uint64_t);
	double updates = workload_param(ctx, "updates");
	if (g.entries < 1024 || updates < g.nthreads)
		return error_set(err, "mem.gups: table or update count too small");
	g.updates_per_thread = (uint64_t)(updates / g.nthreads);
	g.table = platform_alloc(bytes, 2u << 20);
	if (!g.table)
		return error_set(err, "mem.gups: cannot allocate %zu bytes", bytes);
	if (platform_run_workers(g.nthreads, mem_gups_worker, &g) != 0) {
		platform_free(g.table, bytes);
		return error_set(err, "mem.gups: cannot start %u threads", g.nthreads);
	}
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
	out->value[0] = total / (double)(last > first ? last - first : 1); /* per ns = giga per s */
	return 0;
}

static const struct workload mem_gups_workload = {
	.id = "mem.gups",
	.group = "mem",
	.description = "GUPS (HPCC RandomAccess) random xor updates on all CPUs over a table beyond the LLC",
	.params = {
		{ "llc_bytes", { PARAM_FROM_HOST, PARAM_FROM_HOST, PARAM_FROM_HOST },
		  "last-level cache size in bytes (from the host)" },
		{ "llc_multiple", { 4, 4, 4 }, "table size as a multiple of the LLC (power of two, capped)" },
		{ "max_bytes", { 16 << 20, 256 << 20, 512 << 20 }, "cap on the table size" },
		{ "updates", { 1 << 20, 1 << 22, 1 << 25 }, "updates in total, split across threads" },
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
	if (pages < 2 || accesses < 1)
		return error_set(err, "mem.tlb: pages must be >= 2 and accesses >= 1");
	size_t bytes = pages * page;
	void *buf = platform_alloc(bytes, page);
	if (!buf)
		return error_set(err, "mem.tlb: cannot allocate %zu bytes", bytes);
	/* Huge pages would hide exactly the misses this measures. */
	platform_no_huge_pages(buf, bytes);
	struct platform_rng rng;
	platform_rng_seed(&rng, ctx->seed);
	void *p = mem_chase_build(buf, pages, page, 1, &rng);
	if (!p) {
		platform_free(buf, bytes);
		return error_set(err, "mem.tlb: cannot allocate the chain order");
	}
	p = mem_chase_walk(p, pages);
	uint64_t t0 = platform_now_ns();
	p = mem_chase_walk(p, accesses);
	uint64_t t1 = platform_now_ns();
	mem_sink = p;
	platform_free(buf, bytes);
	out->value[0] = (double)(t1 - t0) / (double)accesses;
	return 0;
}

static const struct workload mem_tlb_workload = {
	.id = "mem.tlb",
	.group = "mem",
	.description = "one dependent load per 4 KiB page in random order (base pages): TLB-miss cost",
	.params = {
		{ "pages", { 4096, 16384, 65536 }, "pages in the chain (64 B touched per page)" },
		{ "accesses", { 200000, 2000000, 3000000 }, "timed loads" },
	},
	.metrics = {
		{ "ns_per_access", "ns", BETTER_LOWER },
	},
	.run = mem_tlb_run,
};

const struct workload *const mem_workloads[] = {
	&mem_stream_workload, &mem_latency_workload, &mem_gups_workload, &mem_tlb_workload, NULL,
};
