/*
 * What the environment is, seen from inside: the hypervisor, the container, DMI, the CPU, the
 * kernel, summed up in one line for reports ("KVM guest, 2 vCPUs, 3.8 GiB, AMD EPYC 7B13").
 */
#include "guest-agent/environment.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


/* DMI vendors (or products) that name a hypervisor hiding its CPUID leaf. */
static const struct {
	const char *vendor, *product, *name;
} environment_dmi[] = {
	{ "QEMU", NULL, "QEMU" },
	{ "VMware, Inc.", NULL, "VMware" },
	{ "innotek GmbH", NULL, "VirtualBox" },
	{ "Xen", NULL, "Xen" },
	{ "Microsoft Corporation", "Virtual Machine", "Hyper-V" },
	{ "Parallels Software International Inc.", NULL, "Parallels" },
	{ "Bochs", NULL, "Bochs" },
};

/* Container words in /proc/self/cgroup's paths, the more specific first. */
static const struct {
	const char *word, *name;
} environment_cgroups[] = {
	{ "kubepods", "kubernetes" },
	{ "libpod", "podman" },
	{ "docker", "docker" },
	{ "lxc", "lxc" },
};

/* root + "/" + rel, read whole (up to size - 1 bytes, NULs kept); the length, or -1. */
static long read_file(const char *root, const char *rel, char *out, size_t size)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	size_t n = fread(out, 1, size - 1, f);
	fclose(f);
	out[n] = '\0';
	return (long)n;
}

/* The first line of a file, spaces trimmed; "" when absent. */
static void read_line(const char *root, const char *rel, char *out, size_t size)
{
	if (read_file(root, rel, out, size) < 0)
		out[0] = '\0';
	out[strcspn(out, "\n")] = '\0';
	size_t n = strlen(out);
	while (n && isspace((unsigned char)out[n - 1]))
		out[--n] = '\0';
}

static bool exists(const char *root, const char *rel)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return access(path, F_OK) == 0;
}

/* The hypervisor: CPUID's signature, else /proc/xen, else DMI, else CPUID's bare bit. */
static void detect_hypervisor(const char *root, const struct environment_cpuid *cpuid,
			      struct environment *env)
{
	if (environment_hypervisor_from_cpuid(cpuid, env))
		return;
	/* a Xen PV guest runs without the hypervisor bit; dom0 is the host's own domain */
	if (exists(root, "proc/xen")) {
		char caps[256];
		read_line(root, "proc/xen/capabilities", caps, sizeof(caps));
		snprintf(env->hypervisor, sizeof(env->hypervisor), "%s",
			 strstr(caps, "control_d") ? "Xen (dom0)" : "Xen");
		snprintf(env->hypervisor_source, sizeof(env->hypervisor_source), "proc/xen");
		return;
	}
	for (size_t i = 0; i < sizeof(environment_dmi) / sizeof(environment_dmi[0]); i++) {
		if (strcmp(env->dmi_vendor, environment_dmi[i].vendor) != 0 ||
		    (environment_dmi[i].product &&
		     strcmp(env->dmi_product, environment_dmi[i].product) != 0))
			continue;
		snprintf(env->hypervisor, sizeof(env->hypervisor), "%s", environment_dmi[i].name);
		snprintf(env->hypervisor_source, sizeof(env->hypervisor_source), "dmi");
		return;
	}
	if (cpuid->hypervisor_bit) {
		snprintf(env->hypervisor, sizeof(env->hypervisor), "unknown hypervisor");
		snprintf(env->hypervisor_source, sizeof(env->hypervisor_source), "cpuid");
	}
}

/* The value of container= in PID 1's environment (NUL-separated), "" when absent. */
static void pid1_container(const char *root, char *out, size_t size)
{
	char env[8192];
	long n = read_file(root, "proc/1/environ", env, sizeof(env));
	out[0] = '\0';
	for (long i = 0; i < n; i += (long)strlen(env + i) + 1)
		if (strncmp(env + i, "container=", 10) == 0) {
			snprintf(out, size, "%s", env + i + 10);
			return;
		}
}

static void set_container(struct environment *env, const char *name, const char *source)
{
	snprintf(env->container, sizeof(env->container), "%s", name);
	snprintf(env->container_source, sizeof(env->container_source), "%s", source);
}

/*
 * Whether we are in the kernel's first PID namespace (PROC_PID_INIT_INO, a kernel constant): no
 * container that isolates processes runs there, whatever files its image left behind.
 */
static bool initial_pid_namespace(const char *root)
{
	char path[4096], link[64];
	snprintf(path, sizeof(path), "%s/proc/self/ns/pid", root);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	return strcmp(link, "pid:[4026531836]") == 0;
}

static void detect_container(const char *root, struct environment *env)
{
	char value[64];
	env->initial_pid_ns = initial_pid_namespace(root);
	/* /proc/vz is in OpenVZ's containers and on its host; /proc/bc on the host alone */
	if (exists(root, "proc/vz") && !exists(root, "proc/bc")) {
		set_container(env, "openvz", "proc/vz");
		return;
	}
	pid1_container(root, value, sizeof(value));
	if (value[0]) {
		set_container(env, value, "pid1 environ");
		return;
	}
	/* an image built from a container's keeps its .dockerenv; a VM or host booted from it is
	 * none the less not a container */
	if (env->initial_pid_ns)
		return;
	if (exists(root, "run/.containerenv")) {
		set_container(env, "podman", "run/.containerenv");
		return;
	}
	if (exists(root, ".dockerenv")) {
		set_container(env, "docker", ".dockerenv");
		return;
	}
	char cgroup[8192];
	if (read_file(root, "proc/self/cgroup", cgroup, sizeof(cgroup)) < 0)
		return;
	for (size_t i = 0; i < sizeof(environment_cgroups) / sizeof(environment_cgroups[0]); i++)
		if (strstr(cgroup, environment_cgroups[i].word)) {
			set_container(env, environment_cgroups[i].name, "cgroup");
			return;
		}
}

/* How many CPUs a list such as "0-3,6" names. */
static unsigned cpu_list_count(const char *list)
{
	unsigned n = 0;
	while (*list) {
		char *end;
		unsigned long a = strtoul(list, &end, 10), b = a;
		if (end == list)
			break;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		if (b >= a)
			n += (unsigned)(b - a + 1);
		list = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	return n;
}

static uint64_t meminfo_total(const char *root)
{
	char text[512];
	if (read_file(root, "proc/meminfo", text, sizeof(text)) < 0)
		return 0;
	const char *p = strstr(text, "MemTotal:");
	return p ? strtoull(p + 9, NULL, 10) * 1024 : 0;
}

/* The CPU model: CPUID's brand string, else /proc/cpuinfo's "model name", spaces collapsed. */
static void cpu_model(const char *root, const struct environment_cpuid *cpuid, char *out,
		      size_t size)
{
	char text[4096], raw[64] = "";
	snprintf(raw, sizeof(raw), "%s", cpuid->brand);
	if (!raw[0] && read_file(root, "proc/cpuinfo", text, sizeof(text)) >= 0) {
		char *p = strstr(text, "model name");
		if (p && (p = strchr(p, ':'))) {
			p[strcspn(p, "\n")] = '\0';
			snprintf(raw, sizeof(raw), "%s", p + 1);
		}
	}
	size_t n = 0;
	for (const char *s = raw; *s && n + 1 < size; s++)
		if (!isspace((unsigned char)*s) || (n && out[n - 1] != ' '))
			out[n++] = isspace((unsigned char)*s) ? ' ' : *s;
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
}

void environment_detect(const char *root, const struct environment_cpuid *cpuid,
			struct environment *env)
{
	char online[256];
	memset(env, 0, sizeof(*env));
	read_line(root, "sys/class/dmi/id/sys_vendor", env->dmi_vendor, sizeof(env->dmi_vendor));
	read_line(root, "sys/class/dmi/id/product_name", env->dmi_product,
		  sizeof(env->dmi_product));
	detect_hypervisor(root, cpuid, env);
	detect_container(root, env);
	cpu_model(root, cpuid, env->cpu_model, sizeof(env->cpu_model));
	read_line(root, "sys/devices/system/cpu/online", online, sizeof(online));
	env->cpus = cpu_list_count(online);
	env->memory_bytes = meminfo_total(root);
	read_line(root, "proc/sys/kernel/osrelease", env->kernel, sizeof(env->kernel));
	read_line(root, "sys/devices/system/clocksource/clocksource0/current_clocksource",
		  env->clocksource, sizeof(env->clocksource));
	environment_summarize(env);
}

