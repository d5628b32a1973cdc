/*
 * Unit tests for the agent's environment classifier: fixed CPUID answers and a fake root (proc/,
 * sys/, container markers) in a temporary directory, so that every technology can be tried here.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/json.h"
#include "guest-agent/environment.h"

#define FIRST_PID_NS "pid:[4026531836]"
#define OTHER_PID_NS "pid:[4026532410]"

static char root[64];

/* Write text (len bytes: NULs allowed) to root/rel, creating the directories on the way. */
static void put_bytes(const char *rel, const char *text, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (char *s = path + strlen(root) + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
		*s = '/';
	}
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
}

static void put(const char *rel, const char *text)
{
	put_bytes(rel, text, strlen(text));
}

static void pid_ns(const char *link)
{
	char path[256];
	put("proc/self/ns/.keep", "");
	snprintf(path, sizeof(path), "%s/proc/self/ns/pid", root);
	unlink(path);
	assert_int_equal(symlink(link, path), 0);
}

/* A machine with 2 CPUs, 4 GiB and a kernel: what every test starts from. */
static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof(root), "/tmp/vbench-env-XXXXXX");
	assert_non_null(mkdtemp(root));
	put("sys/devices/system/cpu/online", "0-1\n");
	put("proc/meminfo", "MemTotal:        4194304 kB\nMemFree:         1000 kB\n");
	put("proc/sys/kernel/osrelease", "6.1.0-28-cloud-amd64\n");
	put("sys/devices/system/clocksource/clocksource0/current_clocksource", "kvm-clock\n");
	pid_ns(OTHER_PID_NS);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static struct environment_cpuid cpuid(bool bit, const char *signature, const char *brand)
{
	struct environment_cpuid c;
	memset(&c, 0, sizeof(c));
	c.hypervisor_bit = bit;
	memcpy(c.signature, signature, strlen(signature) < 12 ? strlen(signature) : 12);
	snprintf(c.brand, sizeof(c.brand), "%s", brand);
	return c;
}

static void test_kvm_guest(void **state)
{
	(void)state;
	struct environment e;
	struct environment_cpuid c =
		cpuid(true, "KVMKVMKVM", "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz  ");
	put("sys/class/dmi/id/sys_vendor", "Amazon EC2\n");
	put("sys/class/dmi/id/product_name", "c6i.large\n");
	environment_detect(root, &c, &e);
	assert_string_equal(e.hypervisor, "KVM");
	assert_string_equal(e.hypervisor_source, "cpuid");
	assert_string_equal(e.container, "");
	assert_string_equal(e.dmi_vendor, "Amazon EC2");
	assert_string_equal(e.dmi_product, "c6i.large");
	assert_string_equal(e.cpu_model, "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz");
	assert_int_equal(e.cpus, 2);
	assert_int_equal(e.memory_bytes, 4ULL << 30);
	assert_string_equal(e.kernel, "6.1.0-28-cloud-amd64");
	assert_string_equal(e.clocksource, "kvm-clock");
	assert_string_equal(e.summary, "KVM guest, 2 vCPUs, 4.0 GiB, Intel Xeon Platinum 8375C");
}

static void test_signatures(void **state)
{
	(void)state;
	static const struct {
		const char *signature, *name;
	} cases[] = {
		{ "XenVMMXenVMM", "Xen" },	  { "Microsoft Hv", "Hyper-V" },
		{ "VMwareVMware", "VMware" },	  { "VBoxVBoxVBox", "VirtualBox" },
		{ "TCGTCGTCGTCG", "QEMU (TCG)" }, { "bhyve bhyve ", "bhyve" },
		{ "ACRNACRNACRN", "ACRN" },	  { "ab\x01xyz", "unknown hypervisor \"ab?xyz\"" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct environment e;
		struct environment_cpuid c = cpuid(true, cases[i].signature, "");
		environment_detect(root, &c, &e);
		assert_string_equal(e.hypervisor, cases[i].name);
	}
	/* the signature without the hypervisor bit is not believed; neither is nothing at all */
	struct environment e;
	struct environment_cpuid c = cpuid(false, "KVMKVMKVM", "");
	environment_detect(root, &c, &e);
	assert_string_equal(e.hypervisor, "");
	assert_string_equal(e.summary, "bare metal, 2 CPUs, 4.0 GiB");
	c = cpuid(true, "", "");
	environment_detect(root, &c, &e);
	assert_string_equal(e.hypervisor, "unknown hypervisor");
}

static void test_openvz(void **state)
{
	(void)state;
	struct environment e;
	struct environment_cpuid c = cpuid(false, "", "AMD EPYC 7B13 64-Core Processor");
	put("proc/vz/veinfo", "");
	environment_detect(root, &c, &e);
	assert_string_equal(e.container, "openvz");
	assert_string_equal(e.container_source, "proc/vz");
	assert_string_equal(e.summary,
			    "container (openvz) on bare metal, 2 CPUs, 4.0 GiB, AMD EPYC 7B13");
	/* /proc/bc too: the OpenVZ host node itself */
	put("proc/bc/0/resources", "");
	environment_detect(root, &c, &e);
	assert_string_equal(e.container, "");
}

static void test_xen_pv_and_dmi(void **state)
{
	(void)state;
	struct environment e;
	struct environment_cpuid c = cpuid(false, "", "");
	put("sys/class/dmi/id/sys_vendor", "QEMU\n");
	environment_detect(root, &c, &e);
	assert_string_equal(e.hypervisor, "QEMU");
	assert_string_equal(e.hypervisor_source, "dmi");
	/* a Xen PV guest has no hypervisor bit: /proc/xen says it, before DMI */
	put("proc/xen/capabilities", "");
	environment_detect(root, &c, &e);
	assert_string_equal(e.hypervisor, "Xen");
	assert_string_equal(e.hypervisor_source, "proc/xen");
	put("proc/xen/capabilities", "control_d\n");
	environment_detect(root, &c, &e);
	assert_string_equal(e.hypervisor, "Xen (dom0)");
}

static void test_containers(void **state)
{
	(void)state;
	struct environment e;
	struct environment_cpuid c = cpuid(true, "KVMKVMKVM", "");
	put("proc/self/cgroup", "0::/kubepods/besteffort/pod1234/abcd\n");
	environment_detect(root, &c, &e);
	assert_string_equal(e.container, "kubernetes");
	assert_string_equal(e.container_source, "cgroup");
	assert_string_equal(e.summary, "container (kubernetes) in a KVM guest, 2 CPUs, 4.0 GiB");
	put(".dockerenv", "");
	environment_detect(root, &c, &e);
	assert_string_equal(e.container, "docker");
	put("run/.containerenv", "");
	environment_detect(root, &c, &e);
	assert_string_equal(e.container, "podman");
	/* PID 1's container= wins over files an image may carry */
	put_bytes("proc/1/environ", "PATH=/bin\0container=lxc\0HOME=/\0", 31);
	environment_detect(root, &c, &e);
	assert_string_equal(e.container, "lxc");
	assert_string_equal(e.container_source, "pid1 environ");
}

static void test_first_pid_namespace(void **state)
{
	(void)state;
	struct environment e;
	struct environment_cpuid c = cpuid(true, "KVMKVMKVM", "");
	put(".dockerenv", "");
	put("proc/self/cgroup", "12:cpu:/docker/0123abcd\n");
	pid_ns(FIRST_PID_NS);
	environment_detect(root, &c, &e);
	/* a VM booted from a container image: its .dockerenv and cgroup names are not a container */
	assert_true(e.initial_pid_ns);
	assert_string_equal(e.container, "");
	assert_string_equal(e.summary, "KVM guest, 2 vCPUs, 4.0 GiB");
	pid_ns(OTHER_PID_NS);
	environment_detect(root, &c, &e);
	assert_false(e.initial_pid_ns);
	assert_string_equal(e.container, "docker");
}

static void test_cpuinfo_and_empty_root(void **state)
{
	(void)state;
	struct environment e;
	struct environment_cpuid c = cpuid(false, "", "");
	put("proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\n"
			    "model name\t: Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz\n");
	put("sys/devices/system/cpu/online", "0-3,6\n");
	environment_detect(root, &c, &e);
	assert_string_equal(e.cpu_model, "Intel(R) Core(TM) i7-8700 CPU @ 3.20GHz");
	assert_int_equal(e.cpus, 5);
	assert_string_equal(e.summary, "bare metal, 5 CPUs, 4.0 GiB, Intel Core i7-8700");
	/* nothing readable: empty facts, never a crash */
	environment_detect("/nonexistent-vbench-root", &c, &e);
	assert_string_equal(e.summary, "bare metal");
	assert_int_equal(e.cpus, 0);
}

static void test_json(void **state)
{
	(void)state;
	struct environment e;
	struct environment_cpuid c = cpuid(true, "KVMKVMKVM", "AMD EPYC 7B13 64-Core Processor");
	environment_detect(root, &c, &e);
	struct json_writer w;
	json_writer_init(&w);
	environment_write_json(&w, &e);
	char *text = json_writer_take(&w, NULL);
	struct json_doc doc;
	assert_int_equal(json_parse(&doc, text, strlen(text), NULL), 0);
	char s[256];
	assert_int_equal(json_member_string(&doc, 0, "summary", s, sizeof(s)), 0);
	assert_string_equal(s, "KVM guest, 2 vCPUs, 4.0 GiB, AMD EPYC 7B13");
	assert_int_equal(json_member_string(&doc, 0, "hypervisor", s, sizeof(s)), 0);
	assert_string_equal(s, "KVM");
	assert_int_equal(json_member_int(&doc, 0, "cpus", -1), 2);
	json_doc_free(&doc);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_kvm_guest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_signatures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openvz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_xen_pv_and_dmi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_containers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_pid_namespace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cpuinfo_and_empty_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
