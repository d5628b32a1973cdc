/* Can this host's KVM run a Linux guest at useful speed? A ring-0 calibration guest answers. */
#ifndef VB_KVM_PROBE_H
#define VB_KVM_PROBE_H

#include <stdbool.h>

#include "common/error.h"

/* Above this, guest ring 0 is being emulated (PVM-style nesting), not run by hardware. */
#define PROBE_RING0_SLOW_NS 200.0

/* Time a tiny ring-0 loop guest; *ns_per_insn is the cost of one guest ring-0 instruction. */
int probe_ring0_speed(double *ns_per_insn, struct vb_error *err);
/* /dev/kvm usable, and ring 0 fast enough (unless force). -1 with a one-line reason. */
int probe_kvm(bool force, struct vb_error *err);

#endif
