/*
 * What the environment is, seen from inside: the hypervisor (CPUID's hypervisor leaf, /proc/xen,
 * DMI), the container technology (/proc/vz, /.dockerenv, PID 1's container=, cgroup paths), the
 * CPU model, the CPUs and memory it sees, the kernel and the clock source, and one summary line.
 */
#ifndef VB_AGENT_ENVIRONMENT_H
#define VB_AGENT_ENVIRONMENT_H

#include <stdbool.h>
#include <stdint.h>

#include "common/json.h"

/* What CPUID says, read by environment_read_cpuid or made up by a test. */
struct environment_cpuid {
	bool hypervisor_bit; /* leaf 1, ECX bit 31: "running under a hypervisor" */
	char signature[13];  /* leaf 0x40000000's EBX, ECX, EDX ("KVMKVMKVM"), "" none */
	char brand[49];	     /* leaves 0x80000002-4, spaces trimmed, "" none */
};

struct environment {
	/* "KVM", "Xen", "Hyper-V", "VMware", "VirtualBox", "QEMU (TCG)", ...; "" none seen */
	char hypervisor[48];
	char hypervisor_source[16]; /* how it was found: "cpuid", "proc/xen", "dmi", "" */
	char container[32];	    /* "docker", "podman", "lxc", "openvz", "kubernetes", ...; "" */
	char container_source[24];  /* "proc/vz", ".dockerenv", "pid1 environ", "cgroup", ... */
	bool initial_pid_ns; /* in the kernel's first PID namespace: file markers were not trusted */
	char dmi_vendor[64], dmi_product[64];
	char cpu_model[64];
	unsigned cpus; /* online CPUs, 0 unknown */
	uint64_t memory_bytes;
	char kernel[128];
	char clocksource[32];
	char summary[256]; /* "KVM guest, 2 vCPUs, 3.8 GiB, AMD EPYC 7B13" */
};

/* CPUID as this CPU answers it (all empty off x86). */
void environment_read_cpuid(struct environment_cpuid *c);
/*
 * Classify the environment from the files under root ("/" for the real one; tests pass a
 * directory that fakes proc/, sys/, .dockerenv) and the given CPUID answers. Never fails:
 * what cannot be read is left empty.
 */
void environment_detect(const char *root, const struct environment_cpuid *cpuid,
			struct environment *env);
/* The hypervisor CPUID names by its signature (source "cpuid"); false when it names none. */
bool environment_hypervisor_from_cpuid(const struct environment_cpuid *cpuid, struct environment *env);
/* env->summary from the rest of env: "KVM guest, 2 vCPUs, 3.8 GiB, AMD EPYC 7B13". */
void environment_summarize(struct environment *env);
/* Write env as one JSON object value (the caller has written the key). */
void environment_write_json(struct json_writer *w, const struct environment *env);

#endif
