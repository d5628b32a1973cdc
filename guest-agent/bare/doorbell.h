/*
 * How the bare guest's testable parts (ring.c, workers.c) ring the VMM: through a function, an
 * `out` in the guest and a fake VMM in the unit tests, so that they hold no port I/O themselves.
 */
#ifndef VB_BARE_DOORBELL_H
#define VB_BARE_DOORBELL_H

#include <stdint.h>

/* `out value, port` (enum bare_port in common/bare-abi.h). */
typedef void (*bare_doorbell_fn)(void *ctx, unsigned port, uint32_t value);

#endif
