/* Unit tests for the kvm probe: the verdict on known timings, PVM detection, and this host's answer given once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "tests/unit/test-util.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backends/kvm/probe.h"

static void test_verdict_on_known_timings(void **state)
{
	(void)state;
	double best;
	const double hardware[] = { 0.5 };
	assert_true(probe_ring0_is_fast(hardware, 1, &best));
	assert_true(best == 0.5);
	/* PVM measured here: quiet 188 ns (under the old 200 ns limit), busy 340 to 2,500 ns. */
	const double pvm_quiet[] = { 188 };
	assert_false(probe_ring0_is_fast(pvm_quiet, 1, &best));
	const double pvm_busy[] = { 2500, 340, 940 };
	assert_false(probe_ring0_is_fast(pvm_busy, 3, &best));
	assert_true(best == 340);
	/* Hardware preempted in two tries out of three: the best try decides. */
	const double hardware_busy[] = { 450, 0.7, 3100 };
	assert_true(probe_ring0_is_fast(hardware_busy, 3, &best));
	assert_true(best == 0.7);
	/* The limit sits far from both: 1 ns (hardware's most) is fast, 100 ns (emulation's least) not. */
	const double hardware_most[] = { 1.0 }, emulated_least[] = { 100 };
	assert_true(probe_ring0_is_fast(hardware_most, 1, &best));
	assert_false(probe_ring0_is_fast(emulated_least, 1, &best));
	/* No usable try is no verdict of speed. */
	const double none[] = { 0 };
	assert_false(probe_ring0_is_fast(none, 1, &best));
	assert_false(probe_ring0_is_fast(NULL, 0, &best));
}

static void test_pvm_detection(void **state)
{
	(void)state;
	const char *root = test_dir;
	char path[512];
	snprintf(path, sizeof(path), "%s/proc", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sys", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sys/module", root);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_false(probe_pvm_loaded(root)); /* no /proc/modules, no module folder */

	snprintf(path, sizeof(path), "%s/proc/modules", root);
	test_write_file(path, "kvm_intel 380928 0 - Live 0x0000000000000000\n"
			      "kvm 1146880 1 kvm_intel, Live 0x0000000000000000\n");
	assert_false(probe_pvm_loaded(root));
	test_write_file(path, "kvm_pvmx 1 0 - Live 0x0\nkvm_pvm 90112 0 - Live 0x0000000000000000\n"
			      "kvm 1146880 1 kvm_pvm, Live 0x0\n");
	assert_true(probe_pvm_loaded(root));
	unlink(path);

	/* Built in, or /proc/modules hidden: the module's folder in /sys is enough. */
	snprintf(path, sizeof(path), "%s/sys/module/kvm_pvm", root);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_true(probe_pvm_loaded(root));
	rmdir(path);
	assert_false(probe_pvm_loaded(root));
}

/* This host is PVM: the probe refuses at once, says so, and examines the host only once. */
static void test_this_host_once(void **state)
{
	(void)state;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		skip();
	close(fd);
	struct vb_error err = { 0 };
	assert_int_equal(probe_kvm_examinations(), 0);
	int rc = probe_kvm(false, &err);
	assert_int_equal(probe_kvm_examinations(), 1);
	if (probe_pvm_loaded("")) {
		assert_int_equal(rc, -1);
		if (!strstr(err.message, "kvm_pvm"))
			fail_msg("the refusal does not name the PVM module: %s", err.message);
		assert_int_equal(probe_kvm(true, &err), 0); /* --force may still try */
	}
	struct vb_error again = { 0 };
	assert_int_equal(probe_kvm(false, &again), rc);
	assert_string_equal(again.message, rc < 0 ? err.message : "");
	assert_int_equal(probe_kvm_examinations(), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_verdict_on_known_timings),
		cmocka_unit_test_setup_teardown(test_pvm_detection, test_dir_setup,
						test_dir_teardown),
		cmocka_unit_test(test_this_host_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
