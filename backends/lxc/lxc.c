/* lxc backend: a namespace container vbench builds itself (placeholder until it lands). */
#include "backends/backend.h"

static int lxc_probe(const struct backend_config *cfg, struct vb_error *err)
{
	(void)cfg;
	return error_set(err, "the lxc backend is not built yet");
}

const struct backend_ops lxc_backend = {
	.name = "lxc",
	.description = "namespace container built by vbench (pid, mount, net, ... + cgroups)",
	.probe = lxc_probe,
};
