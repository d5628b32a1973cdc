/* The suite runner behind `run` and `compare`: bring backends up, interleave samples, save. */
#include "harness/runner.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backends/backend.h"
#include "backends/cpus.h"
#include "common/clock.h"
#include "common/path.h"
#include "common/rng.h"
#include "analysis/checks.h"
#include "harness/host.h"
#include "harness/order.h"
#include "analysis/results.h"
#include "harness/scratch.h"
#include "harness/session.h"
#include "analysis/table.h"

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: blocking reads must return EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* The agent binary sits next to vbench in the build directory. */
static void find_agent(const char *self_path, char *out, size_t len)
{
	const char *env = getenv("VBENCH_AGENT");
	if (env && *env)
		snprintf(out, len, "%s", env);
	else
		path_beside_self("vbench-agent", self_path, out, len);
}

/* Fill the request parameters of w for this run, each from where it declares. */
static int build_params(const struct workload *w, enum suite suite, const struct result_host *host,
			unsigned cpus, uint64_t memory_bytes, struct proto_values *params,
			struct vb_error *err)
{
	memset(params, 0, sizeof(*params));
	for (size_t i = 0; i < workload_param_count(w); i++) {
		const struct param_def *p = &w->params[i];
		double v;
		switch (p->from) {
		case PARAM_FROM_SUITE: v = p->value[suite]; break;
		case PARAM_HOST_LLC_BYTES:
			v = host->llc_bytes ? (double)host->llc_bytes : 8.0 * 1024 * 1024;
			break;
		case PARAM_HOST_CPUS: v = cpus; break;
		case PARAM_HOST_MEMORY_LIMIT: v = (double)memory_bytes; break;
		default:
			return error_set(err,
					 "%s: parameter %s asks the host for a value "
					 "vbench does not know",
					 w->id, p->name);
		}
		proto_values_add(params, p->name, v);
	}
	return 0;
}

struct runner {
	const struct run_options *o;
	bool compare; /* `vbench compare`: ratios in the table, and a report */
	const struct run_observer *watch;
	struct results_doc doc;
	struct backend_config cfg;
	char agent[PATH_MAX];
	char run_dir[200];	  /* the run's private directory; "" = none made */
	char disk_path[PATH_MAX]; /* the scratch disk vbench made; "" = none */
	double t0;		  /* when the run began (monotonic s) */
	struct session sessions[OPTIONS_MAX_BACKENDS];	  /* the started backends, in order */
	struct backend_config cfgs[OPTIONS_MAX_BACKENDS]; /* cfg with each session's argument */
	unsigned nsessions;
	bool failed; /* a workload failed somewhere */
};

static void watch_note(struct runner *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void watch_note(struct runner *r, const char *fmt, ...)
{
	if (!r->watch || !r->watch->note)
		return;
	char message[1400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof(message), fmt, ap);
	va_end(ap);
	r->watch->note(r->watch->ctx, message);
}

/* The results entry of w's metric m on backend, with what w declares of it. */
static struct result_entry *runner_entry(struct results_doc *doc, const struct workload *w,
					 size_t m, const char *backend)
{
	struct result_entry *e = results_entry(doc, w->id, w->group, &w->metrics[m], backend);
	if (e)
		e->host_side = w->host_side;
	return e;
}

static void mark_workload(struct runner *r, const struct workload *w, const char *backend,
			  enum result_status status, const char *note)
{
	for (size_t m = 0; m < workload_metric_count(w); m++) {
		struct result_entry *e = runner_entry(&r->doc, w, m, backend);
		if (e && e->status == RESULT_OK) {
			e->status = status;
			snprintf(e->note, sizeof(e->note), "%s", note);
		}
	}
}

/* Why an `ok` entry missed a sample, kept until finish_entries decides what it means. */
static void note_unmeasured(struct result_entry *e, const char *why)
{
	if (why && *why)
		snprintf(e->note, sizeof(e->note), "%s", why);
}

static int sample_timeout_ms(const struct run_options *o)
{
	if (o->timeout_s)
		return (int)o->timeout_s * 1000;
	return o->suite == SUITE_FULL ? 900000 : 300000;
}

/* Host-side counters of an environment (kvm: VM exits by reason), cumulative. */
#define HOST_COUNTERS_MAX 32
struct host_counters {
	unsigned n;
	char names[HOST_COUNTERS_MAX][48];
	uint64_t values[HOST_COUNTERS_MAX];
};

static void host_counters_read(struct session *s, struct host_counters *hc)
{
	hc->n = 0;
	if (s->ops->host_counters && s->inst)
		hc->n = s->ops->host_counters(s->inst, hc->names, hc->values, HOST_COUNTERS_MAX);
}

/* Their change across the sample is the sample's: recorded as counter series host.<name>. */
static void record_host_counters(struct runner *r, struct session *s, const struct workload *w,
				 const struct host_counters *before)
{
	struct host_counters after;
	if (!before->n)
		return;
	host_counters_read(s, &after);
	for (unsigned c = 0; c < after.n && c < before->n; c++) {
		if (strcmp(after.names[c], before->names[c]) != 0 ||
		    after.values[c] < before->values[c])
			continue; /* the set changed (a restart): no honest difference */
		char name[64];
		snprintf(name, sizeof(name), "host.%.42s", after.names[c]);
		results_add_counter(&r->doc, w->id, s->name, name,
				    (double)(after.values[c] - before->values[c]));
	}
}

/* One sample (or warm-up) of w on session s. Returns false when this backend is done with w. */
static bool run_sample(struct runner *r, unsigned si, const struct workload *w,
		       const struct proto_values *params, unsigned i, bool warmup)
{
	struct session *s = &r->sessions[si];
	struct proto_msg req, rep;
	struct vb_error err;
	error_clear(&err);
	memset(&req, 0, sizeof(req));
	req.type = PROTO_RUN;
	snprintf(req.run.workload, sizeof(req.run.workload), "%s", w->id);
	req.run.params = *params;
	req.run.cpus = r->cfg.ncpus;
	snprintf(req.run.disk, sizeof(req.run.disk), "%s", s->stats.agent_disk_path);
	snprintf(req.run.peer, sizeof(req.run.peer), "%s", s->stats.peer_addr);
	/* the same seed for sample i everywhere: every backend does identical work */
	uint64_t sample_seed = rng_mix64(i + (warmup ? 1000000 : 0));
	req.run.seed = rng_mix64(r->o->seed ^ rng_hash_string(w->id) ^ sample_seed) >> 11;
	struct host_counters before;
	host_counters_read(s, &before);
	if (session_request(s, &req, &rep, sample_timeout_ms(r->o), &err) < 0) {
		if (err.code == EINTR && interrupted)
			return false;
		char note[600];
		snprintf(note, sizeof(note), "%s (sample %u)", err.message, i + 1);
		watch_note(r, "%s: %s: %s", s->name, w->id, note);
		mark_workload(r, w, s->name, RESULT_ERROR, err.message);
		r->failed = true;
		if (!s->up && !interrupted) {
			struct vb_error rerr;
			if (session_restart(s, &rerr) < 0)
				watch_note(r, "%s: could not restart the agent: %s", s->name,
					   rerr.message);
		}
		return false;
	}
	bool go_on = true;
	if (rep.type == PROTO_SAMPLE) {
		if (!warmup) {
			for (size_t m = 0; m < workload_metric_count(w); m++) {
				struct result_entry *e = runner_entry(&r->doc, w, m, s->name);
				double v;
				if (!e || e->status != RESULT_OK)
					continue;
				for (unsigned z = 0; z < rep.sizes.count; z++)
					results_entry_add_size(e, rep.sizes.v[z].name,
							       rep.sizes.v[z].value);
				if (proto_values_get(&rep.metrics, w->metrics[m].name, &v) < 0 ||
				    isnan(v))
					note_unmeasured(e, rep.message);
				else
					results_add_sample(e, v);
			}
			for (unsigned c = 0; c < rep.counters.count; c++)
				results_add_counter(&r->doc, w->id, s->name, rep.counters.v[c].name,
						    rep.counters.v[c].value);
			record_host_counters(r, s, w, &before);
		}
	} else if (rep.type == PROTO_UNSUPPORTED) {
		mark_workload(r, w, s->name, RESULT_UNSUPPORTED, rep.message);
		watch_note(r, "%s: %s: unsupported: %s", s->name, w->id, rep.message);
		go_on = false;
	} else if (rep.type == PROTO_ERROR) {
		mark_workload(r, w, s->name, RESULT_ERROR, rep.message);
		watch_note(r, "%s: %s: error: %s", s->name, w->id, rep.message);
		r->failed = true;
		go_on = false;
	} else {
		char note[96];
		snprintf(note, sizeof(note), "unexpected %s reply", proto_type_name(rep.type));
		mark_workload(r, w, s->name, RESULT_ERROR, note);
		r->failed = true;
		go_on = false;
	}
	proto_msg_free(&rep);
	return go_on;
}

/* A lifecycle sample: restart the environment and record what starting it cost. */
static bool run_lifecycle_sample(struct runner *r, unsigned si, const struct workload *w,
				 bool warmup)
{
	struct session *s = &r->sessions[si];
	struct vb_error err;
	if (session_restart(s, &err) < 0) {
		if (interrupted)
			return false;
		watch_note(r, "%s: %s: %s", s->name, w->id, err.message);
		mark_workload(r, w, s->name, RESULT_ERROR, err.message);
		r->failed = true;
		return false;
	}
	if (warmup)
		return true;
	double values[2] = { s->stats.startup_ms,
			     s->stats.host_overhead_bytes / (1024.0 * 1024.0) };
	char why[2][WORKLOAD_NOTE_MAX];
	snprintf(why[0], sizeof(why[0]), "%s did not time its start", s->name);
	if (s->stats.host_overhead_note[0])
		snprintf(why[1], sizeof(why[1]), "%s", s->stats.host_overhead_note);
	else
		snprintf(why[1], sizeof(why[1]), "%s could not measure its host memory overhead",
			 s->name);
	for (size_t m = 0; m < 2 && m < workload_metric_count(w); m++) {
		struct result_entry *e = runner_entry(&r->doc, w, m, s->name);
		if (!e || e->status != RESULT_OK)
			continue;
		if (isfinite(values[m]) && values[m] >= 0)
			results_add_sample(e, values[m]);
		else
			note_unmeasured(e, why[m]);
	}
	return true;
}

/*
 * A metric that ended a workload with no samples and no failure was never measured: it becomes
 * `unsupported` with the reason the workload gave, so that no result is `ok` without a number.
 * One measured in some samples only keeps its samples, and the note says how many it missed.
 */
static void finish_entries(struct runner *r, const struct workload *w, const struct session *s)
{
	/* what a measured io.net number stands for, when not the backend's own link (ssh) */
	const char *label = (w->needs & WORKLOAD_NEEDS_NETWORK) && s->stats.peer_note[0]
				    ? s->stats.peer_note
				    : NULL;
	for (size_t m = 0; m < workload_metric_count(w); m++) {
		struct result_entry *e = runner_entry(&r->doc, w, m, s->name);
		if (!e || e->status != RESULT_OK)
			continue;
		if (e->nsamples == 0) {
			e->status = RESULT_UNSUPPORTED;
			if (!*e->note)
				snprintf(e->note, sizeof(e->note), "%s",
					 interrupted ? "not measured: the run was interrupted first"
						     : "the workload gave no value for this "
						       "metric and did not say why");
		} else if (*e->note && !interrupted && e->nsamples < (size_t)r->o->repeat) {
			char why[sizeof(e->note)];
			snprintf(why, sizeof(why), "%s", e->note);
			snprintf(e->note, sizeof(e->note),
				 "not measured in %zu of %d samples: %.440s",
				 (size_t)r->o->repeat - e->nsamples, r->o->repeat, why);
		} else {
			e->note[0] = '\0';
		}
		if (label && e->status == RESULT_OK && e->nsamples) {
			char why[sizeof(e->note)];
			snprintf(why, sizeof(why), "%s", e->note);
			snprintf(e->note, sizeof(e->note), "%s%s%.300s", label, why[0] ? "; " : "",
				 why);
		}
	}
}

static void run_workload(struct runner *r, const struct workload *w)
{
	struct proto_values params;
	struct vb_error err;
	memset(&params, 0, sizeof(params));
	if (!w->host_side && build_params(w, r->o->suite, &r->doc.host, r->cfg.ncpus,
					  r->cfg.memory_bytes, &params, &err) < 0) {
		for (unsigned si = 0; si < r->nsessions; si++)
			mark_workload(r, w, r->sessions[si].name, RESULT_ERROR, err.message);
		r->failed = true;
		return;
	}
	bool active[OPTIONS_MAX_BACKENDS];
	for (unsigned si = 0; si < r->nsessions; si++) {
		/* create the entries up front so that every metric appears in the results */
		for (size_t m = 0; m < workload_metric_count(w); m++)
			runner_entry(&r->doc, w, m, r->sessions[si].name);
		active[si] = r->sessions[si].up;
		const char *lacks = w->host_side ? NULL : session_lacks(&r->sessions[si], w);
		if (!active[si]) {
			mark_workload(r, w, r->sessions[si].name, RESULT_ERROR,
				      "the agent is not running");
		} else if (lacks) {
			/* by the workload's declared needs: the agent is not asked */
			mark_workload(r, w, r->sessions[si].name, RESULT_UNSUPPORTED, lacks);
			watch_note(r, "%s: %s: unsupported: %s", r->sessions[si].name, w->id,
				   lacks);
			active[si] = false;
		}
	}
	unsigned total = (unsigned)(r->o->warmup + r->o->repeat);
	/* interleaved, one sample each per round, so that drift of the machine hits every backend
	 * alike; the order rotates from round to round, so that no backend always goes first */
	for (unsigned i = 0; i < total && !interrupted; i++) {
		bool warm = i < (unsigned)r->o->warmup;
		unsigned order[OPTIONS_MAX_BACKENDS];
		char ran[sizeof(((struct round_record *)0)->order)] = "";
		order_round(r->o->seed, w->id, i, r->nsessions, order);
		for (unsigned place = 0; place < r->nsessions && !interrupted; place++) {
			unsigned si = order[place];
			if (!active[si])
				continue;
			size_t used = strlen(ran);
			snprintf(ran + used, sizeof(ran) - used, "%s%s", used ? "," : "",
				 r->sessions[si].name);
			if (r->watch && r->watch->sample)
				r->watch->sample(r->watch->ctx, r->sessions[si].name, w->id, i + 1,
						 total, warm);
			if (w->host_side)
				active[si] = run_lifecycle_sample(r, si, w, warm);
			else
				active[si] =
					run_sample(r, si, w, &params,
						   warm ? i : i - (unsigned)r->o->warmup, warm);
		}
		if (ran[0])
			results_add_round(&r->doc, w->id, i + 1, warm, ran);
	}
	for (unsigned si = 0; si < r->nsessions; si++)
		finish_entries(r, w, &r->sessions[si]);
}

static void fill_config(struct runner *r)
{
	struct result_config *c = &r->doc.config;
	c->suite = r->o->suite;
	c->cpus = r->cfg.ncpus;
	cpus_format_list(r->cfg.cpu_list, r->cfg.ncpus, c->cpu_list, sizeof(c->cpu_list));
	c->memory_bytes = r->cfg.memory_bytes;
	c->repeat = (unsigned)r->o->repeat;
	c->warmup = (unsigned)r->o->warmup;
	c->seed = r->o->seed;
	snprintf(c->baseline, sizeof(c->baseline), "%s",
		 r->o->baseline ? r->o->baseline : r->o->names[r->o->nbackends - 1]);
	for (unsigned p = 0; p < r->o->npatterns; p++) {
		if (p)
			strncat(c->workloads, ",", sizeof(c->workloads) - strlen(c->workloads) - 1);
		strncat(c->workloads, r->o->patterns[p],
			sizeof(c->workloads) - strlen(c->workloads) - 1);
	}
}

static int save_results(struct runner *r, char *path, size_t len)
{
	struct vb_error err;
	int rc = 0;
	char names[128] = "";
	for (unsigned b = 0; b < r->o->nbackends; b++) {
		strncat(names, "-", sizeof(names) - strlen(names) - 1);
		strncat(names, r->o->names[b], sizeof(names) - strlen(names) - 1);
	}
	/* "ssh:root@10.0.0.2:22" in a file name: only what every file system and shell takes */
	for (char *p = names; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			*p = '_';
	char stamp[32];
	snprintf(stamp, sizeof(stamp), "%s", r->doc.start_time);
	for (char *p = stamp; *p; p++)
		if (*p == ':' || *p == '-')
			memmove(p, p + 1, strlen(p)), p--;
	if (mkdir(r->o->out_dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "vbench: cannot create %s: %s\n", r->o->out_dir, strerror(errno));
		rc = -1;
	} else {
		snprintf(path, len, "%s/%s%s.json", r->o->out_dir, stamp, names);
		if (results_write_file(&r->doc, path, &err) < 0) {
			fprintf(stderr, "vbench: %s\n", err.message);
			rc = -1;
			path[0] = '\0';
		}
	}
	if (r->o->json_path && results_write_file(&r->doc, r->o->json_path, &err) < 0) {
		fprintf(stderr, "vbench: %s\n", err.message);
		rc = -1;
	}
	return rc;
}

static void remove_run_dir(const char *dir)
{
	if (dir && dir[0])
		rmdir(dir); /* backends remove what they put there */
}

/*
 * The run in four steps: prepare, start the backends, run the workloads, finish. Each of the
 * first three returns VB_EXIT_OK to go on or the status that ends the run early, and leaves what
 * it made in the runner; runner_finish comes after whichever step was the last, so that what was
 * measured is saved on every path (the end, an error, Ctrl-C) and nothing is left behind.
 */

/* Does any backend named run the agent binary (every one but those that answer themselves)? */
static bool runner_needs_agent(const struct runner *r)
{
	const char *argument;
	for (unsigned b = 0; b < r->o->nbackends; b++)
		if (!backend_parse(r->o->backends[b], &argument)->canned)
			return true;
	return false;
}

/*
 * Step 1: the results document (host, start time, configuration), the CPUs, the agent, a private
 * run directory and, when a selected workload needs one, a scratch disk. An error is said on
 * stderr and ends the run before any backend starts.
 */
static enum vb_exit runner_prepare(struct runner *r, const char *self_path)
{
	const struct run_options *o = r->o;
	struct vb_error err;
	results_init(&r->doc);
	host_describe(&r->doc.host);
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(r->doc.start_time, sizeof(r->doc.start_time), "%Y-%m-%dT%H:%M:%SZ", &tm);
	r->t0 = clock_now_s();

	if (cpus_pick(o->cpus, r->cfg.cpu_list, &r->cfg.ncpus, &err) < 0) {
		fprintf(stderr, "vbench: %s\n", err.message);
		return VB_EXIT_ENVIRONMENT;
	}
	find_agent(self_path, r->agent, sizeof(r->agent));
	if (runner_needs_agent(r) && access(r->agent, X_OK) < 0) {
		fprintf(stderr, "vbench: the agent %s is missing (build it with make): %s\n",
			r->agent, strerror(errno));
		return VB_EXIT_ENVIRONMENT;
	}
	/* in $TMPDIR when it is set, as every Unix tool's temporary files (the tests give each run a
	 * folder of its own there, so that another run on the machine is never counted as theirs) */
	const char *tmpdir = getenv("TMPDIR");
	snprintf(r->run_dir, sizeof(r->run_dir), "%s/vbench-run-XXXXXX",
		 tmpdir && tmpdir[0] == '/' && strlen(tmpdir) < 120 ? tmpdir : "/tmp");
	if (!mkdtemp(r->run_dir)) {
		r->run_dir[0] = '\0';
		fprintf(stderr, "vbench: cannot create a temporary directory: %s\n",
			strerror(errno));
		return VB_EXIT_ENVIRONMENT;
	}
	r->cfg.agent_path = r->agent;
	r->cfg.memory_bytes = o->memory_bytes;
	r->cfg.kernel_path = o->kernel;
	r->cfg.modules_dir = o->modules;
	r->cfg.oci_runtime = o->oci_runtime;
	r->cfg.run_dir = r->run_dir;
	r->cfg.force = o->force;
	r->cfg.vm_mode = o->vm_mode;
	r->cfg.guest_page_bytes = o->guest_page_bytes;
	r->cfg.ssh_options = o->ssh_options;
	r->cfg.nssh_options = o->nssh_options;
	r->cfg.remote_dir = o->remote_dir;
	fill_config(r);

	/* devices only when a selected workload needs them */
	bool need_disk = false;
	const struct workload *sel;
	for (size_t i = 0; (sel = workload_at(i)); i++) {
		if (!options_match_workload(o, sel))
			continue;
		need_disk |= (sel->needs & WORKLOAD_NEEDS_DISK) != 0;
		r->cfg.network |= (sel->needs & WORKLOAD_NEEDS_NETWORK) != 0;
	}
	if (need_disk && o->disk) {
		if (access(o->disk, R_OK | W_OK) < 0) {
			fprintf(stderr, "vbench: --disk %s: %s\n", o->disk, strerror(errno));
			return VB_EXIT_ENVIRONMENT;
		}
		r->cfg.disk_path = o->disk;
	} else if (need_disk) {
		const char *dir = getenv("VBENCH_SCRATCH_DIR");
		if (scratch_create(dir && *dir ? dir : "/var/tmp", o->disk_bytes, r->disk_path,
				   sizeof(r->disk_path), &err) < 0)
			fprintf(stderr,
				"vbench: no scratch disk, workloads that need one will be "
				"unsupported: %s\n",
				err.message);
		else
			r->cfg.disk_path = r->disk_path;
	}
	return VB_EXIT_OK;
}

/*
 * Step 2: probe and start every backend named, in order, before the first sample. One that
 * cannot run here or does not start is skipped, and its results entry says why; none at all
 * (unless Ctrl-C stopped the starting) is an environment error.
 */
static enum vb_exit runner_start_backends(struct runner *r)
{
	const struct run_options *o = r->o;
	struct vb_error err;
	r->doc.nbackends = o->nbackends;
	r->doc.backends = calloc(o->nbackends, sizeof(*r->doc.backends));
	if (!r->doc.backends) {
		r->doc.nbackends = 0;
		fprintf(stderr, "vbench: out of memory\n");
		return VB_EXIT_ENVIRONMENT;
	}
	/* a backend named with an argument (a host) that cannot be reached is the user's error:
	 * said in one line before anything starts */
	const struct backend_ops *ops_of[OPTIONS_MAX_BACKENDS];
	struct backend_config *cfg_of[OPTIONS_MAX_BACKENDS];
	bool probed[OPTIONS_MAX_BACKENDS] = { false };
	for (unsigned b = 0; b < o->nbackends; b++) {
		r->cfgs[b] = r->cfg;
		ops_of[b] = backend_parse(o->backends[b], &r->cfgs[b].argument);
		cfg_of[b] = &r->cfgs[b];
		if (!ops_of[b]->takes_argument || ops_of[b]->argument_optional || !ops_of[b]->probe ||
		    interrupted)
			continue;
		error_clear(&err);
		if (ops_of[b]->probe(cfg_of[b], &err) < 0) {
			fprintf(stderr, "vbench: %s: %s\n", o->names[b], err.message);
			return VB_EXIT_ENVIRONMENT;
		}
		probed[b] = true;
	}
	for (unsigned b = 0; b < o->nbackends && !interrupted; b++) {
		const struct backend_ops *ops = ops_of[b];
		struct result_backend *rb = &r->doc.backends[b];
		snprintf(rb->name, sizeof(rb->name), "%s", o->names[b]);
		rb->bare_metal = ops->bare_metal;
		rb->startup_ms = NAN;
		rb->host_overhead_bytes = NAN;
		rb->memory_seen_bytes = NAN;
		error_clear(&err);
		if (!probed[b] && ops->probe && ops->probe(cfg_of[b], &err) < 0 && !o->force) {
			snprintf(rb->reason, sizeof(rb->reason), "%s", err.message);
			fprintf(stderr, "vbench: %s: skipped: %s\n", o->names[b], err.message);
			continue;
		}
		struct session *s = &r->sessions[r->nsessions];
		session_init(s, ops, o->names[b], cfg_of[b]);
		watch_note(r, "%s: starting", o->names[b]);
		if (session_start(s, &err) < 0) {
			snprintf(rb->reason, sizeof(rb->reason), "%s", err.message);
			fprintf(stderr, "vbench: %s: skipped: %s\n", o->names[b], err.message);
			session_free(s);
			continue;
		}
		rb->ran = true;
		rb->startup_ms = s->stats.startup_ms;
		rb->host_overhead_bytes = s->stats.host_overhead_bytes;
		snprintf(rb->details, sizeof(rb->details), "%s", s->stats.details);
		snprintf(rb->mode, sizeof(rb->mode), "%s", s->stats.mode);
		/* keep the whole hello: version, kernel, cpus, memory and isolation facts */
		struct proto_msg hm = { .type = PROTO_HELLO, .hello = s->hello };
		rb->hello_json = proto_encode(&hm, NULL);
		r->nsessions++;
	}
	if (r->nsessions == 0 && !interrupted) {
		fprintf(stderr, "vbench: no backend can run here\n");
		return VB_EXIT_ENVIRONMENT;
	}
	return VB_EXIT_OK;
}

/*
 * Step 3: every selected workload in the registry's order, each on every started backend, until
 * all are done or Ctrl-C; then the agents are asked to shut down. A workload that fails marks
 * the run failed (r->failed) and the run goes on.
 */
static void runner_run_workloads(struct runner *r)
{
	const struct run_options *o = r->o;
	const struct run_observer *watch = r->watch;
	const struct workload *w;
	size_t nselected = 0;
	for (size_t i = 0; (w = workload_at(i)); i++)
		if (options_match_workload(o, w))
			nselected++;
	if (watch && watch->begin)
		watch->begin(watch->ctx, nselected,
			     (unsigned)(o->warmup + o->repeat) * r->nsessions);
	for (size_t i = 0; (w = workload_at(i)) && !interrupted; i++) {
		if (!options_match_workload(o, w))
			continue;
		if (watch && watch->workload)
			watch->workload(watch->ctx, w->id);
		run_workload(r, w);
	}
	for (unsigned si = 0; si < r->nsessions; si++)
		session_stop(&r->sessions[si]);
	if (watch && watch->end)
		watch->end(watch->ctx);
}

/*
 * Step 4, after whichever step came last (code is how it ended): tear down every environment,
 * the run directory and the scratch disk; then, unless the run ended before anything was
 * recorded, compute the statistics and checks, print the table and save the results (and the
 * report of a compare). Returns the run's exit status: Ctrl-C before everything else, then the
 * steps' error, a results file that could not be written, a failed workload.
 */
static enum vb_exit runner_finish(struct runner *r, enum vb_exit code)
{
	const struct run_options *o = r->o;
	for (unsigned si = 0; si < r->nsessions; si++)
		session_free(&r->sessions[si]);
	remove_run_dir(r->run_dir);
	scratch_remove(r->disk_path);
	r->doc.duration_s = clock_now_s() - r->t0;
	r->doc.interrupted = interrupted != 0;
	if (code == VB_EXIT_OK || r->doc.nentries > 0) {
		char path[PATH_MAX] = "";
		results_compute(&r->doc, o->seed);
		checks_run(&r->doc);
		if (r->doc.nentries > 0)
			table_print(stdout, &r->doc, r->compare);
		if (save_results(r, path, sizeof(path)) == 0 && path[0])
			printf("\nresults: %s\n", path);
		else if (code == VB_EXIT_OK)
			code = VB_EXIT_ENVIRONMENT;
		if (r->compare && !o->no_report && r->doc.nentries > 0)
			table_write_report(&r->doc, o->report_dir ? o->report_dir : "reports");
	}
	if (interrupted) {
		fprintf(stderr, "vbench: interrupted; the results measured so far are saved\n");
		code = VB_EXIT_INTERRUPTED;
	} else if (code == VB_EXIT_OK && r->failed) {
		code = VB_EXIT_FAILED;
	}
	return code;
}

enum vb_exit runner_main(const struct run_options *o, bool compare, const char *self_path,
			 const struct run_observer *watch)
{
	struct runner *r = calloc(1, sizeof(*r));
	if (!r) {
		fprintf(stderr, "vbench: out of memory\n");
		return VB_EXIT_ENVIRONMENT;
	}
	r->o = o;
	r->compare = compare;
	r->watch = watch;
	interrupted = 0;
	install_signals();

	enum vb_exit code = runner_prepare(r, self_path);
	if (code == VB_EXIT_OK)
		code = runner_start_backends(r);
	if (code == VB_EXIT_OK)
		runner_run_workloads(r);
	code = runner_finish(r, code);
	results_free(&r->doc);
	free(r);
	return code;
}
