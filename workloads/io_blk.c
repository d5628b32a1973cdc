/*
 * Block I/O workloads (io.blk.*): 4 KiB random reads and writes at queue depth 1 and 32,
 * 1 MiB sequential throughput and write+fdatasync latency, all O_DIRECT on the scratch disk.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/io_uring.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common/clock.h"
#include "workloads/io.h"
#include "workloads/io_blk.h"
#include "common/rng.h"
#include "workloads/workload.h"

#define IO_BLK_BLOCK	 4096u
#define IO_BLK_SEQ_BLOCK (1u << 20)
#define IO_BLK_DEEP_QD	 32u

/* Values of the "engine" parameter and of the "engine" metric. */
enum io_blk_engine { IO_BLK_ENGINE_IO_URING = 1, IO_BLK_ENGINE_THREADS = 2 };
/* The engine metric's values by name, declared for the reports. */
static const char *const io_blk_engine_names[METRIC_MAX_VALUE_NAMES] = {
	[IO_BLK_ENGINE_IO_URING] = "io_uring",
	[IO_BLK_ENGINE_THREADS] = "threads",
};

struct io_blk_disk {
	int fd;
	uint64_t size; /* bytes we may touch: [0, size) */
};

/*
 * A scratch file that was fallocated or left sparse would make every number a fiction:
 * O_DIRECT reads of holes and unwritten extents return zeros without touching the device,
 * and the first write to each block pays for allocation. Refuse such a file, saying why.
 * Filesystems without FIEMAP cannot tell us; they pass.
 */
static int io_blk_check_written(const struct workload_ctx *ctx, int fd, uint64_t size,
				struct vb_error *err)
{
	enum { EXTENTS = 32 };
	union {
		struct fiemap map;
		char bytes[sizeof(struct fiemap) + EXTENTS * sizeof(struct fiemap_extent)];
	} u;
	struct fiemap *fm = &u.map;
	uint64_t pos = 0; /* everything before pos is written data */
	int stop = 0;
	while (pos < size && !stop) {
		memset(&u, 0, sizeof(u));
		fm->fm_start = pos;
		fm->fm_length = size - pos;
		fm->fm_flags = FIEMAP_FLAG_SYNC;
		fm->fm_extent_count = EXTENTS;
		if (ioctl(fd, FS_IOC_FIEMAP, fm) != 0)
			return 0;
		uint64_t before = pos;
		stop = fm->fm_mapped_extents == 0;
		for (unsigned i = 0; i < fm->fm_mapped_extents && !stop; i++) {
			const struct fiemap_extent *e = &fm->fm_extents[i];
			if (e->fe_logical > pos)
				break; /* a hole at pos */
			if (e->fe_flags & (FIEMAP_EXTENT_UNWRITTEN | FIEMAP_EXTENT_DELALLOC))
				return error_set(err,
						 "%s: scratch file %s has unwritten (fallocated) "
						 "blocks at offset %llu: reads would not reach the "
						 "device; write the whole file first",
						 ctx->workload->id, ctx->disk_path,
						 (unsigned long long)e->fe_logical);
			if (e->fe_logical + e->fe_length > pos)
				pos = e->fe_logical + e->fe_length;
			stop = !!(e->fe_flags & FIEMAP_EXTENT_LAST);
		}
		stop |= pos == before;
	}
	if (pos < size)
		return error_set(err,
				 "%s: scratch file %s has a hole at offset %llu (sparse): "
				 "reads would not reach the device; write the whole file first",
				 ctx->workload->id, ctx->disk_path, (unsigned long long)pos);
	return 0;
}

/* Opens ctx->disk_path for O_DIRECT I/O. Returns 0, -1, or WORKLOAD_UNSUPPORTED (no disk). */
static int io_blk_open(const struct workload_ctx *ctx, struct io_blk_disk *d, struct vb_error *err)
{
	const char *id = ctx->workload->id;
	if (!ctx->disk_path) {
		error_set(err, "no scratch disk attached");
		return WORKLOAD_UNSUPPORTED;
	}
	d->fd = open(ctx->disk_path, O_RDWR | O_DIRECT | O_CLOEXEC);
	if (d->fd < 0) {
		if (errno == EINVAL)
			return error_set(err, "%s: %s does not support O_DIRECT (tmpfs?)", id,
					 ctx->disk_path);
		return error_set_errno(err, "%s: open %s", id, ctx->disk_path);
	}
	struct stat st;
	if (fstat(d->fd, &st) != 0) {
		error_set_errno(err, "%s: stat %s", id, ctx->disk_path);
		goto fail;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(d->fd, BLKGETSIZE64, &d->size) != 0) {
			error_set_errno(err, "%s: BLKGETSIZE64 on %s", id, ctx->disk_path);
			goto fail;
		}
	} else if (S_ISREG(st.st_mode)) {
		d->size = (uint64_t)st.st_size;
		if (io_blk_check_written(ctx, d->fd, d->size, err) != 0)
			goto fail;
	} else {
		error_set(err, "%s: %s is neither a regular file nor a block device", id,
			  ctx->disk_path);
		goto fail;
	}
	/* Whole 1 MiB blocks only: every workload then stays inside the disk with any block size. */
	d->size -= d->size % IO_BLK_SEQ_BLOCK;
	if (d->size < IO_BLK_SEQ_BLOCK) {
		error_set(err, "%s: scratch disk %s is too small (%llu bytes; need 1 MiB)", id,
			  ctx->disk_path, (unsigned long long)st.st_size);
		goto fail;
	}
	return 0;
fail:
	close(d->fd);
	return -1;
}

/* 4 KiB-aligned buffer for O_DIRECT, filled with random bytes so no layer can elide zeros. */
static void *io_blk_buffer(size_t bytes, uint64_t seed)
{
	void *p = NULL;
	if (posix_memalign(&p, IO_BLK_BLOCK, bytes) != 0)
		return NULL;
	struct rng rng;
	rng_seed(&rng, seed);
	uint64_t *w = p;
	for (size_t i = 0; i < bytes / sizeof(*w); i++)
		w[i] = rng_next(&rng);
	return p;
}

/* One run of 4 KiB random I/O: what to do and what it gave. */
struct io_blk_random {
	int fd;
	int write;
	unsigned qd;
	uint64_t blocks; /* 4 KiB blocks on the disk */
	uint64_t duration_ns;
	uint64_t seed;
	/* results */
	uint64_t ops, elapsed_ns;
	struct io_latencies lat;
};

static uint64_t io_blk_random_offset(struct rng *rng, uint64_t blocks)
{
	return rng_next(rng) % blocks * IO_BLK_BLOCK;
}

static int io_blk_check_transfer(const char *id, int write, ssize_t got, size_t want, uint64_t off,
				 struct vb_error *err)
{
	if (got == (ssize_t)want)
		return 0;
	if (got < 0) {
		errno = (int)-got;
		return error_set_errno(err, "%s: %s of %zu bytes at offset %llu", id,
				       write ? "write" : "read", want, (unsigned long long)off);
	}
	return error_set(err, "%s: short %s at offset %llu (%zd of %zu bytes)", id,
			 write ? "write" : "read", (unsigned long long)off, got, want);
}

/* ---- io_uring engine (raw system calls: the agent must not depend on liburing) ---- */

struct io_blk_ring {
	int fd;
	void *sq_map, *cq_map;
	size_t sq_len, cq_len, sqes_len;
	unsigned *sq_tail, *sq_mask, *sq_array;
	unsigned *cq_head, *cq_tail, *cq_mask;
	struct io_uring_sqe *sqes;
	struct io_uring_cqe *cqes;
};

static void io_blk_ring_close(struct io_blk_ring *r)
{
	if (r->sqes && r->sqes != MAP_FAILED)
		munmap(r->sqes, r->sqes_len);
	if (r->cq_map && r->cq_map != MAP_FAILED && r->cq_map != r->sq_map)
		munmap(r->cq_map, r->cq_len);
	if (r->sq_map && r->sq_map != MAP_FAILED)
		munmap(r->sq_map, r->sq_len);
	if (r->fd >= 0)
		close(r->fd);
	memset(r, 0, sizeof(*r));
	r->fd = -1;
}

/* Returns 0, or -1 with errno set when this kernel or sandbox gives no io_uring. */
static int io_blk_ring_open(struct io_blk_ring *r, unsigned entries)
{
	struct io_uring_params p;
	memset(r, 0, sizeof(*r));
	memset(&p, 0, sizeof(p));
	r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0)
		return -1;
	r->sq_len = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	r->cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		if (r->cq_len > r->sq_len)
			r->sq_len = r->cq_len;
		r->cq_len = r->sq_len;
	}
	r->sq_map = mmap(NULL, r->sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
			 IORING_OFF_SQ_RING);
	if (r->sq_map == MAP_FAILED)
		goto fail;
	if (p.features & IORING_FEAT_SINGLE_MMAP) {
		r->cq_map = r->sq_map;
	} else {
		r->cq_map = mmap(NULL, r->cq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
				 r->fd, IORING_OFF_CQ_RING);
		if (r->cq_map == MAP_FAILED)
			goto fail;
	}
	r->sqes_len = p.sq_entries * sizeof(struct io_uring_sqe);
	r->sqes = mmap(NULL, r->sqes_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, r->fd,
		       IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		goto fail;
	char *sq = r->sq_map, *cq = r->cq_map;
	r->sq_tail = (unsigned *)(sq + p.sq_off.tail);
	r->sq_mask = (unsigned *)(sq + p.sq_off.ring_mask);
	r->sq_array = (unsigned *)(sq + p.sq_off.array);
	r->cq_head = (unsigned *)(cq + p.cq_off.head);
	r->cq_tail = (unsigned *)(cq + p.cq_off.tail);
	r->cq_mask = (unsigned *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	return 0;
fail:;
	int e = errno;
	io_blk_ring_close(r);
	errno = e;
	return -1;
}

/* Queue one 4 KiB read or write; the kernel sees it at the next io_uring_enter. */
static void io_blk_ring_queue(struct io_blk_ring *r, int fd, int write, void *buf, uint64_t off,
			      uint64_t tag)
{
	/* We are the only producer, so our own tail needs no atomic load. */
	unsigned tail = *r->sq_tail;
	unsigned idx = tail & *r->sq_mask;
	struct io_uring_sqe *sqe = &r->sqes[idx];
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = write ? IORING_OP_WRITE : IORING_OP_READ;
	sqe->fd = fd;
	sqe->off = off;
	sqe->addr = (uint64_t)(uintptr_t)buf;
	sqe->len = IO_BLK_BLOCK;
	sqe->user_data = tag;
	r->sq_array[idx] = idx;
	__atomic_store_n(r->sq_tail, tail + 1, __ATOMIC_RELEASE);
}

static int io_blk_ring_random(struct io_blk_random *job, struct io_blk_ring *r, const char *id,
			      struct vb_error *err)
{
	unsigned qd = job->qd;
	char *bufs = io_blk_buffer((size_t)qd * IO_BLK_BLOCK, job->seed ^ 0x5eed);
	uint64_t *issued_at = calloc(qd, sizeof(*issued_at));
	uint64_t *offsets = calloc(qd, sizeof(*offsets));
	unsigned *free_slots = calloc(qd, sizeof(*free_slots));
	unsigned nfree = qd, inflight = 0, unsubmitted = 0;
	int rc = 0;
	if (!bufs || !issued_at || !offsets || !free_slots) {
		rc = error_set(err, "%s: out of memory for %u requests", id, qd);
		goto out;
	}
	struct rng rng;
	rng_seed(&rng, job->seed);
	for (unsigned i = 0; i < qd; i++)
		free_slots[i] = i;
	uint64_t start = clock_now_ns(), deadline = start + job->duration_ns, now = start;
	int stopping = 0;
	while (!stopping || inflight > 0) {
		while (!stopping && nfree > 0) {
			unsigned s = free_slots[--nfree];
			offsets[s] = io_blk_random_offset(&rng, job->blocks);
			issued_at[s] = now;
			io_blk_ring_queue(r, job->fd, job->write, bufs + (size_t)s * IO_BLK_BLOCK,
					  offsets[s], s);
			inflight++;
			unsubmitted++;
		}
		int n = (int)syscall(__NR_io_uring_enter, r->fd, unsubmitted, 1,
				     IORING_ENTER_GETEVENTS, NULL, 0);
		if (n < 0) {
			/* Transient: reap what has completed (that frees what the kernel lacked). */
			if (errno != EINTR && errno != EAGAIN && errno != EBUSY) {
				rc = error_set_errno(err, "%s: io_uring_enter", id);
				goto out;
			}
			n = 0;
		}
		unsubmitted -= (unsigned)n < unsubmitted ? (unsigned)n : unsubmitted;
		now = clock_now_ns();
		unsigned head = *r->cq_head;
		unsigned tail = __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE);
		for (; head != tail; head++) {
			struct io_uring_cqe *cqe = &r->cqes[head & *r->cq_mask];
			unsigned s = (unsigned)cqe->user_data;
			if (s >= qd) {
				rc = error_set(err, "%s: io_uring completed an unknown request",
					       id);
				goto out;
			}
			if (io_blk_check_transfer(id, job->write, cqe->res, IO_BLK_BLOCK,
						  offsets[s], err) != 0) {
				rc = -1;
				goto out;
			}
			if (io_latencies_add(&job->lat, (double)(now - issued_at[s]) / 1e3) != 0) {
				rc = error_set(err, "%s: out of memory for latencies", id);
				goto out;
			}
			free_slots[nfree++] = s;
			inflight--;
			job->ops++;
		}
		__atomic_store_n(r->cq_head, head, __ATOMIC_RELEASE);
		if (now >= deadline)
			stopping = 1;
	}
	job->elapsed_ns = now - start;
out:
	/*
	 * On an error requests may still be in flight into bufs: closing the ring (the caller
	 * does) waits for them, so the buffers must outlive it. Leak them rather than race.
	 */
	if (rc == 0 || inflight == 0)
		free(bufs);
	free(issued_at);
	free(offsets);
	free(free_slots);
	return rc;
}

/* ---- threads engine: qd threads each doing synchronous pread/pwrite ---- */

/* Holds the workers until all exist, so they start their clocks together (or are called off). */
struct io_blk_gate {
	pthread_mutex_t lock;
	pthread_cond_t changed;
	int state; /* 0 wait, 1 go, -1 abandon */
};

struct io_blk_worker {
	struct io_blk_random *job;
	struct io_blk_gate *gate;
	unsigned index;
	uint64_t ops;
	struct io_latencies lat;
	int failed; /* 0, an errno value, or -1 for a short transfer */
	uint64_t failed_at;
	ssize_t got;
};

static void *io_blk_worker_main(void *arg)
{
	struct io_blk_worker *w = arg;
	struct io_blk_random *job = w->job;
	void *buf = io_blk_buffer(IO_BLK_BLOCK, job->seed ^ (0x5eed + w->index));
	struct rng rng;
	rng_seed(&rng, job->seed + w->index * 0x9e3779b97f4a7c15ull);
	if (w->gate) {
		pthread_mutex_lock(&w->gate->lock);
		while (w->gate->state == 0)
			pthread_cond_wait(&w->gate->changed, &w->gate->lock);
		int go = w->gate->state > 0;
		pthread_mutex_unlock(&w->gate->lock);
		if (!go) {
			free(buf);
			return NULL;
		}
	}
	if (!buf) {
		w->failed = ENOMEM;
		return NULL;
	}
	uint64_t deadline = clock_now_ns() + job->duration_ns;
	for (;;) {
		uint64_t off = io_blk_random_offset(&rng, job->blocks);
		uint64_t t0 = clock_now_ns();
		ssize_t got = job->write ? pwrite(job->fd, buf, IO_BLK_BLOCK, (off_t)off)
					 : pread(job->fd, buf, IO_BLK_BLOCK, (off_t)off);
		uint64_t t1 = clock_now_ns();
		if (got != IO_BLK_BLOCK) {
			w->failed = got < 0 ? errno : -1;
			w->failed_at = off;
			w->got = got;
			break;
		}
		if (io_latencies_add(&w->lat, (double)(t1 - t0) / 1e3) != 0) {
			w->failed = ENOMEM;
			break;
		}
		w->ops++;
		if (t1 >= deadline)
			break;
	}
	free(buf);
	return NULL;
}

static void io_blk_gate_open(struct io_blk_gate *g, int state)
{
	pthread_mutex_lock(&g->lock);
	g->state = state;
	pthread_cond_broadcast(&g->changed);
	pthread_mutex_unlock(&g->lock);
}

static int io_blk_threads_random(struct io_blk_random *job, const char *id, struct vb_error *err)
{
	unsigned n = job->qd, started = 0;
	struct io_blk_worker *w = calloc(n, sizeof(*w));
	pthread_t *th = calloc(n, sizeof(*th));
	struct io_blk_gate gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0 };
	int rc = 0;
	if (!w || !th) {
		free(w);
		free(th);
		return error_set(err, "%s: out of memory for %u workers", id, n);
	}
	for (unsigned i = 0; i < n; i++) {
		w[i].job = job;
		w[i].index = i;
	}
	uint64_t start;
	if (n == 1) {
		/* Depth 1 runs on the calling thread: no thread hand-off in the measured path. */
		start = clock_now_ns();
		io_blk_worker_main(&w[0]);
		started = 1;
	} else {
		for (; started < n; started++) {
			w[started].gate = &gate;
			int e = pthread_create(&th[started], NULL, io_blk_worker_main, &w[started]);
			if (e != 0) {
				errno = e;
				rc = error_set_errno(err, "%s: creating I/O thread %u", id,
						     started);
				break;
			}
		}
		io_blk_gate_open(&gate, rc == 0 ? 1 : -1);
		start = clock_now_ns();
		for (unsigned i = 0; i < started; i++)
			pthread_join(th[i], NULL);
	}
	job->elapsed_ns = clock_now_ns() - start;
	for (unsigned i = 0; i < started; i++) {
		if (rc == 0 && w[i].failed == ENOMEM) {
			rc = error_set(err, "%s: out of memory in I/O thread %u", id, i);
		} else if (rc == 0 && w[i].failed) {
			rc = io_blk_check_transfer(id, job->write,
						   w[i].failed > 0 ? -w[i].failed : w[i].got,
						   IO_BLK_BLOCK, w[i].failed_at, err);
		}
		for (size_t k = 0; rc == 0 && k < w[i].lat.n; k++)
			if (io_latencies_add(&job->lat, w[i].lat.v[k]) != 0)
				rc = error_set(err, "%s: out of memory for latencies", id);
		job->ops += w[i].ops;
		io_latencies_free(&w[i].lat);
	}
	free(w);
	free(th);
	return rc;
}

int io_blk_create_scratch(const char *path, uint64_t bytes, struct vb_error *err)
{
	uint64_t size = (bytes + IO_BLK_SEQ_BLOCK - 1) / IO_BLK_SEQ_BLOCK * IO_BLK_SEQ_BLOCK;
	if (size == 0)
		return error_set(err, "scratch disk %s: size must be at least 1 byte", path);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_DIRECT | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (errno == EINVAL)
			return error_set(err,
					 "scratch disk %s: the filesystem does not support "
					 "O_DIRECT (tmpfs?); put it elsewhere",
					 path);
		return error_set_errno(err, "scratch disk %s: create", path);
	}
	/* Not zeros: no layer underneath (thin provisioning, compression) can skip the data. */
	void *buf = io_blk_buffer(IO_BLK_SEQ_BLOCK, 0x5c7a7c4);
	int rc = 0;
	if (!buf)
		rc = error_set(err, "scratch disk %s: out of memory", path);
	for (uint64_t off = 0; rc == 0 && off < size; off += IO_BLK_SEQ_BLOCK) {
		ssize_t got = pwrite(fd, buf, IO_BLK_SEQ_BLOCK, (off_t)off);
		if (got != IO_BLK_SEQ_BLOCK)
			rc = got < 0 ? error_set_errno(err, "scratch disk %s: write at %llu", path,
						       (unsigned long long)off)
				     : error_set(err, "scratch disk %s: short write at %llu", path,
						 (unsigned long long)off);
	}
	if (rc == 0 && fsync(fd) != 0)
		rc = error_set_errno(err, "scratch disk %s: fsync", path);
	free(buf);
	close(fd);
	if (rc != 0)
		unlink(path);
	return rc;
}

/* ---- io.blk.randread / io.blk.randwrite ---- */

/*
 * One sample: depth 1, then depth 32, each for "ms". out gets qd<depth>_iops, _p50_us and _p99_us
 * per depth, and the engine that ran.
 */
static int io_blk_random_run(const struct workload_ctx *ctx, struct sample_out *out, int write,
			     struct vb_error *err)
{
	const char *id = ctx->workload->id;
	uint64_t duration = 0;
	if (io_duration_ns(ctx, &duration, err) != 0)
		return -1;
	double engine_param = workload_param(ctx, "engine");
	if (engine_param != IO_BLK_ENGINE_IO_URING && engine_param != IO_BLK_ENGINE_THREADS)
		return error_set(
			err, "%s: engine must be 1 (io_uring, else threads) or 2 (threads)", id);
	struct io_blk_disk disk;
	int rc = io_blk_open(ctx, &disk, err);
	if (rc != 0)
		return rc;

	/* io_uring when the kernel and sandbox allow it; seccomp profiles often refuse it. */
	struct io_blk_ring ring = { .fd = -1 };
	enum io_blk_engine engine = IO_BLK_ENGINE_THREADS;
	if (engine_param == IO_BLK_ENGINE_IO_URING && io_blk_ring_open(&ring, IO_BLK_DEEP_QD) == 0)
		engine = IO_BLK_ENGINE_IO_URING;

	static const unsigned depths[] = { 1, IO_BLK_DEEP_QD };
	for (size_t i = 0; i < 2 && rc == 0; i++) {
		struct io_blk_random job = {
			.fd = disk.fd,
			.write = write,
			.qd = depths[i],
			.blocks = disk.size / IO_BLK_BLOCK,
			.duration_ns = duration,
			.seed = ctx->seed * 2 + i,
		};
		rc = engine == IO_BLK_ENGINE_IO_URING ? io_blk_ring_random(&job, &ring, id, err)
						      : io_blk_threads_random(&job, id, err);
		if (rc == 0 && (job.ops == 0 || job.elapsed_ns == 0))
			rc = error_set(err, "%s: no I/O completed at depth %u", id, depths[i]);
		if (rc == 0) {
			char prefix[16], name[32];
			snprintf(prefix, sizeof(prefix), "qd%u", depths[i]);
			snprintf(name, sizeof(name), "%s_iops", prefix);
			workload_set_metric(out, ctx, name,
					    (double)job.ops * 1e9 / (double)job.elapsed_ns);
			io_latencies_set_metrics(&job.lat, prefix, out, ctx);
		}
		io_latencies_free(&job.lat);
	}
	workload_set_metric(out, ctx, "engine", engine);
	io_blk_ring_close(&ring);
	close(disk.fd);
	return rc;
}

static int io_blk_randread_run(const struct workload_ctx *ctx, struct sample_out *out,
			       struct vb_error *err)
{
	return io_blk_random_run(ctx, out, 0, err);
}

static int io_blk_randwrite_run(const struct workload_ctx *ctx, struct sample_out *out,
				struct vb_error *err)
{
	return io_blk_random_run(ctx, out, 1, err);
}

#define IO_BLK_RANDOM_PARAMS                                                                       \
	{                                                                                          \
		{ "ms", { 20, 150, 1000 }, "milliseconds of I/O at each queue depth" },            \
			{ "engine",                                                                \
			  { 1, 1, 1 },                                                             \
			  "1: io_uring, or threads where io_uring is refused; 2: threads "         \
			  "always" },                                                              \
	}

/* The engine metric is not a performance figure: which engine ran, to show a mismatch. */
#define IO_BLK_RANDOM_METRICS                                                                      \
	{                                                                                          \
		{ "qd1_iops", "IOPS", BETTER_HIGHER },                                             \
			{ "qd1_p50_us", "us", BETTER_LOWER, METRIC_IO_PERCENTILE },                \
			{ "qd1_p99_us", "us", BETTER_LOWER, METRIC_IO_PERCENTILE },                \
			{ "qd32_iops", "IOPS", BETTER_HIGHER },                                    \
			{ "qd32_p50_us", "us", BETTER_LOWER, METRIC_IO_PERCENTILE },               \
			{ "qd32_p99_us", "us", BETTER_LOWER, METRIC_IO_PERCENTILE },               \
			{ "engine", "id", BETTER_LOWER, .value_names = io_blk_engine_names },      \
	}

static const struct workload io_blk_randread_workload = {
	.id = "io.blk.randread",
	.group = "io.blk",
	.description = "4 KiB O_DIRECT random reads at queue depth 1 and 32 (io_uring, or 32 "
		       "threads with pread where io_uring is refused; metric engine says which)",
	.params = IO_BLK_RANDOM_PARAMS,
	.metrics = IO_BLK_RANDOM_METRICS,
	.run = io_blk_randread_run,
	.needs = WORKLOAD_NEEDS_DISK | WORKLOAD_NEEDS_KERNEL,
};

static const struct workload io_blk_randwrite_workload = {
	.id = "io.blk.randwrite",
	.group = "io.blk",
	.description = "4 KiB O_DIRECT random writes at queue depth 1 and 32 (io_uring, or 32 "
		       "threads with pwrite where io_uring is refused; metric engine says which)",
	.params = IO_BLK_RANDOM_PARAMS,
	.metrics = IO_BLK_RANDOM_METRICS,
	.run = io_blk_randwrite_run,
	.needs = WORKLOAD_NEEDS_DISK | WORKLOAD_NEEDS_KERNEL,
};

/* ---- io.blk.seq ---- */

/* The "ms" parameter and the disk opened. Returns 0, -1, or WORKLOAD_UNSUPPORTED (no disk). */
static int io_blk_prepare(const struct workload_ctx *ctx, uint64_t *duration,
			  struct io_blk_disk *disk, struct vb_error *err)
{
	if (io_duration_ns(ctx, duration, err) != 0)
		return -1;
	return io_blk_open(ctx, disk, err);
}

/* Streams 1 MiB blocks from offset 0, wrapping at the end of the disk, for duration ns. */
static int io_blk_seq_pass(const struct workload_ctx *ctx, const struct io_blk_disk *disk,
			   void *buf, int write, uint64_t duration, double *mbps,
			   struct vb_error *err)
{
	uint64_t off = 0, bytes = 0, now;
	uint64_t start = clock_now_ns(), deadline = start + duration;
	do {
		ssize_t got = write ? pwrite(disk->fd, buf, IO_BLK_SEQ_BLOCK, (off_t)off)
				    : pread(disk->fd, buf, IO_BLK_SEQ_BLOCK, (off_t)off);
		if (io_blk_check_transfer(ctx->workload->id, write, got < 0 ? -errno : got,
					  IO_BLK_SEQ_BLOCK, off, err) != 0)
			return -1;
		bytes += IO_BLK_SEQ_BLOCK;
		off += IO_BLK_SEQ_BLOCK;
		if (off + IO_BLK_SEQ_BLOCK > disk->size)
			off = 0;
		now = clock_now_ns();
	} while (now < deadline);
	*mbps = (double)bytes / 1e6 / ((double)(now - start) / 1e9);
	return 0;
}

static int io_blk_seq_run(const struct workload_ctx *ctx, struct sample_out *out,
			  struct vb_error *err)
{
	uint64_t duration = 0;
	struct io_blk_disk disk;
	int rc = io_blk_prepare(ctx, &duration, &disk, err);
	if (rc != 0)
		return rc;
	void *buf = io_blk_buffer(IO_BLK_SEQ_BLOCK, ctx->seed);
	if (!buf)
		rc = error_set(err, "io.blk.seq: out of memory for a 1 MiB buffer");
	/* Write first: the read pass then reads blocks that hold data, not holes. */
	double mbps;
	if (rc == 0)
		rc = io_blk_seq_pass(ctx, &disk, buf, 1, duration, &mbps, err);
	if (rc == 0) {
		workload_set_metric(out, ctx, "write_mbps", mbps);
		rc = io_blk_seq_pass(ctx, &disk, buf, 0, duration, &mbps, err);
	}
	if (rc == 0)
		workload_set_metric(out, ctx, "read_mbps", mbps);
	free(buf);
	close(disk.fd);
	return rc;
}

static const struct workload io_blk_seq_workload = {
	.id = "io.blk.seq",
	.group = "io.blk",
	.description = "1 MiB O_DIRECT sequential writes, then reads (pwrite/pread, depth 1), "
		       "wrapping at the end of the disk",
	.params = {
		{ "ms", { 20, 150, 1000 }, "milliseconds of each direction" },
	},
	.metrics = {
		{ "read_mbps", "MB/s", BETTER_HIGHER },
		{ "write_mbps", "MB/s", BETTER_HIGHER },
	},
	.run = io_blk_seq_run,
	.needs = WORKLOAD_NEEDS_DISK | WORKLOAD_NEEDS_KERNEL,
};

/* ---- io.blk.fsync ---- */

static int io_blk_fsync_run(const struct workload_ctx *ctx, struct sample_out *out,
			    struct vb_error *err)
{
	uint64_t duration = 0;
	struct io_blk_disk disk;
	int rc = io_blk_prepare(ctx, &duration, &disk, err);
	if (rc != 0)
		return rc;
	struct io_latencies lat = { 0 };
	void *buf = io_blk_buffer(IO_BLK_BLOCK, ctx->seed);
	if (!buf) {
		close(disk.fd);
		return error_set(err, "io.blk.fsync: out of memory");
	}
	/* Appending 4 KiB records and syncing each, as a database log does; wraps at the end. */
	uint64_t start = clock_now_ns(), deadline = start + duration;
	uint64_t off = 0, ops = 0, now = start;
	do {
		uint64_t t0 = clock_now_ns();
		ssize_t got = pwrite(disk.fd, buf, IO_BLK_BLOCK, (off_t)off);
		if (io_blk_check_transfer("io.blk.fsync", 1, got < 0 ? -errno : got, IO_BLK_BLOCK,
					  off, err) != 0) {
			rc = -1;
			break;
		}
		if (fdatasync(disk.fd) != 0) {
			rc = error_set_errno(err, "io.blk.fsync: fdatasync");
			break;
		}
		now = clock_now_ns();
		if (io_latencies_add(&lat, (double)(now - t0) / 1e3) != 0) {
			rc = error_set(err, "io.blk.fsync: out of memory for latencies");
			break;
		}
		ops++;
		off += IO_BLK_BLOCK;
		if (off + IO_BLK_BLOCK > disk.size)
			off = 0;
	} while (now < deadline);
	if (rc == 0) {
		io_latencies_set_metrics(&lat, "fsync", out, ctx);
		workload_set_metric(out, ctx, "fsyncs", (double)ops * 1e9 / (double)(now - start));
	}
	io_latencies_free(&lat);
	free(buf);
	close(disk.fd);
	return rc;
}

static const struct workload io_blk_fsync_workload = {
	.id = "io.blk.fsync",
	.group = "io.blk",
	.description = "4 KiB O_DIRECT write + fdatasync() latency, appending like a log",
	.params = {
		{ "ms", { 50, 300, 2000 }, "milliseconds of writes" },
	},
	.metrics = {
		{ "fsync_p50_us", "us", BETTER_LOWER, METRIC_IO_PERCENTILE },
		{ "fsync_p99_us", "us", BETTER_LOWER, METRIC_IO_PERCENTILE },
		{ "fsyncs", "fsyncs/s", BETTER_HIGHER },
	},
	.run = io_blk_fsync_run,
	.needs = WORKLOAD_NEEDS_DISK | WORKLOAD_NEEDS_KERNEL,
};

const struct workload *const io_blk_workloads[] = {
	&io_blk_randread_workload,
	&io_blk_randwrite_workload,
	&io_blk_seq_workload,
	&io_blk_fsync_workload,
	NULL,
};
