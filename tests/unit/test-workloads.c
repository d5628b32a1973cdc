/* Unit tests for the workload registry, the platform interface and the workload kernels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <linux/perf_event.h>
#include <math.h>
#include <sched.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "workloads/lz.h"
#include "workloads/mem.h"
#include "workloads/os.h"
#include "workloads/percentile.h"
#include "common/rng.h"
#include "workloads/platform.h"
#include "workloads/sha256.h"
#include "workloads/workload.h"

static void test_registry_entries_are_complete(void **state)
{
	(void)state;
	const struct workload *w;
	size_t count = 0;
	for (size_t i = 0; (w = workload_at(i)); i++, count++) {
		assert_non_null(w->id);
		assert_non_null(w->group);
		assert_non_null(w->description);
		assert_true(strlen(w->description) > 0);
		/* Ids read "<group>.<name>". */
		assert_true(strncmp(w->id, w->group, strlen(w->group)) == 0);
		assert_true(w->host_side || w->run != NULL);
		assert_ptr_equal(workload_find(w->id), w);

		size_t nm = workload_metric_count(w);
		assert_in_range(nm, 1, WORKLOAD_MAX_METRICS);
		for (size_t m = 0; m < nm; m++) {
			const struct metric_def *md = &w->metrics[m];
			assert_true(strlen(md->name) > 0 && strlen(md->name) <= 48);
			assert_non_null(md->unit);
			assert_true(strlen(md->unit) > 0);
			assert_true(md->better == BETTER_HIGHER || md->better == BETTER_LOWER);
			assert_int_equal(workload_metric_index(w, md->name), (int)m);
		}
		size_t np = workload_param_count(w);
		assert_true(np <= WORKLOAD_MAX_PARAMS);
		for (size_t p = 0; p < np; p++) {
			const struct param_def *pd = &w->params[p];
			assert_true(strlen(pd->name) > 0);
			assert_non_null(pd->help);
			assert_int_equal(workload_param_index(w, pd->name), (int)p);
			for (int s = 0; s < SUITE_COUNT && pd->from == PARAM_FROM_SUITE; s++) {
				double v = pd->value[s];
				assert_true(isfinite(v));
				assert_true(v > 0);
			}
		}
		for (size_t j = 0; j < i; j++)
			assert_string_not_equal(workload_at(j)->id, w->id);
	}
	assert_true(count >= 15);
	assert_null(workload_find("no.such.workload"));
}

static void test_registry_has_the_required_workloads(void **state)
{
	(void)state;
	static const char *const ids[] = { "cpu.sha256", "cpu.matmul", "cpu.sort",     "cpu.nbody",
					   "cpu.lz",	 "mem.stream", "mem.latency",  "mem.gups",
					   "mem.tlb",	 "os.syscall", "os.ctxsw",     "os.fork",
					   "os.thread",	 "os.clock",   "mem.pagefault" };
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		assert_non_null(workload_find(ids[i]));
	const struct workload *stream = workload_find("mem.stream");
	int llc = workload_param_index(stream, "llc_bytes");
	assert_true(llc >= 0);
	assert_int_equal(stream->params[llc].from, PARAM_HOST_LLC_BYTES);
	const struct workload *lat = workload_find("mem.latency");
	assert_true(workload_metric_index(lat, "lat_4KiB") == 0);
	assert_true(workload_metric_index(lat, "lat_256MiB") > 0);
}

/* What workloads declare of their metrics, which the reports read instead of names. */
static void test_registry_declarations(void **state)
{
	(void)state;
	/* every mem.latency metric is the point of the curve at the size it is measured at */
	const struct workload *lat = workload_find("mem.latency");
	for (size_t m = 0; m < workload_metric_count(lat); m++) {
		char name[48];
		assert_true(lat->metrics[m].curve_bytes >= 4096);
		mem_latency_metric_name((size_t)lat->metrics[m].curve_bytes, name, sizeof(name));
		assert_string_equal(lat->metrics[m].name, name);
	}
	const struct workload *w;
	size_t percentiles = 0, named = 0;
	for (size_t i = 0; (w = workload_at(i)); i++) {
		for (size_t m = 0; m < workload_metric_count(w); m++) {
			const struct metric_def *md = &w->metrics[m];
			/* names belong to identifiers, curves to one workload */
			assert_true(!md->value_names || !strcmp(md->unit, "id"));
			assert_true(md->curve_bytes == 0 || w == lat);
			if (md->flags & METRIC_IO_PERCENTILE) {
				assert_true(w->needs &
					    (WORKLOAD_NEEDS_DISK | WORKLOAD_NEEDS_NETWORK));
				assert_int_equal(md->better, BETTER_LOWER);
				percentiles++;
			}
			named += md->value_names != NULL;
		}
	}
	assert_int_equal(percentiles, 14); /* io.blk: 2 x 4 and fsync's 2; io.net.rr: 4 */
	assert_int_equal(named, 2);	   /* io.blk.randread's and randwrite's engine */
	/* the harness measures lifecycle figures itself */
	assert_true(workload_find("lifecycle.start")->host_side);
}

static void smoke_ctx(const struct workload *w, struct workload_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->workload = w;
	ctx->cpus = 2;
	ctx->seed = 12345;
	size_t llc = platform_cache_size(3);
	for (size_t p = 0; p < workload_param_count(w); p++) {
		double v = w->params[p].value[SUITE_SMOKE];
		switch (w->params[p].from) {
		case PARAM_FROM_SUITE: break;
		case PARAM_HOST_MEMORY_LIMIT: v = 2.0 * (1u << 30); break;
		case PARAM_HOST_CPUS: v = 2; break;
		case PARAM_HOST_LLC_BYTES: v = (double)(llc ? llc : 8u << 20); break;
		}
		ctx->params[p] = v;
	}
}

/* smoke_ctx, and a sample_out as the agent hands it over: zeroed, every metric unmeasured. */
static void smoke_sample(const struct workload *w, struct workload_ctx *ctx, struct sample_out *out)
{
	smoke_ctx(w, ctx);
	memset(out, 0, sizeof(*out));
	for (int m = 0; m < WORKLOAD_MAX_METRICS; m++)
		out->value[m] = NAN;
}

static void test_every_workload_runs_in_smoke(void **state)
{
	(void)state;
	const struct workload *w;
	for (size_t i = 0; (w = workload_at(i)); i++) {
		if (w->host_side || w->only_when_named)
			continue; /* self-tests crash and hang on purpose; integration tests cover them */
		struct workload_ctx ctx;
		struct sample_out out;
		struct vb_error err = { 0 };
		smoke_sample(w, &ctx, &out);
		int rc = w->run(&ctx, &out, &err);
		if (rc == WORKLOAD_UNSUPPORTED)
			continue; /* needs a disk or a network peer this test does not give it */
		if (rc != 0)
			fail_msg("%s", err.message);
		/* every name set is in the table; what stays unmeasured, the note explains */
		if (out.unknown_metric[0])
			fail_msg("%s set metric %s, not in its table", w->id, out.unknown_metric);
		size_t measured = 0;
		for (size_t m = 0; m < workload_metric_count(w); m++) {
			const char *name = w->metrics[m].name;
			double v = out.value[m];
			if (isnan(v)) {
				if (!out.note[0])
					fail_msg("%s: %s not measured, and no note says why", w->id,
						 name);
				continue;
			}
			measured++;
			if (!isfinite(v) || v <= 0)
				fail_msg("%s: metric %s = %g", w->id, name, v);
			/* a p50 set where its p99 belongs (or the reverse) shows here */
			const char *p50 = strstr(name, "_p50_");
			if (p50) {
				char p99[64];
				snprintf(p99, sizeof(p99), "%.*s_p99_%s", (int)(p50 - name), name,
					 p50 + 5);
				int hi = workload_metric_index(w, p99);
				assert_true(hi >= 0);
				if (!(v <= out.value[hi]))
					fail_msg("%s: %s = %g above %s = %g", w->id, name, v, p99,
						 out.value[hi]);
			}
		}
		if (measured == 0)
			fail_msg("%s measured nothing", w->id);
	}
}

/* Metrics are set by name: the value lands at its name's place; an unknown name is caught. */
static void test_metrics_are_set_by_name(void **state)
{
	(void)state;
	static const struct workload w = {
		.id = "x.three",
		.group = "x",
		.metrics = { { "a", "1", BETTER_HIGHER },
			     { "b", "1", BETTER_HIGHER },
			     { "c", "1", BETTER_LOWER } },
	};
	struct workload_ctx ctx = { .workload = &w };
	struct sample_out out = { 0 };
	memset(&out, 0, sizeof(out));
	for (int m = 0; m < WORKLOAD_MAX_METRICS; m++)
		out.value[m] = NAN;
	workload_set_metric(&out, &ctx, "c", 3);
	workload_set_metric(&out, &ctx, "a", 1);
	assert_true(out.value[0] == 1 && isnan(out.value[1]) && out.value[2] == 3);
	assert_string_equal(out.unknown_metric, "");
	workload_set_metric(&out, &ctx, "B", 2);
	workload_set_metric(&out, &ctx, "d", 4);
	assert_string_equal(out.unknown_metric, "B"); /* the first unknown name is kept */
	assert_true(isnan(out.value[1]) && isnan(out.value[3]));
}

static void test_latency_leaves_sizes_above_max_unmeasured(void **state)
{
	(void)state;
	const struct workload *w = workload_find("mem.latency");
	struct workload_ctx ctx;
	struct sample_out out = { 0 };
	struct vb_error err = { 0 };
	smoke_ctx(w, &ctx);
	ctx.params[workload_param_index(w, "max_bytes")] = 64 << 10;
	memset(&out, 0, sizeof(out));
	for (int m = 0; m < WORKLOAD_MAX_METRICS; m++)
		out.value[m] = NAN;
	assert_int_equal(w->run(&ctx, &out, &err), 0);
	assert_false(isnan(out.value[workload_metric_index(w, "lat_64KiB")]));
	assert_true(isnan(out.value[workload_metric_index(w, "lat_256KiB")]));
	assert_true(isnan(out.value[workload_metric_index(w, "lat_256MiB")]));
}

static void test_bad_parameters_are_errors_not_crashes(void **state)
{
	(void)state;
	static const struct {
		const char *id, *param;
		double value;
	} cases[] = {
		{ "cpu.matmul", "n", 1 },     { "cpu.sort", "keys", 3 },
		{ "cpu.nbody", "bodies", 1 }, { "mem.latency", "max_bytes", 100 },
		{ "mem.tlb", "pages", 1 },    { "mem.gups", "max_bytes", 64 },
		{ "os.syscall", "batch", 0 }, { "mem.pagefault", "bytes", 4096 },
		{ "vm.exit", "batch", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct workload *w = workload_find(cases[i].id);
		struct workload_ctx ctx;
		struct sample_out out = { 0 };
		struct vb_error err = { 0 };
		assert_non_null(w);
		memset(&out, 0, sizeof(out));
		smoke_ctx(w, &ctx);
		int p = workload_param_index(w, cases[i].param);
		assert_true(p >= 0);
		ctx.params[p] = cases[i].value;
		assert_int_equal(w->run(&ctx, &out, &err), -1);
		assert_true(strlen(err.message) > 0);
	}
}

/* Nearest rank: the smallest value with at least pct% of them at or below it; sorts in place. */
static void test_percentile_nearest_rank_on_known_arrays(void **state)
{
	(void)state;
	double five[] = { 5, 1, 4, 2, 3 };
	assert_true(percentile_nearest_rank(five, 5, 50) == 3);
	for (int i = 0; i < 5; i++)
		assert_true(five[i] == i + 1);
	assert_true(percentile_nearest_rank(five, 5, 99) == 5);
	assert_true(percentile_nearest_rank(five, 5, 20) == 1);
	assert_true(percentile_nearest_rank(five, 5, 21) == 2);
	assert_true(percentile_nearest_rank(five, 5, 100) == 5);

	/* 1..1000 in a scrambled order (7 is coprime to 1000): the ranks are exact */
	static double thousand[1000];
	for (int i = 0; i < 1000; i++)
		thousand[i] = (double)((i * 7) % 1000 + 1);
	assert_true(percentile_nearest_rank(thousand, 1000, 50) == 500);
	assert_true(percentile_nearest_rank(thousand, 1000, 99) == 990);
	/* one outlier among 100: p99 is the 99th value, not the outlier */
	double tail[100];
	for (int i = 0; i < 100; i++)
		tail[i] = i == 37 ? 1e6 : 10;
	assert_true(percentile_nearest_rank(tail, 100, 50) == 10);
	assert_true(percentile_nearest_rank(tail, 100, 99) == 10);
	assert_true(percentile_nearest_rank(tail, 100, 100) == 1e6);

	double one[] = { 42 };
	assert_true(percentile_nearest_rank(one, 1, 50) == 42);
	assert_true(percentile_nearest_rank(one, 1, 99) == 42);
	assert_true(isnan(percentile_nearest_rank(one, 0, 50)));
}

/*
 * Off vbench's VMM (this test's process), vm.exit never touches the port or the MMIO page: those
 * metrics stay unmeasured and the note says why, while CPUID and the HLT ping-pong still run and
 * the CPUs the thread may use are given back.
 */
static void test_vm_exit_refuses_the_port_off_vbench_vmm(void **state)
{
	(void)state;
	const struct workload *w = workload_find("vm.exit");
	assert_non_null(w);
	assert_string_equal(w->group, "vm");
	/* the bare guest runs it too: the VMM is all it needs, not a kernel */
	assert_int_equal(w->needs, WORKLOAD_NEEDS_VMM);
	assert_true(w->uncounted);
	struct workload_ctx ctx;
	struct sample_out out;
	struct vb_error err = { 0 };
	smoke_sample(w, &ctx, &out);
	cpu_set_t before, after;
	assert_int_equal(sched_getaffinity(0, sizeof(before), &before), 0);
	assert_int_equal(w->run(&ctx, &out, &err), 0);
	assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&before, &after));

	static const char *const unmeasured[] = { "pio_ns",  "pio_p50_ns",  "pio_p99_ns",
						  "mmio_ns", "mmio_p50_ns", "mmio_p99_ns" };
	for (size_t i = 0; i < sizeof(unmeasured) / sizeof(unmeasured[0]); i++)
		assert_true(isnan(out.value[workload_metric_index(w, unmeasured[i])]));
	assert_non_null(strstr(out.note, "not on vbench's own VMM"));
	double p50 = out.value[workload_metric_index(w, "cpuid_p50_ns")];
	double p99 = out.value[workload_metric_index(w, "cpuid_p99_ns")];
	assert_true(p50 > 0 && p50 <= p99);
	assert_true(out.value[workload_metric_index(w, "cpuid_ns")] > 0);
	if (CPU_COUNT(&before) >= 2) {
		assert_true(out.value[workload_metric_index(w, "hlt_wakeup_p50_ns")] > 0);
		assert_true(out.nsizes == 3 && strcmp(out.sizes[2].name, "hlt_round_trips") == 0);
	} else {
		assert_true(isnan(out.value[workload_metric_index(w, "hlt_wakeup_ns")]));
		assert_non_null(strstr(out.note, "one CPU"));
	}
	assert_string_equal(out.sizes[0].name, "exits");
	assert_true(out.sizes[0].value == w->params[0].value[SUITE_SMOKE]);
	assert_string_equal(out.sizes[1].name, "batch");
}

static void assert_digest(const char *hex, const uint8_t d[SHA256_DIGEST_BYTES])
{
	char got[2 * SHA256_DIGEST_BYTES + 1];
	for (int i = 0; i < SHA256_DIGEST_BYTES; i++)
		snprintf(got + 2 * i, 3, "%02x", d[i]);
	assert_string_equal(got, hex);
}

static void test_sha256_known_vectors(void **state)
{
	(void)state;
	uint8_t d[SHA256_DIGEST_BYTES];
	sha256("abc", 3, d);
	assert_digest("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", d);
	sha256("", 0, d);
	assert_digest("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", d);
	const char *two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	sha256(two_blocks, strlen(two_blocks), d);
	assert_digest("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1", d);

	/* One million 'a', fed in uneven pieces to exercise the partial-block path. */
	static char a[1000];
	memset(a, 'a', sizeof(a));
	struct sha256 s;
	sha256_init(&s);
	size_t left = 1000000, piece = 1;
	while (left) {
		size_t n = piece < left ? piece : left;
		n = n < sizeof(a) ? n : sizeof(a);
		sha256_update(&s, a, n);
		left -= n;
		piece = piece * 7 % 997 + 1;
	}
	sha256_final(&s, d);
	assert_digest("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0", d);
}

static void check_single_cycle(size_t slots, size_t stride, int spread)
{
	char *buf = platform_alloc(slots * stride, 4096);
	assert_non_null(buf);
	uint8_t *seen = calloc(slots, 1);
	assert_non_null(seen);
	struct rng rng;
	rng_seed(&rng, 7);
	void *start = mem_chase_build(buf, slots, stride, spread, &rng);
	assert_non_null(start);
	void *p = start;
	for (size_t i = 0; i < slots; i++) {
		size_t off = (size_t)((char *)p - buf);
		assert_true(off < slots * stride);
		assert_int_equal(off % sizeof(void *), 0);
		size_t slot = off / stride;
		assert_int_equal(seen[slot], 0);
		seen[slot] = 1;
		p = mem_chase_walk(p, 1);
		/* Back at the start exactly after visiting every slot, never before. */
		assert_true((p == start) == (i == slots - 1));
	}
	assert_ptr_equal(mem_chase_walk(start, slots), start);
	free(seen);
	platform_free(buf, slots * stride);
}

static void test_chase_is_a_single_cycle(void **state)
{
	(void)state;
	check_single_cycle(2, 64, 0);
	check_single_cycle(1000, 64, 0);
	check_single_cycle(4096, 64, 0);
	check_single_cycle(300, 4096, 1);
}

static void test_chase_spreads_lines_within_pages(void **state)
{
	(void)state;
	size_t slots = 256, stride = 4096;
	char *buf = platform_alloc(slots * stride, stride);
	assert_non_null(buf);
	struct rng rng;
	rng_seed(&rng, 1);
	void *p = mem_chase_build(buf, slots, stride, 1, &rng);
	size_t distinct = 0;
	uint8_t lines[64] = { 0 };
	for (size_t i = 0; i < slots; i++, p = mem_chase_walk(p, 1)) {
		size_t line = ((size_t)((char *)p - buf) % stride) / 64;
		distinct += !lines[line];
		lines[line] = 1;
	}
	assert_true(distinct > 16);
	platform_free(buf, slots * stride);
}

static void test_lz_round_trip_and_rejects_garbage(void **state)
{
	(void)state;
	size_t len = 200000;
	uint8_t *in = malloc(len), *packed = malloc(lz_bound(len)), *out = malloc(len);
	assert_non_null(in);
	assert_non_null(packed);
	assert_non_null(out);
	struct rng rng;
	rng_seed(&rng, 3);
	for (int kind = 0; kind < 3; kind++) {
		for (size_t i = 0; i < len; i++) {
			uint64_t r = rng_next(&rng);
			in[i] = kind == 0   ? (uint8_t)r
				: kind == 1 ? 'x'
					    : (uint8_t) "the quick brown fox "[i % 20];
			if (kind == 2 && r % 64 == 0)
				in[i] = (uint8_t)(r >>
						  8); /* sparse noise: matches of many lengths */
		}
		size_t n = lz_compress(in, len, packed);
		assert_true(n <= lz_bound(len));
		if (kind > 0)
			assert_true(n < len / 2);
		assert_int_equal(lz_decompress(packed, n, out, len), 0);
		assert_memory_equal(in, out, len);
		/* Truncated and corrupted inputs are refused or decoded within bounds, never overrun. */
		assert_int_equal(lz_decompress(packed, n / 2, out, len), -1);
		assert_int_equal(lz_decompress(packed, n, out, len - 1), -1);
		for (int t = 0; t < 200; t++) {
			packed[rng_next(&rng) % n] ^= (uint8_t)(1 + rng_next(&rng) % 255);
			(void)lz_decompress(packed, n, out, len);
		}
	}
	assert_int_equal(lz_decompress((const uint8_t *)"", 0, out, 0), 0);
	free(in);
	free(packed);
	free(out);
}

struct worker_probe {
	int ran[8];
	int order_ok;
	int phase;
};

static void probe_worker(unsigned index, void *arg)
{
	struct worker_probe *p = arg;
	__atomic_add_fetch(&p->ran[index], 1, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&p->phase, 1, __ATOMIC_SEQ_CST);
	platform_workers_barrier();
	/* After the barrier every worker has passed the first step. */
	if (__atomic_load_n(&p->phase, __ATOMIC_SEQ_CST) < 4)
		__atomic_store_n(&p->order_ok, 0, __ATOMIC_SEQ_CST);
}

static void test_platform_workers_and_barrier(void **state)
{
	(void)state;
	struct worker_probe p = { .order_ok = 1 };
	assert_int_equal(platform_run_workers(4, probe_worker, &p), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(p.ran[i], 1);
	assert_int_equal(p.ran[4], 0);
	assert_int_equal(p.order_ok, 1);
}

static void test_platform_basics(void **state)
{
	(void)state;
	size_t page = platform_page_size();
	assert_true(page >= 4096 && (page & (page - 1)) == 0);
	uint64_t t0 = platform_now_ns(), t1 = platform_now_ns();
	assert_true(t1 >= t0);
	void *p = platform_alloc(12345, 1u << 21);
	assert_non_null(p);
	assert_int_equal((uintptr_t)p % (1u << 21), 0);
	memset(p, 0xab, 12345);
	platform_free(p, 12345);
	for (int level = 1; level <= 3; level++) {
		size_t c = platform_cache_size(level);
		assert_true(c == 0 || (c >= 1024 && c < ((size_t)1 << 34)));
	}
	assert_int_equal(platform_cache_size(0), 0);
	assert_int_equal(platform_cache_size(9), 0);
}

static int run_smoke(const char *id, struct sample_out *out)
{
	const struct workload *w = workload_find(id);
	struct workload_ctx ctx;
	struct vb_error err = { 0 };
	assert_non_null(w);
	smoke_ctx(w, &ctx);
	memset(out, 0, sizeof(*out));
	for (int m = 0; m < WORKLOAD_MAX_METRICS; m++)
		out->value[m] = NAN;
	int rc = w->run(&ctx, out, &err);
	if (rc != 0)
		print_error("%s: %s\n", id, err.message);
	return rc;
}

/* The value of workload id's metric called name. */
static double named(const char *id, const struct sample_out *out, const char *name)
{
	int i = workload_metric_index(workload_find(id), name);
	assert_true(i >= 0);
	return out->value[i];
}

/* Pins this thread to the first CPU of allowed (what the caller restores afterwards). */
static void pin_to_first_cpu(const cpu_set_t *allowed)
{
	int first = 0;
	while (!CPU_ISSET(first, allowed))
		first++;
	cpu_set_t one;
	CPU_ZERO(&one);
	CPU_SET(first, &one);
	assert_int_equal(sched_setaffinity(0, sizeof(one), &one), 0);
}

static void test_ctxsw_restores_affinity_and_skips_cross_on_one_cpu(void **state)
{
	(void)state;
	cpu_set_t before, after;
	struct sample_out out = { 0 };
	assert_int_equal(sched_getaffinity(0, sizeof(before), &before), 0);
	assert_int_equal(run_smoke("os.ctxsw", &out), 0);
	assert_int_equal(sched_getaffinity(0, sizeof(after), &after), 0);
	assert_true(CPU_EQUAL(&before, &after));
	assert_true(named("os.ctxsw", &out, "same_cpu_round_trip_us") > 0);

	pin_to_first_cpu(&before);
	int rc = run_smoke("os.ctxsw", &out);
	assert_int_equal(sched_setaffinity(0, sizeof(before), &before), 0);
	assert_int_equal(rc, 0);
	assert_true(named("os.ctxsw", &out, "same_cpu_round_trip_us") > 0);
	assert_true(isnan(named("os.ctxsw", &out, "cross_cpu_round_trip_us")) &&
		    isnan(named("os.ctxsw", &out, "cross_cpu_round_trip_p99_us")));
}

/* One round trip is two context switches on one CPU: the names must not say it is one. */
static void test_ctxsw_metrics_name_a_round_trip(void **state)
{
	(void)state;
	static const char *const names[] = { "same_cpu_round_trip_us", "same_cpu_round_trip_p99_us",
					     "cross_cpu_round_trip_us",
					     "cross_cpu_round_trip_p99_us" };
	const struct workload *w = workload_find("os.ctxsw");
	assert_non_null(w);
	assert_int_equal(workload_metric_count(w), 4);
	for (size_t m = 0; m < 4; m++) {
		assert_string_equal(w->metrics[m].name, names[m]);
		assert_string_equal(w->metrics[m].unit, "us");
		assert_int_equal(w->metrics[m].better, BETTER_LOWER);
	}
	assert_non_null(strstr(w->description, "round trip"));
}

/* What the name claims: on one CPU each round trip switches to the child and back. */
static void test_ctxsw_round_trip_is_two_switches_on_one_cpu(void **state)
{
	(void)state;
	struct perf_event_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.size = sizeof(attr);
	attr.type = PERF_TYPE_SOFTWARE;
	attr.config = PERF_COUNT_SW_CONTEXT_SWITCHES;
	attr.disabled = 1;
	attr.inherit = 1; /* the echoing child is forked inside the workload */
	int fd = (int)syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
	if (fd < 0)
		skip(); /* perf_event_paranoid forbids even software counters here */

	cpu_set_t before;
	assert_int_equal(sched_getaffinity(0, sizeof(before), &before), 0);
	pin_to_first_cpu(&before);
	const struct workload *w = workload_find("os.ctxsw");
	struct sample_out out = { 0 };
	uint64_t switches = 0;
	ioctl(fd, PERF_EVENT_IOC_ENABLE, 0);
	int rc = run_smoke("os.ctxsw", &out);
	ioctl(fd, PERF_EVENT_IOC_DISABLE, 0);
	assert_int_equal(read(fd, &switches, sizeof(switches)), (ssize_t)sizeof(switches));
	close(fd);
	assert_int_equal(sched_setaffinity(0, sizeof(before), &before), 0);
	assert_int_equal(rc, 0);
	/* Preemption by other tasks only adds switches: at least two per round trip, never fewer. */
	double round_trips = w->params[workload_param_index(w, "calls")].value[SUITE_SMOKE];
	assert_true((double)switches >= 2 * round_trips);
}

static void test_clocksource_is_named(void **state)
{
	(void)state;
	const char *name = os_clocksource();
	assert_non_null(name);
	assert_true(strlen(name) > 0);
	assert_null(strchr(name, '\n'));
}

#define MiB (1ull << 20)

/* Known answers for the sizing: every size is bounded by the budget --memory leaves. */
static void test_memory_budget_known_answers(void **state)
{
	(void)state;
	/* A quarter and 64 MiB stay free; small limits give the workload a quarter. */
	assert_int_equal(mem_budget_bytes(2048 * MiB), 1472 * MiB);
	assert_int_equal(mem_budget_bytes(512 * MiB), 320 * MiB);
	assert_int_equal(mem_budget_bytes(128 * MiB), 32 * MiB);
	assert_int_equal(mem_budget_bytes(64 * MiB), 16 * MiB);
	assert_int_equal(mem_budget_bytes(0), 0);
}

static void test_stream_array_sizes(void **state)
{
	(void)state;
	/* 4x a 32 MiB LLC fits the quick cap and a 2 GiB budget. */
	assert_int_equal(mem_stream_array_bytes(32 * MiB, 4, 1536 * MiB, 1472 * MiB), 128 * MiB);
	/* The smoke cap: 24 MiB for the three arrays. */
	assert_int_equal(mem_stream_array_bytes(32 * MiB, 4, 24 * MiB, 1472 * MiB), 8 * MiB);
	/* A 480 MiB LLC wants 1920 MiB arrays; the 2 GiB budget allows a third of 1472 MiB,
	 * in whole cache lines. */
	assert_int_equal(mem_stream_array_bytes(480 * MiB, 4, 8192 * MiB, 1472 * MiB), 514501248);
	/* --memory 512M: the budget (320 MiB), not max_bytes, sets the arrays. */
	assert_int_equal(mem_stream_array_bytes(32 * MiB, 4, 1536 * MiB, 320 * MiB), 111848064);
}

static void test_gups_table_and_hpcc_update_count(void **state)
{
	(void)state;
	assert_int_equal(mem_gups_table_bytes(32 * MiB, 4, 256 * MiB, 1472 * MiB), 128 * MiB);
	/* Capped by the budget, then down to a power of two. */
	assert_int_equal(mem_gups_table_bytes(480 * MiB, 4, 8192 * MiB, 1472 * MiB), 1024 * MiB);
	assert_int_equal(mem_gups_table_bytes(32 * MiB, 4, 512 * MiB, 16 * MiB), 16 * MiB);
	/* HPCC RandomAccess: four updates per 8-byte entry. */
	assert_true(mem_gups_updates(128 * MiB) == 4ull * 16 * MiB);
	assert_true(mem_gups_updates(16 * MiB) == 8ull * MiB);
	assert_true(mem_gups_updates(8192) == 4096);
}

static void test_latency_top_size(void **state)
{
	(void)state;
	assert_int_equal(mem_latency_top_bytes(256 * MiB, 1472 * MiB), 256 * MiB);
	assert_int_equal(mem_latency_top_bytes(1024 * MiB, 1472 * MiB), 1024 * MiB);
	/* 1 GiB and its chain order (1/16 more) do not fit 1 GiB of budget. */
	assert_int_equal(mem_latency_top_bytes(1024 * MiB, 1024 * MiB), 256 * MiB);
	assert_int_equal(mem_latency_top_bytes(1024 * MiB, 320 * MiB), 256 * MiB);
	assert_int_equal(mem_latency_top_bytes(1024 * MiB, 16 * MiB), 4 * MiB);
	assert_int_equal(mem_latency_top_bytes(5 * MiB, 1472 * MiB), 4 * MiB);
	assert_int_equal(mem_latency_top_bytes(100, 1472 * MiB), 0);
}

static void test_loads_for_min_time(void **state)
{
	(void)state;
	uint64_t ms = 1000000;
	/* Long enough: the same count, which ends the search. */
	assert_int_equal(mem_loads_for_min_time(100000, 10 * ms, 10 * ms), 100000);
	assert_int_equal(mem_loads_for_min_time(100000, 20 * ms, 10 * ms), 100000);
	/* 0.24 ms for 100000 loads: scale to 10 ms with a quarter to spare. */
	assert_int_equal(mem_loads_for_min_time(100000, 240000, 10 * ms), 5208333);
	/* A clock that read 0: grow by the most allowed per try. */
	assert_int_equal(mem_loads_for_min_time(100000, 0, 10 * ms), 10000000);
	assert_int_equal(mem_loads_for_min_time(1000, 1, 10 * ms), 100000);
	assert_int_equal(mem_loads_for_min_time(0, 0, 10 * ms), 1);
}

/* Run a workload with its smoke parameters and a given --memory. */
static int run_with_memory(const char *id, double memory, struct sample_out *out,
			   struct vb_error *err)
{
	const struct workload *w = workload_find(id);
	struct workload_ctx ctx;
	assert_non_null(w);
	smoke_ctx(w, &ctx);
	ctx.params[workload_param_index(w, "memory_limit")] = memory;
	memset(out, 0, sizeof(*out));
	for (int m = 0; m < WORKLOAD_MAX_METRICS; m++)
		out->value[m] = NAN;
	return w->run(&ctx, out, err);
}

static double size_of(const struct sample_out *out, const char *name)
{
	for (unsigned i = 0; i < out->nsizes; i++)
		if (strcmp(out->sizes[i].name, name) == 0)
			return out->sizes[i].value;
	fail_msg("size %s not recorded", name);
	return NAN;
}

static void test_workloads_record_sizes_within_the_memory_budget(void **state)
{
	(void)state;
	struct sample_out out = { 0 };
	struct vb_error err = { 0 };
	double budget = 16.0 * MiB; /* of --memory 64M */
	assert_int_equal(run_with_memory("mem.stream", 64.0 * MiB, &out, &err), 0);
	assert_true(size_of(&out, "array_bytes") == 5592384); /* 16 MiB / 3 in cache lines */
	assert_true(size_of(&out, "working_set_bytes") <= budget);
	assert_true(size_of(&out, "llc_multiple") > 0);
	assert_true(size_of(&out, "thp_asked") == 1);

	assert_int_equal(run_with_memory("mem.gups", 64.0 * MiB, &out, &err), 0);
	double table = size_of(&out, "table_bytes");
	assert_true(table <= budget);
	assert_true(size_of(&out, "updates") == 4 * table / 8);

	assert_int_equal(run_with_memory("mem.latency", 64.0 * MiB, &out, &err), 0);
	assert_true(size_of(&out, "working_set_max_bytes") == 4.0 * MiB);
	/* Every size ran for at least min_time_ms (10) in one timed interval. */
	assert_true(size_of(&out, "min_timed_ns") >= 10e6);

	assert_int_equal(run_with_memory("mem.tlb", 64.0 * MiB, &out, &err), 0);
	assert_true(size_of(&out, "pages") * 4096 <= budget);
	assert_true(size_of(&out, "min_timed_ns") >= 10e6);
	/* Base pages asked for, and none of the region on huge pages. */
	assert_true(size_of(&out, "thp_asked") == 0);
	assert_true(size_of(&out, "thp_bytes") == 0);

	assert_int_equal(run_with_memory("mem.pagefault", 64.0 * MiB, &out, &err), 0);
	assert_true(size_of(&out, "bytes") == 16.0 * MiB);
	/* --memory 16M leaves 4 MiB: the 16 MiB smoke size shrinks to fit. */
	assert_int_equal(run_with_memory("mem.pagefault", 16.0 * MiB, &out, &err), 0);
	assert_true(size_of(&out, "bytes") == 4.0 * MiB);
}

/* thp is a number only when the region really was on huge pages; else a reason, no number. */
static void test_pagefault_thp_is_checked(void **state)
{
	(void)state;
	struct sample_out out = { 0 };
	struct vb_error err = { 0 };
	for (int i = 0; i < 3; i++) {
		assert_int_equal(run_with_memory("mem.pagefault", 2.0 * (1u << 30), &out, &err), 0);
		if (isnan(named("mem.pagefault", &out, "thp"))) {
			assert_true(strncmp(out.note, "thp: ", 5) == 0);
		} else {
			assert_string_equal(out.note, "");
			assert_true(size_of(&out, "thp_bytes_thp") >= 0.9 * size_of(&out, "bytes"));
		}
	}
}

/* With THP off for this process, MADV_HUGEPAGE gets base pages: no thp number, a reason. */
static void test_pagefault_thp_without_huge_pages_is_unsupported(void **state)
{
	(void)state;
	struct sample_out out = { 0 };
	struct vb_error err = { 0 };
	if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0)
		skip();
	int rc = run_with_memory("mem.pagefault", 2.0 * (1u << 30), &out, &err);
	prctl(PR_SET_THP_DISABLE, 0, 0, 0, 0);
	if (rc != 0)
		fail_msg("%s", err.message);
	assert_true(named("mem.pagefault", &out, "faults_4k") > 0);
	assert_true(isnan(named("mem.pagefault", &out, "thp")));
	if (strncmp(out.note, "thp: MADV_HUGEPAGE got 0 of 16777216 bytes", 42) != 0 &&
	    strncmp(out.note, "thp: transparent huge pages are off", 35) != 0)
		fail_msg("note: %s", out.note);
}

static void test_platform_huge_page_accounting(void **state)
{
	(void)state;
	size_t bytes = 4 << 20;
	char *p = platform_alloc(bytes, 2u << 20);
	assert_non_null(p);
	assert_int_equal(platform_huge_pages(p, bytes, 0), 0);
	memset(p, 1, bytes);
	long long huge = platform_huge_bytes(p, bytes);
	if (huge == -1)
		skip(); /* no /proc/self/smaps here */
	assert_true(huge == 0);
	platform_free(p, bytes);
	/* Nothing mapped there any more: nothing to account. */
	assert_true(platform_huge_bytes(p, bytes) == -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry_entries_are_complete),
		cmocka_unit_test(test_registry_has_the_required_workloads),
		cmocka_unit_test(test_registry_declarations),
		cmocka_unit_test(test_metrics_are_set_by_name),
		cmocka_unit_test(test_percentile_nearest_rank_on_known_arrays),
		cmocka_unit_test(test_vm_exit_refuses_the_port_off_vbench_vmm),
		cmocka_unit_test(test_sha256_known_vectors),
		cmocka_unit_test(test_chase_is_a_single_cycle),
		cmocka_unit_test(test_chase_spreads_lines_within_pages),
		cmocka_unit_test(test_lz_round_trip_and_rejects_garbage),
		cmocka_unit_test(test_platform_workers_and_barrier),
		cmocka_unit_test(test_platform_basics),
		cmocka_unit_test(test_latency_leaves_sizes_above_max_unmeasured),
		cmocka_unit_test(test_bad_parameters_are_errors_not_crashes),
		cmocka_unit_test(test_ctxsw_restores_affinity_and_skips_cross_on_one_cpu),
		cmocka_unit_test(test_ctxsw_metrics_name_a_round_trip),
		cmocka_unit_test(test_ctxsw_round_trip_is_two_switches_on_one_cpu),
		cmocka_unit_test(test_clocksource_is_named),
		cmocka_unit_test(test_every_workload_runs_in_smoke),
		cmocka_unit_test(test_memory_budget_known_answers),
		cmocka_unit_test(test_stream_array_sizes),
		cmocka_unit_test(test_gups_table_and_hpcc_update_count),
		cmocka_unit_test(test_latency_top_size),
		cmocka_unit_test(test_loads_for_min_time),
		cmocka_unit_test(test_workloads_record_sizes_within_the_memory_budget),
		cmocka_unit_test(test_pagefault_thp_is_checked),
		cmocka_unit_test(test_pagefault_thp_without_huge_pages_is_unsupported),
		cmocka_unit_test(test_platform_huge_page_accounting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
