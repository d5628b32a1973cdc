/* kvm backend: vbench's own minimal VMM booting a stock Linux kernel (placeholder until it lands). */
#include "backends/backend.h"

static int kvm_probe(const struct backend_config *cfg, struct vb_error *err)
{
	(void)cfg;
	return error_set(err, "the kvm backend is not built yet");
}

const struct backend_ops kvm_backend = {
	.name = "kvm",
	.description = "Linux VM on vbench's own KVM VMM (virtio-mmio, ACPI)",
	.probe = kvm_probe,
};
