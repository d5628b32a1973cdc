/*
 * Unit tests for the runner over the null backend (canned samples from a thread in vbench): what
 * a run records (samples, rounds, statuses), what a failed workload, an environment error and
 * Ctrl-C make of it, and the exit statuses `vbench run` returns for each. No container, VM or
 * agent binary is involved.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/unit/test-util.h"

#include <signal.h>

#include "analysis/results.h"
#include "backends/backend.h"
#include "cli/commands.h"
#include "cli/options.h"
#include "harness/runner.h"

/* what run_null asks for */
#define REPEAT 3
#define WARMUP 1

/* Three workloads, which the registry runs in this order. */
#define CPU_WORKLOADS "cpu.sha256,cpu.sort,cpu.lz"

struct run {
	enum vb_exit status;
	char stderr_text[4096];
	struct results_doc doc; /* read back from the results file; nbackends 0 if none */
	bool saved;
};

/* `vbench run null --repeat 3 --warmup 1 --workloads patterns [extra]` through runner_main. */
static void run_null(const char *patterns, const char *extra, const struct run_observer *watch,
		     struct run *out)
{
	char json[128], workloads[160], out_dir[160], json_opt[160];
	test_path(json, sizeof(json), "run.json");
	unlink(json);
	snprintf(workloads, sizeof(workloads), "--workloads=%s", patterns);
	snprintf(out_dir, sizeof(out_dir), "--out=%s/results", test_dir);
	snprintf(json_opt, sizeof(json_opt), "--json=%s", json);
	char *argv[] = { "run",	    "null",  "--repeat=3", "--warmup=1",  "--quiet",
			 workloads, out_dir, json_opt,	   (char *)extra, NULL };
	int argc = 0;
	while (argv[argc])
		argc++;
	struct run_options o;
	struct vb_error err;
	if (options_parse(&o, argc, argv, false, &err) < 0)
		fail_msg("%s", err.message);
	struct test_capture c;
	test_capture_begin(&c);
	out->status = runner_main(&o, false, "vbench", watch);
	test_capture_end(&c, out->stderr_text, sizeof(out->stderr_text));
	signal(SIGINT, SIG_DFL); /* the runner's handler stays behind it */
	memset(&out->doc, 0, sizeof(out->doc));
	out->saved = access(json, R_OK) == 0;
	if (out->saved && results_read_file(&out->doc, json, &err) < 0)
		fail_msg("%s", err.message);
}

static const struct result_entry *entry(struct run *r, const char *workload, const char *metric)
{
	return results_find(&r->doc, workload, metric, "null");
}

/* Every metric of w measured n times, each sample the null backend's canned value. */
static void assert_measured(struct run *r, const char *workload, size_t n)
{
	const struct workload *w = workload_find(workload);
	assert_non_null(w);
	for (size_t m = 0; m < workload_metric_count(w); m++) {
		const struct result_entry *e = entry(r, workload, w->metrics[m].name);
		assert_non_null(e);
		if (e->status != RESULT_OK)
			fail_msg("%s %s: %s (%s)", workload, e->metric,
				 result_status_name(e->status), e->note);
		assert_int_equal(e->nsamples, n);
		for (size_t i = 0; i < n; i++)
			assert_true(e->samples[i] == BACKEND_NULL_SAMPLE);
	}
}

static size_t rounds_of(struct run *r, const char *workload)
{
	size_t n = 0;
	for (size_t i = 0; i < r->doc.nrounds; i++) {
		const struct round_record *rr = &r->doc.rounds[i];
		if (strcmp(rr->workload, workload) != 0)
			continue;
		n++;
		assert_int_equal(rr->round, n);
		assert_int_equal(rr->warmup, n <= WARMUP);
		assert_string_equal(rr->order, "null");
	}
	return n;
}

static void test_records_samples_rounds_and_statuses(void **state)
{
	(void)state;
	struct run r;
	run_null(CPU_WORKLOADS ",os.syscall,vm.exit,lifecycle.start", NULL, NULL, &r);
	assert_int_equal(r.status, VB_EXIT_OK);
	assert_true(r.saved);
	assert_false(r.doc.interrupted);
	assert_int_equal(r.doc.nbackends, 1);
	assert_true(r.doc.backends[0].ran);
	assert_non_null(strstr(r.doc.backends[0].details, "nothing is measured"));
	assert_int_equal(r.doc.config.repeat, REPEAT);

	assert_measured(&r, "cpu.sha256", REPEAT);
	assert_measured(&r, "cpu.sort", REPEAT);
	assert_measured(&r, "cpu.lz", REPEAT);
	assert_int_equal(rounds_of(&r, "cpu.sort"), WARMUP + REPEAT);

	/* null declares no kernel: the agent is not even asked, and the reason is kept */
	const struct result_entry *e = entry(&r, "os.syscall", "getppid_ns");
	assert_non_null(e);
	assert_int_equal(e->status, RESULT_UNSUPPORTED);
	assert_string_equal(e->note, "no kernel under the agent");
	assert_int_equal(rounds_of(&r, "os.syscall"), 0);
	/* nor is it asked for vm.exit, whose port I/O is for vbench's own VMM alone */
	const struct workload *vm_exit = workload_find("vm.exit");
	for (size_t m = 0; m < workload_metric_count(vm_exit); m++) {
		e = entry(&r, "vm.exit", vm_exit->metrics[m].name);
		assert_non_null(e);
		assert_int_equal(e->status, RESULT_UNSUPPORTED);
		assert_string_equal(e->note, "not on vbench's own VMM");
	}
	assert_int_equal(rounds_of(&r, "vm.exit"), 0);

	/* lifecycle.start restarts the environment: a start is timed, the overhead says why not */
	e = entry(&r, "lifecycle.start", "ready_ms");
	assert_non_null(e);
	assert_int_equal(e->status, RESULT_OK);
	assert_int_equal(e->nsamples, REPEAT);
	e = entry(&r, "lifecycle.start", "host_overhead_MiB");
	assert_non_null(e);
	assert_int_equal(e->status, RESULT_UNSUPPORTED);
	assert_non_null(strstr(e->note, "null backend runs no environment"));
	/* the harness records what it measured itself, and what the backend declares */
	assert_true(e->host_side);
	assert_false(entry(&r, "cpu.sort", "single")->host_side);
	assert_false(r.doc.backends[0].bare_metal); /* null is not the machine */
	results_free(&r.doc);
}

/* A workload that fails is an error with the agent's reason; the others still run; exit 1. */
static void test_failed_workload_fails_the_run(void **state)
{
	(void)state;
	struct run r;
	setenv("VBENCH_NULL_ERROR", "cpu.sort", 1);
	run_null(CPU_WORKLOADS, NULL, NULL, &r);
	unsetenv("VBENCH_NULL_ERROR");
	assert_int_equal(r.status, VB_EXIT_FAILED);
	assert_true(r.saved);
	assert_measured(&r, "cpu.sha256", REPEAT);
	assert_measured(&r, "cpu.lz", REPEAT);
	const struct result_entry *e = entry(&r, "cpu.sort", "single");
	assert_non_null(e);
	assert_int_equal(e->status, RESULT_ERROR);
	assert_non_null(strstr(e->note, "VBENCH_NULL_ERROR"));
	assert_int_equal(e->nsamples, 0);
	assert_int_equal(rounds_of(&r, "cpu.sort"), 1); /* it failed in its first round */
	results_free(&r.doc);
}

/* An environment error before any backend starts: exit 2, said why, and no results file. */
static void test_environment_error_saves_nothing(void **state)
{
	(void)state;
	struct run r;
	run_null("io.blk.*", "--disk=/nonexistent/vbench-disk", NULL, &r);
	assert_int_equal(r.status, VB_EXIT_ENVIRONMENT);
	assert_non_null(strstr(r.stderr_text, "--disk /nonexistent/vbench-disk"));
	assert_false(r.saved);
	char path[128];
	assert_int_equal(access(test_path(path, sizeof(path), "results"), F_OK), -1);
}

/* Ctrl-C during the second sample of cpu.sort (its third turn, after a warm-up). */
static void interrupt_in_sort(void *ctx, const char *backend, const char *workload, unsigned i,
			      unsigned n, bool warmup)
{
	(void)ctx;
	(void)backend;
	(void)n;
	(void)warmup;
	if (strcmp(workload, "cpu.sort") == 0 && i == WARMUP + 2)
		raise(SIGINT);
}

/* What was measured before Ctrl-C is saved; the sample under way is finished; nothing after. */
static void test_interrupted_run_keeps_what_was_measured(void **state)
{
	(void)state;
	struct run_observer watch = { .sample = interrupt_in_sort };
	struct run r;
	run_null(CPU_WORKLOADS, NULL, &watch, &r);
	assert_int_equal(r.status, VB_EXIT_INTERRUPTED);
	assert_non_null(
		strstr(r.stderr_text, "interrupted; the results measured so far are saved"));
	assert_true(r.saved);
	assert_true(r.doc.interrupted);
	assert_measured(&r, "cpu.sha256", REPEAT);
	assert_measured(&r, "cpu.sort", 2);
	assert_int_equal(rounds_of(&r, "cpu.sort"), WARMUP + 2);
	assert_null(entry(&r, "cpu.lz", "single")); /* never begun */
	assert_int_equal(rounds_of(&r, "cpu.lz"), 0);
	results_free(&r.doc);
}

/* `vbench run` itself: 0 ok, 1 a failed workload, 2 usage or environment error. */
static void test_run_command_exit_statuses(void **state)
{
	(void)state;
	char msg[4096], out[128];
	test_path(out, sizeof(out), "results");
	char *ok[] = { "run",	   "null",  "--suite", "smoke",	  "--workloads",
		       "cpu.sort", "--out", out,       "--quiet", NULL };
	assert_int_equal(test_run_command(cmd_run, ok, msg, sizeof(msg)), VB_EXIT_OK);
	setenv("VBENCH_NULL_ERROR", "*", 1);
	assert_int_equal(test_run_command(cmd_run, ok, msg, sizeof(msg)), VB_EXIT_FAILED);
	unsetenv("VBENCH_NULL_ERROR");
	char *usage[] = { "run", "null", "--repeat", "0", NULL };
	assert_int_equal(test_run_command(cmd_run, usage, msg, sizeof(msg)), VB_EXIT_USAGE);
	assert_non_null(strstr(msg, "vbench run: --repeat: \"0\""));
	assert_non_null(strstr(msg, "see vbench run --help"));
	char *environment[] = { "run",	    "null",   "--workloads",
				"io.blk.*", "--disk", "/nonexistent/vbench-disk",
				"--out",    out,      "--quiet",
				NULL };
	assert_int_equal(test_run_command(cmd_run, environment, msg, sizeof(msg)),
			 VB_EXIT_ENVIRONMENT);
	signal(SIGINT, SIG_DFL);
}

int main(void)
{
#define WITH_DIR(t) cmocka_unit_test_setup_teardown(t, test_dir_setup, test_dir_teardown)
	const struct CMUnitTest tests[] = {
		WITH_DIR(test_records_samples_rounds_and_statuses),
		WITH_DIR(test_failed_workload_fails_the_run),
		WITH_DIR(test_environment_error_saves_nothing),
		WITH_DIR(test_interrupted_run_keeps_what_was_measured),
		WITH_DIR(test_run_command_exit_statuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
