/* VM exits by reason, from KVM's binary stats fd (Linux 5.14+) summed over vCPUs. */
#include "backends/kvm/exits.h"

#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "backends/kvm/vcpu.h"

void vm_exits_open(struct vm *vm, int *fds, unsigned nfds)
{
	for (unsigned i = 0; i < nfds; i++)
		fds[i] = i < vm->ncpus ? ioctl(vm->vcpus[i]->fd, KVM_GET_STATS_FD, NULL) : -1;
}

void vm_exits_close(int *fds, unsigned nfds)
{
	for (unsigned i = 0; i < nfds; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static void exits_add(struct vm_exit_counts *out, const char *name, uint64_t v)
{
	for (unsigned i = 0; i < out->n; i++)
		if (strcmp(out->name[i], name) == 0) {
			out->value[i] += v;
			return;
		}
	if (out->n >= EXITS_MAX)
		return;
	snprintf(out->name[out->n], sizeof(out->name[0]), "%s", name);
	out->value[out->n++] = v;
}

/* Add the "*exits*" counters of one vCPU's stats file. */
static int exits_read_fd(int fd, struct vm_exit_counts *out)
{
	struct kvm_stats_header h;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h) || h.num_desc > 4096 ||
	    h.name_size > 256)
		return -1;
	size_t desc_size = sizeof(struct kvm_stats_desc) + h.name_size;
	uint8_t *descs = malloc(desc_size * h.num_desc);
	if (!descs)
		return -1;
	if (pread(fd, descs, desc_size * h.num_desc, h.desc_offset) !=
	    (ssize_t)(desc_size * h.num_desc)) {
		free(descs);
		return -1;
	}
	for (uint32_t i = 0; i < h.num_desc; i++) {
		struct kvm_stats_desc *d = (struct kvm_stats_desc *)(descs + i * desc_size);
		char name[257];
		memcpy(name, d->name, h.name_size);
		name[h.name_size] = 0;
		if (!strstr(name, "exits") || d->size != 1)
			continue;
		uint64_t v;
		if (pread(fd, &v, sizeof(v), h.data_offset + d->offset) == (ssize_t)sizeof(v))
			exits_add(out, name, v);
	}
	free(descs);
	return 0;
}

void vm_exits_read(struct vm *vm, const int *fds, unsigned nfds, struct vm_exit_counts *out)
{
	memset(out, 0, sizeof(*out));
	bool all = nfds >= vm->ncpus;
	for (unsigned i = 0; i < vm->ncpus && all; i++)
		all = fds[i] >= 0;
	if (all) {
		out->from_kvm = true;
		for (unsigned i = 0; i < vm->ncpus; i++)
			if (exits_read_fd(fds[i], out) < 0)
				out->from_kvm = false;
		if (out->from_kvm && out->n)
			return;
		memset(out, 0, sizeof(*out));
	}
	static const struct {
		unsigned reason;
		const char *name;
	} userspace[] = {
		{ KVM_EXIT_IO, "vmm_io_exits" },
		{ KVM_EXIT_MMIO, "vmm_mmio_exits" },
		{ KVM_EXIT_HLT, "vmm_halt_exits" },
		{ KVM_EXIT_INTR, "vmm_signal_exits" },
	};
	for (size_t i = 0; i < sizeof(userspace) / sizeof(userspace[0]); i++)
		exits_add(out, userspace[i].name, vm_exit_count(vm, userspace[i].reason));
}
