/*
 * The environment's parts that need no file: what CPUID says (the hypervisor's signature, the CPU's
 * brand), the summary line and the JSON, shared by the Linux agent and the bare guest, which has no
 * files to read.
 */
#include "guest-agent/environment.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

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

/* Only printable ASCII of a CPUID signature, so that JSON and reports show it as it is. */
static void printable(const char *in, char *out, size_t size)
{
	size_t n = 0;
	for (; *in && n + 1 < size; in++)
		out[n++] = isprint((unsigned char)*in) ? *in : '?';
	out[n] = '\0';
}

bool environment_hypervisor_from_cpuid(const struct environment_cpuid *cpuid, struct environment *env)
{
	char sig[13];
	printable(cpuid->signature, sig, sizeof(sig));
	if (!cpuid->hypervisor_bit || !sig[0])
		return false;
	snprintf(env->hypervisor_source, sizeof(env->hypervisor_source), "cpuid");
	for (size_t i = 0; i < sizeof(environment_hypervisors) / sizeof(environment_hypervisors[0]);
	     i++)
		if (strcmp(sig, environment_hypervisors[i].signature) == 0) {
			snprintf(env->hypervisor, sizeof(env->hypervisor), "%s",
				 environment_hypervisors[i].name);
			return true;
		}
	snprintf(env->hypervisor, sizeof(env->hypervisor), "unknown hypervisor \"%s\"", sig);
	return true;
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

void environment_summarize(struct environment *env)
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
