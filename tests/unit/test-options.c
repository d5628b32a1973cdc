/* Unit tests for run/compare option parsing: defaults, sizes, patterns and bad values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "cli/options.h"

static int parse(struct run_options *o, bool compare, struct vb_error *err, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, err);
	argv[argc++] = compare ? "compare" : "run";
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	return options_parse(o, argc, argv, compare, err);
}

static void test_defaults(void **state)
{
	(void)state;
	struct run_options o;
	struct vb_error err;
	assert_int_equal(parse(&o, true, &err, "lxc", "native", NULL), 0);
	assert_int_equal(o.nbackends, 2);
	assert_int_equal(o.suite, SUITE_QUICK);
	assert_int_equal(o.repeat, options_default_repeat(SUITE_QUICK));
	assert_int_equal(o.warmup, options_default_warmup(SUITE_QUICK));
	assert_string_equal(o.out_dir, "results");
	assert_string_equal(o.baseline, "native");
	assert_int_equal(o.memory_bytes, 2ULL << 30);
}

static void test_values(void **state)
{
	(void)state;
	struct run_options o;
	struct vb_error err;
	assert_int_equal(parse(&o, true, &err, "--suite", "smoke", "--repeat", "7", "--warmup", "0",
			       "--cpus", "1", "--memory", "512M", "--seed", "99", "--baseline",
			       "native", "--json", "x.json", "--out", "/tmp/r", "lxc", "native",
			       NULL),
			 0);
	assert_int_equal(o.suite, SUITE_SMOKE);
	assert_int_equal(o.repeat, 7);
	assert_int_equal(o.warmup, 0);
	assert_int_equal(o.cpus, 1);
	assert_int_equal(o.memory_bytes, 512ULL << 20);
	assert_int_equal(o.seed, 99);
	assert_string_equal(o.baseline, "native");
	assert_string_equal(o.json_path, "x.json");
	assert_string_equal(o.out_dir, "/tmp/r");
}

static void expect_error(const char *needle, ...)
{
	char *argv[32];
	int argc = 0;
	va_list ap;
	va_start(ap, needle);
	argv[argc++] = "compare";
	for (char *a; (a = va_arg(ap, char *));)
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;
	struct run_options o;
	struct vb_error err;
	err.message[0] = '\0';
	assert_int_equal(options_parse(&o, argc, argv, true, &err), -1);
	if (!strstr(err.message, needle))
		fail_msg("error \"%s\" does not name \"%s\"", err.message, needle);
}

static void test_bad_values_are_named(void **state)
{
	(void)state;
	expect_error("xen", "xen", NULL);
	expect_error("huge", "--suite", "huge", "native", NULL);
	expect_error("abc", "--repeat", "abc", "native", NULL);
	expect_error("0", "--repeat", "0", "native", NULL);
	expect_error("12Q", "--memory", "12Q", "native", NULL);
	expect_error("nosuch.*", "--workloads", "nosuch.*", "native", NULL);
	expect_error("lxc", "--baseline", "lxc", "native", NULL);
	expect_error("--bogus", "--bogus", "native", NULL);
	expect_error("twice", "native", "native", NULL);
	expect_error("backends", NULL);
}

static void test_run_takes_one_backend(void **state)
{
	(void)state;
	struct run_options o;
	struct vb_error err;
	assert_int_equal(parse(&o, false, &err, "native", "lxc", NULL), -1);
	assert_int_equal(parse(&o, false, &err, "native", NULL), 0);
}

/* Run-only-when-named is the workload's declaration, not a guess from its id. */
static void test_only_when_named_is_declared(void **state)
{
	(void)state;
	static const struct workload quiet = { .id = "zz.misbehaves",
					       .group = "zz",
					       .only_when_named = true };
	static const struct workload plain = { .id = "selftest.plain", .group = "selftest" };
	struct run_options o;
	struct vb_error err;
	assert_int_equal(parse(&o, false, &err, "native", NULL), 0);
	assert_false(options_match_workload(&o, &quiet));
	assert_true(options_match_workload(&o, &plain));
	assert_int_equal(parse(&o, false, &err, "native", "--workloads", "*", NULL), 0);
	assert_false(options_match_workload(&o, &quiet));
	assert_true(options_match_workload(&o, &plain));
	o.patterns[0] = "zz.*"; /* no registered workload matches it, so --workloads refuses it */
	assert_true(options_match_workload(&o, &quiet));
	assert_false(options_match_workload(&o, &plain));
	/* the registry's self-tests declare it */
	assert_true(workload_find("selftest.crash")->only_when_named);
	assert_false(workload_find("cpu.sha256")->only_when_named);
}

/* ssh:... backends: their spec is their name unless --name gives an alias; names are unique. */
static void test_backend_names(void **state)
{
	(void)state;
	struct run_options o;
	struct vb_error err;
	assert_int_equal(parse(&o, true, &err, "--name", "web1=ssh:root@10.0.0.2",
			       "ssh:root@10.0.0.2", "ssh:me@10.0.0.3:2222", "native", NULL),
			 0);
	assert_int_equal(o.nbackends, 3);
	assert_string_equal(o.backends[0], "ssh:root@10.0.0.2");
	assert_string_equal(o.names[0], "web1");
	assert_string_equal(o.names[1], "ssh:me@10.0.0.3:2222");
	assert_string_equal(o.names[2], "native");

	/* an alias whose backend is not named among the others is added after them; --baseline
	 * may name it by its spec */
	assert_int_equal(parse(&o, true, &err, "--name", "vps=ssh:root@10.0.0.2", "--baseline",
			       "ssh:root@10.0.0.2", "native", NULL),
			 0);
	assert_int_equal(o.nbackends, 2);
	assert_string_equal(o.names[1], "vps");
	assert_string_equal(o.baseline, "vps");
	/* by default ratios are to the last backend argument, not to an alias added after it */
	assert_int_equal(parse(&o, true, &err, "ssh:me@h0", "--name", "two=ssh:me@h2", "native",
			       NULL),
			 0);
	assert_int_equal(o.nbackends, 3);
	assert_string_equal(o.names[2], "two");
	assert_string_equal(o.baseline, "native");
	assert_int_equal(parse(&o, true, &err, "--name", "a=ssh:me@h1", "--name", "b=ssh:me@h2",
			       NULL),
			 0);
	assert_string_equal(o.baseline, "b");

	assert_int_equal(
		parse(&o, true, &err, "--name", "a=ssh:x@h1", "--name", "a=ssh:x@h2", NULL), -1);
	assert_non_null(strstr(err.message, "two backends are named \"a\""));
	assert_int_equal(parse(&o, true, &err, "--name", "a b=ssh:x@h1", NULL), -1);
	assert_non_null(strstr(err.message, "--name"));
	assert_int_equal(parse(&o, true, &err, "ssh", "native", NULL), -1);
	assert_non_null(strstr(err.message, "ssh:ARGUMENT"));
	assert_int_equal(parse(&o, true, &err, "native:x", NULL), -1);
	assert_int_equal(parse(&o, true, &err, "ssh:root@a-host-name-far-too-long.example", NULL),
			 -1);
	assert_non_null(strstr(err.message, "--name ALIAS="));
	assert_int_equal(parse(&o, true, &err, "--ssh-option", "Port=2", "--ssh-option", "User=x",
			       "--remote-dir", "/srv", "ssh:h", NULL),
			 0);
	assert_int_equal(o.nssh_options, 2);
	assert_string_equal(o.ssh_options[1], "User=x");
	assert_string_equal(o.remote_dir, "/srv");
	assert_int_equal(parse(&o, true, &err, "--remote-dir", "srv", "ssh:h", NULL), -1);

	/* kvm takes an optional guest mode: kvm:linux and kvm:bare are two backends of one run */
	assert_int_equal(parse(&o, true, &err, "kvm:linux", "kvm:bare", "kvm", NULL), 0);
	assert_int_equal(o.nbackends, 3);
	assert_string_equal(o.names[0], "kvm:linux");
	assert_string_equal(o.names[1], "kvm:bare");
	const char *argument;
	assert_ptr_equal(backend_parse("kvm:bare", &argument), backend_find("kvm"));
	assert_string_equal(argument, "bare");
	assert_ptr_equal(backend_parse("kvm", &argument), backend_find("kvm"));
	assert_null(argument);
	assert_int_equal(parse(&o, true, &err, "kvm:ring3", NULL), -1);
	assert_non_null(strstr(err.message, "linux, bare or auto"));
	assert_int_equal(parse(&o, true, &err, "kvm:", NULL), -1);
}

static void test_help(void **state)
{
	(void)state;
	struct run_options o;
	struct vb_error err;
	assert_int_equal(parse(&o, true, &err, "--help", NULL), 0);
	assert_true(o.help);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_bad_values_are_named),
		cmocka_unit_test(test_run_takes_one_backend),
		cmocka_unit_test(test_only_when_named_is_declared),
		cmocka_unit_test(test_backend_names),
		cmocka_unit_test(test_help),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
