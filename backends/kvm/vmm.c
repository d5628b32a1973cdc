/* The kvm backend's VMM on its own: what `vbench vm` uses to boot a kernel, watch it and say how it ended. */
#include "backends/kvm/vmm.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/kvm/kvm.h"
#include "backends/kvm/machine.h"
#include "backends/kvm/probe.h"

struct vmm {
	struct machine *machine;
	/* machine_start's config points at these */
	char kernel[PATH_MAX], modules[PATH_MAX], agent[PATH_MAX];
};

unsigned vmm_max_vcpus(void)
{
	return VM_MAX_VCPUS;
}

int vmm_boot(const struct vmm_config *cfg, struct vmm **out, struct vb_error *err)
{
	*out = NULL;
	struct vmm *v = calloc(1, sizeof(*v));
	if (!v)
		return error_set(err, "out of memory");
	if (cfg->kernel_path)
		snprintf(v->kernel, sizeof(v->kernel), "%s", cfg->kernel_path);
	else
		kvm_default_guest_path("vmlinuz", v->kernel, sizeof(v->kernel));
	if (cfg->modules_dir)
		snprintf(v->modules, sizeof(v->modules), "%s", cfg->modules_dir);
	else
		kvm_default_guest_path(NULL, v->modules, sizeof(v->modules));
	/* the agent sits beside vbench, where the guest folder does */
	kvm_default_guest_path(NULL, v->agent, sizeof(v->agent));
	char *slash = strrchr(v->agent, '/');
	snprintf(slash ? slash + 1 : v->agent,
		 sizeof(v->agent) - (slash ? (size_t)(slash + 1 - v->agent) : 0), "vbench-agent");
	const char *env_agent = getenv("VBENCH_AGENT");
	struct machine_config mc = {
		.ncpus = cfg->ncpus,
		.memory_bytes = cfg->memory_bytes,
		.kernel_path = v->kernel,
		.initrd_path = cfg->initrd_path,
		.agent_path = env_agent && *env_agent ? env_agent : v->agent,
		.modules_dir = v->modules,
		.cmdline = cfg->cmdline,
		.disk_path = cfg->disk_path,
		.network = cfg->network,
		.console_fd = cfg->console_fd,
	};
	if (probe_kvm(cfg->force, err) < 0 || machine_start(&mc, &v->machine, err) < 0) {
		free(v);
		return -1;
	}
	*out = v;
	return 0;
}

int vmm_channel_fd(const struct vmm *v)
{
	return v->machine->channel_fd;
}

bool vmm_running(struct vmm *v)
{
	return vm_wait(v->machine->vm, false, 0) == VM_STATUS_RUNNING;
}

bool vmm_crashed(struct vmm *v, char *why, size_t len, const char **status)
{
	enum vm_status s = vm_wait(v->machine->vm, false, 0);
	bool panicked = machine_describe_end(v->machine, why, len);
	*status = vm_status_name(s);
	return panicked || s == VM_STATUS_PANIC || s == VM_STATUS_TRIPLE_FAULT ||
	       s == VM_STATUS_INTERNAL_ERROR;
}

void vmm_destroy(struct vmm *v)
{
	if (!v)
		return;
	machine_destroy(v->machine);
	free(v);
}
