/* An 8250/16550A UART: the guest's console, copied to a host fd with the last lines kept. */
#ifndef VB_KVM_SERIAL_H
#define VB_KVM_SERIAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backends/kvm/vm.h"

#define SERIAL_COM1_PORT 0x3f8
#define SERIAL_COM1_IRQ	 4
#define SERIAL_TAIL	 4096

struct serial {
	struct vm *vm;
	unsigned irq;
	int out_fd; /* -1: keep only the tail */
	pthread_mutex_t lock;
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	bool fifo_enabled, thre_pending, irq_level;
	uint8_t rx[256];
	unsigned rx_head, rx_count;
	char tail[SERIAL_TAIL]; /* ring of the last console bytes */
	uint64_t written;
	char line[160]; /* the console line being written, to spot a kernel panic */
	size_t line_len;
	/* Called (under the UART's lock) with a console line announcing a kernel panic. */
	void (*on_panic)(void *opaque, const char *line);
	void *on_panic_opaque;
};

int serial_init(struct serial *s, struct vm *vm, uint16_t port, unsigned irq, int out_fd,
		struct vb_error *err);
void serial_destroy(struct serial *s);
/* Register access, as a vm_io_fn (exposed for tests). */
void serial_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write);
/* Queue bytes for the guest to read (its console input). Returns how many fit. */
size_t serial_receive(struct serial *s, const void *data, size_t len);
/* The last console output, at most max_lines lines, NUL-terminated. */
void serial_tail(struct serial *s, char *buf, size_t size, unsigned max_lines);

#endif
