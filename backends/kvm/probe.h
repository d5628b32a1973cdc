/* Can this host's KVM run a Linux guest at useful speed? The PVM module, then a ring-0 calibration guest, answer. */
#ifndef VB_KVM_PROBE_H
#define VB_KVM_PROBE_H

#include <stdbool.h>

#include "common/error.h"

/*
 * Above this, guest ring 0 is being emulated (PVM-style nesting), not run by hardware. Hardware
 * runs the loop at under 1 ns an instruction and emulation at 100 ns or more (188 ns quiet, up to
 * 2,500 ns busy here), so a limit between the two does not flip with the host's load.
 */
#define PROBE_RING0_SLOW_NS 20.0
/* Tries of the calibration guest; the best one counts, since load only ever slows a try down. */
#define PROBE_RING0_TRIES 3

/* Time a tiny ring-0 loop guest once; *ns_per_insn is the cost of one guest ring-0 instruction. */
int probe_ring0_speed(double *ns_per_insn, struct vb_error *err);
/* The verdict on n tries: true when the best (smallest) is at most PROBE_RING0_SLOW_NS; *best gets it. */
bool probe_ring0_is_fast(const double *ns, unsigned n, double *best);
/* Is the kvm_pvm module loaded? Looks for <root>/sys/module/kvm_pvm and a kvm_pvm line in
 * <root>/proc/modules; root "" is this host (tests pass a directory of their own). */
bool probe_pvm_loaded(const char *root);
enum probe_verdict {
	PROBE_USABLE,
	PROBE_BROKEN, /* no /dev/kvm, no access, or the calibration guest failed: force cannot help */
	PROBE_EMULATED, /* PVM, or a slow ring 0: force may try anyway; ring 3 runs natively */
};
/* The verdict of the one examination of this host, with its reason (NULL: not wanted). */
enum probe_verdict probe_kvm_verdict(struct vb_error *reason);
/* /dev/kvm usable, no PVM and ring 0 fast enough (the last two waived by force). -1 with a one-line
 * reason. The host is examined once per process; later calls repeat the first verdict. */
int probe_kvm(bool force, struct vb_error *err);
/* How many times this process examined the host (0 or 1 once probe_kvm caches; for tests). */
unsigned probe_kvm_examinations(void);

#endif
