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

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/* CPUID leaf 0x40000000's vendor signatures, as each hypervisor documents its own. */
static const struct {
	const char *signature, *name;
} environment_hypervisors[] = {
	{ "KVMKVMKVM", "KVM" },
	{ "Linux KVM Hv", "KVM" }, /* KVM presenting Hyper-V's interface */
	{ "XenVMMXenVMM", "Xen" },
	{ "Microsoft Hv", "Hyper-V" },
	{ "VMwareVMware", "VMware" },
	{ "VBoxVBoxVBox", "VirtualBox" },
	{ "TCGTCGTCGTCG", "QEMU (TCG)" },
	{ "bhyve bhyve ", "bhyve" },
	{ "BHyVE BHyVE ", "bhyve" },
	{ "ACRNACRNACRN", "ACRN" },
	{ " lrpepyh  vr", "Parallels" },
	{ "QNXQVMBSQG", "QNX" },
	{ "SRESRESRESRE", "Jailhouse" },
};

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

void environment_read_cpuid(struct environment_cpuid *c)
{
	memset(c, 0, sizeof(*c));
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, cx, d;
	if (__get_cpuid(1, &a, &b, &cx, &d))
		c->hypervisor_bit = (cx >> 31) & 1;
	if (c->hypervisor_bit) {
		/* the hypervisor leaves exist only under a hypervisor; __get_cpuid checks basic
		 * and extended leaves only, so ask directly */
		__cpuid(0x40000000, a, b, cx, d);
		memcpy(c->signature, &b, 4);
		memcpy(c->signature + 4, &cx, 4);
		memcpy(c->signature + 8, &d, 4);
		c->signature[12] = '\0';
	}
	unsigned top = __get_cpuid_max(0x80000000, NULL);
	if (top >= 0x80000004) {
		unsigned regs[12];
		for (unsigned i = 0; i < 3; i++)
			__cpuid(0x80000002 + i, regs[4 * i], regs[4 * i + 1], regs[4 * i + 2],
				regs[4 * i + 3]);
		memcpy(c->brand, regs, 48);
		c->brand[48] = '\0';
	}
#endif
}

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

/* Only printable ASCII of a CPUID signature, so that JSON and reports show it as it is. */
static void printable(const char *in, char *out, size_t size)
{
	size_t n = 0;
	for (; *in && n + 1 < size; in++)
		out[n++] = isprint((unsigned char)*in) ? *in : '?';
	out[n] = '\0';
}

static void detect_hypervisor(const char *root, const struct environment_cpuid *cpuid,
			      struct environment *env)
{
	char sig[13];
	printable(cpuid->signature, sig, sizeof(sig));
	if (cpuid->hypervisor_bit && sig[0]) {
		snprintf(env->hypervisor_source, sizeof(env->hypervisor_source), "cpuid");
		for (size_t i = 0;
		     i < sizeof(environment_hypervisors) / sizeof(environment_hypervisors[0]); i++)
			if (strcmp(sig, environment_hypervisors[i].signature) == 0) {
				snprintf(env->hypervisor, sizeof(env->hypervisor), "%s",
					 environment_hypervisors[i].name);
				return;
			}
		snprintf(env->hypervisor, sizeof(env->hypervisor), "unknown hypervisor \"%s\"",
			 sig);
		return;
	}
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

/*
 * The model as a report names it: without "(R)", "(TM)", "CPU", "Processor", "N-Core" and the
 * "@ 2.90GHz" tail ("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz": "Intel Xeon Platinum 8375C").
 */
static void cpu_model_short(const char *model, char *out, size_t size)
{
	char copy[64];
	size_t n = 0;
	snprintf(copy, sizeof(copy), "%s", model);
	out[0] = '\0';
	for (char *save = NULL, *t = strtok_r(copy, " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		if (t[0] == '@')
			break;
		char word[64];
		size_t w = 0;
		for (const char *s = t; *s; s++) {
			if (!strncmp(s, "(R)", 3) || !strncmp(s, "(r)", 3)) {
				s += 2;
				continue;
			}
			if (!strncmp(s, "(TM)", 4) || !strncmp(s, "(tm)", 4)) {
				s += 3;
				continue;
			}
			word[w++] = *s;
		}
		word[w] = '\0';
		size_t wl = strlen(word);
		if (!wl || !strcmp(word, "CPU") || !strcmp(word, "Processor") ||
		    (wl > 5 && !strcmp(word + wl - 5, "-Core")))
			continue;
		int k = snprintf(out + n, size - n, "%s%s", n ? " " : "", word);
		if (k < 0 || (size_t)k >= size - n)
			break;
		n += (size_t)k;
	}
}

static void summarize(struct environment *env)
{
	char where[96], mem[32] = "", model[64];
	if (env->hypervisor[0])
		snprintf(where, sizeof(where), "%s guest", env->hypervisor);
	else
		snprintf(where, sizeof(where), "bare metal");
	if (env->memory_bytes)
		snprintf(mem, sizeof(mem), ", %.1f GiB", (double)env->memory_bytes / (1 << 30));
	cpu_model_short(env->cpu_model, model, sizeof(model));
	const char *cpus = env->hypervisor[0] && !env->container[0] ? "vCPU" : "CPU";
	char count[32] = "";
	if (env->cpus)
		snprintf(count, sizeof(count), ", %u %s%s", env->cpus, cpus,
			 env->cpus == 1 ? "" : "s");
	if (env->container[0])
		snprintf(env->summary, sizeof(env->summary), "container (%s) %s %s%s%s%s%s",
			 env->container, env->hypervisor[0] ? "in a" : "on", where, count, mem,
			 model[0] ? ", " : "", model);
	else
		snprintf(env->summary, sizeof(env->summary), "%s%s%s%s%s", where, count, mem,
			 model[0] ? ", " : "", model);
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
	summarize(env);
}

void environment_write_json(struct json_writer *w, const struct environment *env)
{
	json_object_begin(w);
	json_kv_string(w, "summary", env->summary);
	json_kv_string(w, "hypervisor", env->hypervisor);
	json_kv_string(w, "hypervisor_source", env->hypervisor_source);
	json_kv_string(w, "container", env->container);
	json_kv_string(w, "container_source", env->container_source);
	json_kv_bool(w, "initial_pid_ns", env->initial_pid_ns);
	json_kv_string(w, "dmi_vendor", env->dmi_vendor);
	json_kv_string(w, "dmi_product", env->dmi_product);
	json_kv_string(w, "cpu_model", env->cpu_model);
	json_kv_int(w, "cpus", env->cpus);
	json_kv_int(w, "memory_bytes", (int64_t)env->memory_bytes);
	json_kv_string(w, "kernel", env->kernel);
	json_kv_string(w, "clocksource", env->clocksource);
	json_object_end(w);
}
