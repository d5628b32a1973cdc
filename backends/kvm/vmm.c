/* What `vbench vm` sees of vbench's VMM: the kvm backend's VMM process (vmm-process.c), given a console. */
#include "backends/kvm/vmm.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends/backend.h"
#include "backends/kvm/vm.h"
#include "backends/kvm/vmm-process.h"
#include "common/path.h"

struct vmm {
	struct backend_instance *process;
	/* the VMM process is forked from these: they outlive the fork */
	struct backend_config cfg;
	char agent[PATH_MAX];
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
	/* the agent sits beside vbench, where the guest folder does */
	const char *env_agent = getenv("VBENCH_AGENT");
	if (env_agent && *env_agent)
		snprintf(v->agent, sizeof(v->agent), "%s", env_agent);
	else
		path_beside_self("vbench-agent", "build/vbench", v->agent, sizeof(v->agent));
	v->cfg = (struct backend_config){
		.ncpus = cfg->ncpus,
		.memory_bytes = cfg->memory_bytes,
		.agent_path = v->agent,
		.disk_path = cfg->disk_path,
		.network = cfg->network,
		.kernel_path = cfg->kernel_path,
		.modules_dir = cfg->modules_dir,
		.force = cfg->force,
		.vm_mode = cfg->bare ? BACKEND_VM_BARE : BACKEND_VM_LINUX,
		.vm_console = true,
		.initrd_path = cfg->initrd_path,
		.cmdline = cfg->cmdline,
	};
	if (vmm_process_start(&v->cfg, &v->process, err) < 0) {
		free(v);
		return -1;
	}
	*out = v;
	return 0;
}

int vmm_channel_fd(const struct vmm *v)
{
	int rfd, wfd;
	vmm_process_channel(v->process, &rfd, &wfd);
	return rfd;
}

bool vmm_running(struct vmm *v)
{
	return vmm_process_alive(v->process);
}

enum vmm_end vmm_end(struct vmm *v, char *why, size_t len)
{
	int status;
	bool crashed;
	if (vmm_process_end(v->process, &status, &crashed, why, len) < 0)
		return VMM_END_PROCESS_DIED;
	if (crashed)
		return VMM_END_CRASHED;
	switch ((enum vm_status)status) {
	case VM_STATUS_RUNNING: return VMM_END_RUNNING;
	case VM_STATUS_POWER_OFF: return VMM_END_POWER_OFF;
	case VM_STATUS_REBOOT: return VMM_END_REBOOT;
	default: return VMM_END_OTHER;
	}
}

void vmm_destroy(struct vmm *v)
{
	if (!v)
		return;
	vmm_process_stop(v->process);
	free(v);
}
