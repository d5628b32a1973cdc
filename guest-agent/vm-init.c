/* The agent's duties as /init in a Linux VM (placeholder until the kvm backend lands). */
#include "guest-agent/vm-init.h"

#include <stdlib.h>
#include <unistd.h>

bool agent_vm_is_init(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return false;
}

int agent_vm_init(struct agent_vm_env *env, struct vb_error *err)
{
	(void)env;
	return error_set(err, "VM init is not built yet");
}

void agent_vm_mark_ready(void)
{
}

void agent_vm_poweroff(void)
{
	_exit(0);
}
