/*
 * CPU workloads: compute kernels run once on one thread and once on every CPU at the same time,
 * each result checked so that the compiler cannot drop work and a broken CPU cannot pass.
 */
#include "workloads/workload.h"

#include <math.h>
#include <string.h>

#include "workloads/bytes.h"
#include "workloads/lz.h"
#include "common/rng.h"
#include "workloads/platform.h"
#include "workloads/sha256.h"

/* One worker's share of a phase: its state, the work it did and a fingerprint of the result. */
struct cpu_thread {
	const struct workload_ctx *ctx;
	void *state;
	double units;
	uint64_t digest;
	uint64_t t0, t1;
	int rc;
	struct vb_error err;
} __attribute__((aligned(64)));

struct cpu_kernel {
	size_t state_size;
	/* Allocate and fill inputs (untimed); same inputs in every thread, so digests agree. */
	int (*prepare)(struct cpu_thread *t, struct vb_error *err);
	/* The timed part: sets t->units and t->digest. */
	void (*work)(struct cpu_thread *t);
	/* Verify the result (untimed). */
	int (*check)(struct cpu_thread *t, struct vb_error *err);
	void (*release)(struct cpu_thread *t);
};

struct cpu_phase {
	const struct cpu_kernel *kernel;
	struct cpu_thread *threads;
};

static uint64_t cpu_fold(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h;
}

static void cpu_worker(unsigned index, void *arg)
{
	struct cpu_phase *phase = arg;
	struct cpu_thread *t = &phase->threads[index];
	t->rc = phase->kernel->prepare(t, &t->err);
	/* Nobody starts its clock while another thread is still faulting in its inputs. */
	platform_workers_barrier();
	if (t->rc == 0) {
		t->t0 = platform_now_ns();
		phase->kernel->work(t);
		t->t1 = platform_now_ns();
	}
	/* ...and nobody unmaps (a TLB shootdown on every CPU) while another is still timed. */
	platform_workers_barrier();
	if (t->rc == 0)
		t->rc = phase->kernel->check(t, &t->err);
	phase->kernel->release(t);
}

/*
 * Run the kernel on nthreads workers at once; rate is total units per second over the span
 * from the first start to the last finish. *digest is the result fingerprint all agreed on.
 */
static int cpu_run_phase(const struct cpu_kernel *kernel, const struct workload_ctx *ctx,
			 unsigned nthreads, double *rate, uint64_t *digest, struct vb_error *err)
{
	struct cpu_phase phase = { .kernel = kernel };
	/* Threads' records and states on their own cache lines: no false sharing while timed. */
	size_t thread_bytes = (sizeof(struct cpu_thread) + 63) & ~(size_t)63;
	size_t state_bytes = (kernel->state_size + 63) & ~(size_t)63;
	size_t bytes = nthreads * (thread_bytes + state_bytes);
	char *mem = platform_alloc(bytes, 64);
	if (!mem)
		return error_set(err, "out of memory for %u worker states", nthreads);
	memset(mem, 0, bytes);
	phase.threads = (struct cpu_thread *)mem;
	for (unsigned i = 0; i < nthreads; i++) {
		phase.threads[i].ctx = ctx;
		phase.threads[i].state = mem + nthreads * thread_bytes + i * state_bytes;
	}
	int rc = 0;
	if (platform_run_workers(nthreads, cpu_worker, &phase) != 0)
		rc = error_set(err, "could not start %u worker threads", nthreads);
	uint64_t first = UINT64_MAX, last = 0;
	double units = 0;
	for (unsigned i = 0; rc == 0 && i < nthreads; i++) {
		struct cpu_thread *t = &phase.threads[i];
		if (t->rc != 0) {
			if (err)
				*err = t->err;
			rc = error_prefix(err, "thread %u: ", i);
			break;
		}
		if (t->digest != phase.threads[0].digest) {
			rc = error_set(err, "thread %u computed a different result than thread 0",
				       i);
			break;
		}
		first = t->t0 < first ? t->t0 : first;
		last = t->t1 > last ? t->t1 : last;
		units += t->units;
	}
	if (rc == 0) {
		*rate = units * 1e9 / (double)(last > first ? last - first : 1);
		*digest = phase.threads[0].digest;
	}
	platform_free(mem, bytes);
	return rc;
}

/* The metrics of every CPU workload: "single" (one thread) and "all" (ctx->cpus threads). */
static int cpu_run_single_and_all(const struct cpu_kernel *kernel, const struct workload_ctx *ctx,
				  double scale, struct sample_out *out, struct vb_error *err)
{
	uint64_t single_digest, all_digest;
	double rate;
	if (cpu_run_phase(kernel, ctx, 1, &rate, &single_digest, err) != 0)
		return error_prefix(err, "%s single: ", ctx->workload->id);
	workload_set_metric(out, ctx, "single", rate / scale);
	unsigned cpus = ctx->cpus ? ctx->cpus : 1;
	if (cpu_run_phase(kernel, ctx, cpus, &rate, &all_digest, err) != 0)
		return error_prefix(err, "%s all: ", ctx->workload->id);
	if (all_digest != single_digest)
		return error_set(err, "%s: results differ between one and %u threads",
				 ctx->workload->id, cpus);
	workload_set_metric(out, ctx, "all", rate / scale);
	return 0;
}

static double cpu_param(const struct cpu_thread *t, const char *name)
{
	return workload_param(t->ctx, name);
}

static void cpu_fill_random(void *buf, size_t bytes, uint64_t seed)
{
	struct rng rng;
	rng_seed(&rng, seed);
	uint8_t *p = buf;
	for (size_t i = 0; i < bytes; i += 8) {
		uint64_t v = rng_next(&rng);
		memcpy(p + i, &v, bytes - i < 8 ? bytes - i : 8);
	}
}

/* ---- cpu.sha256: hash a cache-resident buffer over and over as one long message ---- */

#define CPU_SHA256_BUFFER (1u << 20)

struct cpu_sha256 {
	uint8_t *buf;
	size_t len;
	uint8_t digest[SHA256_DIGEST_BYTES];
};

static int cpu_sha256_prepare(struct cpu_thread *t, struct vb_error *err)
{
	struct cpu_sha256 *s = t->state;
	double bytes = cpu_param(t, "bytes");
	s->len = bytes < CPU_SHA256_BUFFER ? (size_t)bytes : CPU_SHA256_BUFFER;
	s->len = s->len < 64 ? 64 : s->len;
	s->buf = platform_alloc(s->len, 64);
	if (!s->buf)
		return error_set(err, "cannot allocate %zu bytes", s->len);
	cpu_fill_random(s->buf, s->len, t->ctx->seed);
	return 0;
}

static void cpu_sha256_work(struct cpu_thread *t)
{
	struct cpu_sha256 *s = t->state;
	size_t passes = (size_t)(cpu_param(t, "bytes") / (double)s->len);
	passes = passes ? passes : 1;
	struct sha256 h;
	sha256_init(&h);
	for (size_t i = 0; i < passes; i++)
		sha256_update(&h, s->buf, s->len);
	sha256_final(&h, s->digest);
	t->units = (double)passes * (double)s->len;
	memcpy(&t->digest, s->digest, sizeof(t->digest));
}

static int cpu_sha256_check(struct cpu_thread *t, struct vb_error *err)
{
	/* FIPS 180-2 appendix B.1: SHA-256("abc"). */
	static const uint8_t abc[SHA256_DIGEST_BYTES] = {
		0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
		0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
		0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad,
	};
	uint8_t d[SHA256_DIGEST_BYTES];
	(void)t;
	sha256("abc", 3, d);
	if (memcmp(d, abc, sizeof(d)) != 0)
		return error_set(err, "SHA-256 self-test (\"abc\") gave a wrong digest");
	return 0;
}

static void cpu_sha256_release(struct cpu_thread *t)
{
	struct cpu_sha256 *s = t->state;
	platform_free(s->buf, s->len);
}

static const struct cpu_kernel cpu_sha256_kernel = {
	.state_size = sizeof(struct cpu_sha256),
	.prepare = cpu_sha256_prepare,
	.work = cpu_sha256_work,
	.check = cpu_sha256_check,
	.release = cpu_sha256_release,
};

static int cpu_sha256_run(const struct workload_ctx *ctx, struct sample_out *out,
			  struct vb_error *err)
{
	return cpu_run_single_and_all(&cpu_sha256_kernel, ctx, 1e6, out, err);
}

static const struct workload cpu_sha256_workload = {
	.id = "cpu.sha256",
	.group = "cpu",
	.description = "SHA-256 (own C implementation) over a 1 MiB buffer hashed repeatedly",
	.params = {
		{ "bytes", { 2 << 20, 12 << 20, 96 << 20 }, "bytes hashed per thread" },
	},
	.metrics = {
		{ "single", "MB/s", BETTER_HIGHER },
		{ "all", "MB/s", BETTER_HIGHER },
	},
	.run = cpu_sha256_run,
};

/* ---- cpu.matmul: dense double matrix multiply, C += A * B, i-k-j order ---- */

struct cpu_matmul {
	double *a, *b, *c;
	size_t n, reps;
};

/* Small integers keep every product and sum exact, so results compare bit for bit. */
static int cpu_matmul_prepare(struct cpu_thread *t, struct vb_error *err)
{
	struct cpu_matmul *m = t->state;
	m->n = (size_t)cpu_param(t, "n");
	m->reps = (size_t)cpu_param(t, "reps");
	if (m->n < 4 || m->n > 4096 || m->reps < 1)
		return error_set(err, "n must be 4..4096 and reps >= 1");
	size_t bytes = 3 * m->n * m->n * sizeof(double);
	m->a = platform_alloc(bytes, 64);
	if (!m->a)
		return error_set(err, "cannot allocate %zu bytes", bytes);
	m->b = m->a + m->n * m->n;
	m->c = m->b + m->n * m->n;
	struct rng rng;
	rng_seed(&rng, t->ctx->seed);
	for (size_t i = 0; i < 2 * m->n * m->n; i++)
		m->a[i] = (double)(int)(rng_next(&rng) % 9) - 4.0;
	memset(m->c, 0, m->n * m->n * sizeof(double));
	return 0;
}

static void cpu_matmul_work(struct cpu_thread *t)
{
	struct cpu_matmul *m = t->state;
	size_t n = m->n;
	for (size_t r = 0; r < m->reps; r++) {
		for (size_t i = 0; i < n; i++) {
			double *restrict ci = m->c + i * n;
			const double *ai = m->a + i * n;
			for (size_t k = 0; k < n; k++) {
				const double aik = ai[k];
				const double *restrict bk = m->b + k * n;
				for (size_t j = 0; j < n; j++)
					ci[j] += aik * bk[j];
			}
		}
	}
	uint64_t h = 0;
	for (size_t i = 0; i < n * n; i += n + 1) {
		uint64_t bits;
		memcpy(&bits, &m->c[i], sizeof(bits));
		h = cpu_fold(h, bits);
	}
	t->units = 2.0 * (double)n * (double)n * (double)n * (double)m->reps;
	t->digest = h;
}

static int cpu_matmul_check(struct cpu_thread *t, struct vb_error *err)
{
	struct cpu_matmul *m = t->state;
	size_t n = m->n;
	struct rng rng;
	rng_seed(&rng, t->ctx->seed ^ 0x5a5a);
	for (int s = 0; s < 32; s++) {
		size_t i = rng_next(&rng) % n, j = rng_next(&rng) % n;
		double dot = 0;
		for (size_t k = 0; k < n; k++)
			dot += m->a[i * n + k] * m->b[k * n + j];
		if (m->c[i * n + j] != dot * (double)m->reps)
			return error_set(err, "C[%zu][%zu] = %g, expected %g", i, j,
					 m->c[i * n + j], dot * (double)m->reps);
	}
	return 0;
}

static void cpu_matmul_release(struct cpu_thread *t)
{
	struct cpu_matmul *m = t->state;
	platform_free(m->a, 3 * m->n * m->n * sizeof(double));
}

static const struct cpu_kernel cpu_matmul_kernel = {
	.state_size = sizeof(struct cpu_matmul),
	.prepare = cpu_matmul_prepare,
	.work = cpu_matmul_work,
	.check = cpu_matmul_check,
	.release = cpu_matmul_release,
};

static int cpu_matmul_run(const struct workload_ctx *ctx, struct sample_out *out,
			  struct vb_error *err)
{
	return cpu_run_single_and_all(&cpu_matmul_kernel, ctx, 1e9, out, err);
}

static const struct workload cpu_matmul_workload = {
	.id = "cpu.matmul",
	.group = "cpu",
	.description = "dense double-precision matrix multiply (n x n, i-k-j loop order)",
	.params = {
		{ "n", { 128, 256, 256 }, "matrix dimension" },
		{ "reps", { 3, 5, 30 }, "multiplications per thread" },
	},
	.metrics = {
		{ "single", "GFLOP/s", BETTER_HIGHER },
		{ "all", "GFLOP/s", BETTER_HIGHER },
	},
	.run = cpu_matmul_run,
};

/* ---- cpu.sort: LSD radix sort of random 32-bit keys ---- */

struct cpu_sort {
	uint32_t *keys, *work, *tmp;
	size_t n, rounds;
	uint64_t sum;
};

static int cpu_sort_prepare(struct cpu_thread *t, struct vb_error *err)
{
	struct cpu_sort *s = t->state;
	s->n = (size_t)cpu_param(t, "keys");
	s->rounds = (size_t)cpu_param(t, "rounds");
	if (s->n < 16 || s->rounds < 1)
		return error_set(err, "keys must be >= 16 and rounds >= 1");
	s->keys = platform_alloc(3 * s->n * sizeof(uint32_t), 64);
	if (!s->keys)
		return error_set(err, "cannot allocate %zu keys", 3 * s->n);
	s->work = s->keys + s->n;
	s->tmp = s->work + s->n;
	cpu_fill_random(s->keys, s->n * sizeof(uint32_t), t->ctx->seed);
	s->sum = 0;
	for (size_t i = 0; i < s->n; i++)
		s->sum += s->keys[i];
	/* Fault the scratch arrays in now rather than inside the timed first round. */
	memset(s->work, 0, 2 * s->n * sizeof(uint32_t));
	return 0;
}

static void cpu_sort_radix(uint32_t *keys, uint32_t *tmp, size_t n)
{
	size_t count[4][256];
	memset(count, 0, sizeof(count));
	for (size_t i = 0; i < n; i++)
		for (int d = 0; d < 4; d++)
			count[d][(keys[i] >> (8 * d)) & 0xff]++;
	for (int d = 0; d < 4; d++) {
		size_t pos = 0;
		for (int b = 0; b < 256; b++) {
			size_t c = count[d][b];
			count[d][b] = pos;
			pos += c;
		}
		const uint32_t *src = d & 1 ? tmp : keys;
		uint32_t *dst = d & 1 ? keys : tmp;
		size_t *next = count[d];
		for (size_t i = 0; i < n; i++) {
			uint32_t k = src[i];
			dst[next[(k >> (8 * d)) & 0xff]++] = k;
		}
	}
}

/* Each round sorts a fresh copy; the copy is a few percent of the round and is counted in it. */
static void cpu_sort_work(struct cpu_thread *t)
{
	struct cpu_sort *s = t->state;
	for (size_t r = 0; r < s->rounds; r++) {
		bytes_copy(s->work, s->keys, s->n * sizeof(uint32_t));
		cpu_sort_radix(s->work, s->tmp, s->n);
	}
	uint64_t h = 0;
	for (size_t i = 0; i < s->n; i += 97)
		h = cpu_fold(h, s->work[i]);
	t->units = (double)s->n * (double)s->rounds;
	t->digest = h;
}

static int cpu_sort_check(struct cpu_thread *t, struct vb_error *err)
{
	struct cpu_sort *s = t->state;
	uint64_t sum = s->work[0];
	for (size_t i = 1; i < s->n; i++) {
		if (s->work[i - 1] > s->work[i])
			return error_set(err, "keys out of order at index %zu", i);
		sum += s->work[i];
	}
	if (sum != s->sum)
		return error_set(err, "sorted keys do not add up to the input keys");
	return 0;
}

static void cpu_sort_release(struct cpu_thread *t)
{
	struct cpu_sort *s = t->state;
	platform_free(s->keys, 3 * s->n * sizeof(uint32_t));
}

static const struct cpu_kernel cpu_sort_kernel = {
	.state_size = sizeof(struct cpu_sort),
	.prepare = cpu_sort_prepare,
	.work = cpu_sort_work,
	.check = cpu_sort_check,
	.release = cpu_sort_release,
};

static int cpu_sort_run(const struct workload_ctx *ctx, struct sample_out *out,
			struct vb_error *err)
{
	return cpu_run_single_and_all(&cpu_sort_kernel, ctx, 1e6, out, err);
}

static const struct workload cpu_sort_workload = {
	.id = "cpu.sort",
	.group = "cpu",
	.description = "LSD radix sort of random 32-bit keys (8-bit digits)",
	.params = {
		{ "keys", { 1 << 18, 1 << 18, 1 << 20 }, "keys per sort" },
		{ "rounds", { 2, 12, 12 }, "sorts per thread" },
	},
	.metrics = {
		{ "single", "Mkeys/s", BETTER_HIGHER },
		{ "all", "Mkeys/s", BETTER_HIGHER },
	},
	.run = cpu_sort_run,
};

/* ---- cpu.nbody: direct-sum gravity, every body against every body, leapfrog steps ---- */

struct cpu_nbody {
	double *x, *y, *z, *vx, *vy, *vz, *m;
	size_t n, steps;
	double p0[3];
};

#define CPU_NBODY_SOFTENING2 1e-4
#define CPU_NBODY_DT	     1e-3

static void cpu_nbody_momentum(const struct cpu_nbody *b, double p[3])
{
	p[0] = p[1] = p[2] = 0;
	for (size_t i = 0; i < b->n; i++) {
		p[0] += b->m[i] * b->vx[i];
		p[1] += b->m[i] * b->vy[i];
		p[2] += b->m[i] * b->vz[i];
	}
}

static int cpu_nbody_prepare(struct cpu_thread *t, struct vb_error *err)
{
	struct cpu_nbody *b = t->state;
	b->n = (size_t)cpu_param(t, "bodies");
	b->steps = (size_t)cpu_param(t, "steps");
	if (b->n < 2 || b->steps < 1)
		return error_set(err, "bodies must be >= 2 and steps >= 1");
	b->x = platform_alloc(7 * b->n * sizeof(double), 64);
	if (!b->x)
		return error_set(err, "cannot allocate %zu bodies", b->n);
	b->y = b->x + b->n;
	b->z = b->y + b->n;
	b->vx = b->z + b->n;
	b->vy = b->vx + b->n;
	b->vz = b->vy + b->n;
	b->m = b->vz + b->n;
	struct rng rng;
	rng_seed(&rng, t->ctx->seed);
	for (size_t i = 0; i < 7 * b->n; i++) {
		double u = rng_uniform(&rng);
		b->x[i] = i < 3 * b->n ? u : i < 6 * b->n ? (u - 0.5) * 0.01 : 0.5 + u;
	}
	cpu_nbody_momentum(b, b->p0);
	return 0;
}

static void cpu_nbody_work(struct cpu_thread *t)
{
	struct cpu_nbody *b = t->state;
	size_t n = b->n;
	for (size_t s = 0; s < b->steps; s++) {
		for (size_t i = 0; i < n; i++) {
			double xi = b->x[i], yi = b->y[i], zi = b->z[i];
			double ax = 0, ay = 0, az = 0;
			for (size_t j = 0; j < n; j++) {
				double dx = b->x[j] - xi, dy = b->y[j] - yi, dz = b->z[j] - zi;
				double r2 = dx * dx + dy * dy + dz * dz + CPU_NBODY_SOFTENING2;
				double inv = 1.0 / sqrt(r2);
				double f = b->m[j] * inv * inv * inv;
				ax += dx * f;
				ay += dy * f;
				az += dz * f;
			}
			b->vx[i] += ax * CPU_NBODY_DT;
			b->vy[i] += ay * CPU_NBODY_DT;
			b->vz[i] += az * CPU_NBODY_DT;
		}
		for (size_t i = 0; i < n; i++) {
			b->x[i] += b->vx[i] * CPU_NBODY_DT;
			b->y[i] += b->vy[i] * CPU_NBODY_DT;
			b->z[i] += b->vz[i] * CPU_NBODY_DT;
		}
	}
	uint64_t h = 0;
	for (size_t i = 0; i < 3 * n; i++) {
		uint64_t bits;
		memcpy(&bits, &b->x[i], sizeof(bits));
		h = cpu_fold(h, bits);
	}
	t->units = (double)n * (double)n * (double)b->steps;
	t->digest = h;
}

/* Pairwise forces are equal and opposite, so total momentum must not move beyond rounding. */
static int cpu_nbody_check(struct cpu_thread *t, struct vb_error *err)
{
	struct cpu_nbody *b = t->state;
	double p[3], scale = 0;
	cpu_nbody_momentum(b, p);
	for (size_t i = 0; i < b->n; i++)
		scale += b->m[i] * (fabs(b->vx[i]) + fabs(b->vy[i]) + fabs(b->vz[i]));
	for (int k = 0; k < 3; k++) {
		if (!isfinite(p[k]) || fabs(p[k] - b->p0[k]) > 1e-6 * scale)
			return error_set(err, "momentum not conserved (%g vs %g, scale %g)", p[k],
					 b->p0[k], scale);
	}
	return 0;
}

static void cpu_nbody_release(struct cpu_thread *t)
{
	struct cpu_nbody *b = t->state;
	platform_free(b->x, 7 * b->n * sizeof(double));
}

static const struct cpu_kernel cpu_nbody_kernel = {
	.state_size = sizeof(struct cpu_nbody),
	.prepare = cpu_nbody_prepare,
	.work = cpu_nbody_work,
	.check = cpu_nbody_check,
	.release = cpu_nbody_release,
};

static int cpu_nbody_run(const struct workload_ctx *ctx, struct sample_out *out,
			 struct vb_error *err)
{
	return cpu_run_single_and_all(&cpu_nbody_kernel, ctx, 1e6, out, err);
}

static const struct workload cpu_nbody_workload = {
	.id = "cpu.nbody",
	.group = "cpu",
	.description = "direct-sum gravitational n-body in double precision",
	.params = {
		{ "bodies", { 256, 512, 1024 }, "bodies" },
		{ "steps", { 12, 24, 50 }, "time steps per thread" },
	},
	.metrics = {
		{ "single", "Minteractions/s", BETTER_HIGHER },
		{ "all", "Minteractions/s", BETTER_HIGHER },
	},
	.run = cpu_nbody_run,
};

/* ---- cpu.lz: LZ77 compression of generated text ---- */

#define CPU_LZ_BUFFER (1u << 20)

struct cpu_lz {
	uint8_t *in, *out, *back;
	size_t len, bound, packed;
};

/* Words from a small random vocabulary, common ones far more often: compresses about like prose. */
static void cpu_lz_text(uint8_t *buf, size_t len, uint64_t seed)
{
	char words[128][12];
	struct rng rng;
	rng_seed(&rng, seed);
	for (int w = 0; w < 128; w++) {
		int wl = 2 + (int)(rng_next(&rng) % 9);
		for (int c = 0; c < wl; c++)
			words[w][c] = (char)('a' + rng_next(&rng) % 26);
		words[w][wl] = '\0';
	}
	size_t i = 0;
	while (i < len) {
		uint64_t r = rng_next(&rng);
		unsigned w = (unsigned)(r % 128) & (unsigned)((r >> 8) % 128);
		const char *word = words[w];
		for (size_t c = 0; word[c] && i < len; c++)
			buf[i++] = (uint8_t)word[c];
		if (i < len)
			buf[i++] = (r >> 20) % 16 == 0 ? '\n' : ' ';
	}
}

static int cpu_lz_prepare(struct cpu_thread *t, struct vb_error *err)
{
	struct cpu_lz *z = t->state;
	double bytes = cpu_param(t, "bytes");
	z->len = bytes < CPU_LZ_BUFFER ? (size_t)bytes : CPU_LZ_BUFFER;
	z->len = z->len < 64 ? 64 : z->len;
	z->bound = lz_bound(z->len);
	z->in = platform_alloc(2 * z->len + z->bound, 64);
	if (!z->in)
		return error_set(err, "cannot allocate %zu bytes", 2 * z->len + z->bound);
	z->back = z->in + z->len;
	z->out = z->back + z->len;
	cpu_lz_text(z->in, z->len, t->ctx->seed);
	memset(z->back, 0, z->len + z->bound);
	return 0;
}

static void cpu_lz_work(struct cpu_thread *t)
{
	struct cpu_lz *z = t->state;
	size_t passes = (size_t)(cpu_param(t, "bytes") / (double)z->len);
	passes = passes ? passes : 1;
	uint64_t h = 0;
	for (size_t p = 0; p < passes; p++) {
		z->packed = lz_compress(z->in, z->len, z->out);
		h = cpu_fold(h, z->packed);
	}
	for (size_t i = 0; i < z->packed; i += 61)
		h = cpu_fold(h, z->out[i]);
	t->units = (double)passes * (double)z->len;
	t->digest = h;
}

static int cpu_lz_check(struct cpu_thread *t, struct vb_error *err)
{
	struct cpu_lz *z = t->state;
	if (z->packed >= z->len)
		return error_set(err, "text did not compress (%zu -> %zu bytes)", z->len,
				 z->packed);
	if (lz_decompress(z->out, z->packed, z->back, z->len) != 0 ||
	    memcmp(z->in, z->back, z->len) != 0)
		return error_set(err, "decompressed data differs from the input");
	return 0;
}

static void cpu_lz_release(struct cpu_thread *t)
{
	struct cpu_lz *z = t->state;
	platform_free(z->in, 2 * z->len + z->bound);
}

static const struct cpu_kernel cpu_lz_kernel = {
	.state_size = sizeof(struct cpu_lz),
	.prepare = cpu_lz_prepare,
	.work = cpu_lz_work,
	.check = cpu_lz_check,
	.release = cpu_lz_release,
};

static int cpu_lz_run(const struct workload_ctx *ctx, struct sample_out *out, struct vb_error *err)
{
	return cpu_run_single_and_all(&cpu_lz_kernel, ctx, 1e6, out, err);
}

static const struct workload cpu_lz_workload = {
	.id = "cpu.lz",
	.group = "cpu",
	.description = "LZ77 compression (own LZ4-like coder) of generated text, 1 MiB at a time",
	.params = {
		{ "bytes", { 2 << 20, 16 << 20, 128 << 20 }, "bytes compressed per thread" },
	},
	.metrics = {
		{ "single", "MB/s", BETTER_HIGHER },
		{ "all", "MB/s", BETTER_HIGHER },
	},
	.run = cpu_lz_run,
};

const struct workload *const cpu_workloads[] = {
	&cpu_sha256_workload, &cpu_matmul_workload, &cpu_sort_workload,
	&cpu_nbody_workload,  &cpu_lz_workload,	    NULL,
};
