/* The agent's duties as /init in a Linux VM: mounts, virtio modules, devices, boot timer, power-off. */
#ifndef VB_AGENT_VM_INIT_H
#define VB_AGENT_VM_INIT_H

#include <stdbool.h>
#include <stddef.h>

#include "common/error.h"

struct agent_vm_env {
	int channel_rfd, channel_wfd; /* the agent channel (virtio-console port or UART) */
	char disk_path[64];	      /* "/dev/vda" when a virtio-blk disk is attached, else "" */
	char peer_addr[64];	      /* "ip:port" of the host-side peer when networked, else "" */
};

/* True when this process should act as a VM's init (PID 1 started by a kernel as /init). */
bool agent_vm_is_init(int argc, char **argv);
/* Mount, load modules, find devices, open the channel. */
int agent_vm_init(struct agent_vm_env *env, struct vb_error *err);
/* Tell the VMM the agent is ready (boot timer). */
void agent_vm_mark_ready(void);
/* Power the VM off (never returns). */
void agent_vm_poweroff(void) __attribute__((noreturn));

#endif
