/* An 8250/16550A UART (enough for Linux's 8250 driver and earlycon), output copied to a host fd. */
#include "backends/kvm/serial.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define UART_IER_RDI  0x01
#define UART_IER_THRI 0x02
#define UART_LCR_DLAB 0x80
#define UART_MCR_LOOP 0x10
#define UART_LSR_DR   0x01
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

static uint8_t serial_iir(struct serial *s)
{
	uint8_t fifo = s->fifo_enabled ? 0xc0 : 0;
	if ((s->ier & UART_IER_RDI) && s->rx_count)
		return fifo | 0x04;
	if ((s->ier & UART_IER_THRI) && s->thre_pending)
		return fifo | 0x02;
	return fifo | 0x01;
}

/* The IOAPIC pin is edge-triggered for ISA IRQs: follow the "interrupt pending" level. */
static void serial_update_irq(struct serial *s)
{
	bool level = !(serial_iir(s) & 0x01);
	if (level != s->irq_level && s->vm) {
		vm_irq_line(s->vm, s->irq, level);
		s->irq_level = level;
	}
}

/* Watch the console for Linux's panic line: a panicking kernel may never manage to reset. */
static void serial_watch_line(struct serial *s, uint8_t ch)
{
	if (ch != '\n') {
		if (ch != '\r' && s->line_len + 1 < sizeof(s->line))
			s->line[s->line_len++] = (char)ch;
		return;
	}
	s->line[s->line_len] = 0;
	const char *p = strstr(s->line, "Kernel panic - not syncing");
	if (p && s->on_panic)
		s->on_panic(s->on_panic_opaque, p);
	s->line_len = 0;
}

static void serial_output(struct serial *s, uint8_t ch)
{
	s->tail[s->written % SERIAL_TAIL] = (char)ch;
	s->written++;
	serial_watch_line(s, ch);
	if (s->out_fd >= 0) {
		ssize_t n;
		do
			n = write(s->out_fd, &ch, 1);
		while (n < 0 && errno == EINTR);
	}
}

static void serial_push_rx(struct serial *s, uint8_t ch)
{
	if (s->rx_count < sizeof(s->rx)) {
		s->rx[(s->rx_head + s->rx_count) % sizeof(s->rx)] = ch;
		s->rx_count++;
	}
}

static uint8_t serial_msr(struct serial *s)
{
	if (!(s->mcr & UART_MCR_LOOP))
		return 0xb0; /* DCD, DSR, CTS: a line that is always there */
	/* Loopback wires DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; the driver's probe checks this. */
	return (s->mcr & 0x01) << 5 | (s->mcr & 0x02) << 3 | (s->mcr & 0x0c) << 4;
}

void serial_io(void *opaque, uint64_t offset, uint8_t *data, unsigned len, bool is_write)
{
	struct serial *s = opaque;
	if (len != 1) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	pthread_mutex_lock(&s->lock);
	bool dlab = s->lcr & UART_LCR_DLAB;
	uint8_t v = data[0];
	if (is_write) {
		switch (offset) {
		case 0:
			if (dlab) {
				s->dll = v;
			} else {
				if (s->mcr & UART_MCR_LOOP)
					serial_push_rx(s, v);
				else
					serial_output(s, v);
				s->thre_pending = true; /* transmission is instant */
			}
			break;
		case 1:
			if (dlab) {
				s->dlm = v;
			} else {
				/* Enabling the THR interrupt with the holding register empty raises it at once. */
				if ((v & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
					s->thre_pending = true;
				s->ier = v & 0x0f;
			}
			break;
		case 2:
			s->fifo_enabled = v & 0x01;
			if (v & 0x02)
				s->rx_count = 0;
			break;
		case 3: s->lcr = v; break;
		case 4: s->mcr = v & 0x1f; break;
		case 7: s->scr = v; break;
		default: break;
		}
	} else {
		switch (offset) {
		case 0:
			if (dlab) {
				v = s->dll;
			} else if (s->rx_count) {
				v = s->rx[s->rx_head];
				s->rx_head = (s->rx_head + 1) % sizeof(s->rx);
				s->rx_count--;
			} else {
				v = 0;
			}
			break;
		case 1: v = dlab ? s->dlm : s->ier; break;
		case 2:
			v = serial_iir(s);
			if ((v & 0x0f) == 0x02)
				s->thre_pending = false; /* reading IIR acknowledges THRE */
			break;
		case 3: v = s->lcr; break;
		case 4: v = s->mcr; break;
		case 5: v = UART_LSR_THRE | UART_LSR_TEMT | (s->rx_count ? UART_LSR_DR : 0); break;
		case 6: v = serial_msr(s); break;
		case 7: v = s->scr; break;
		default: v = 0xff; break;
		}
		data[0] = v;
	}
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

int serial_init(struct serial *s, struct vm *vm, uint16_t port, unsigned irq, int out_fd,
		struct vb_error *err)
{
	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->irq = irq;
	s->out_fd = out_fd;
	s->thre_pending = false;
	pthread_mutex_init(&s->lock, NULL);
	if (vm && vm_register_pio(vm, port, 8, serial_io, s, err) < 0)
		return -1;
	return 0;
}

void serial_destroy(struct serial *s)
{
	pthread_mutex_destroy(&s->lock);
}

size_t serial_receive(struct serial *s, const void *data, size_t len)
{
	const uint8_t *p = data;
	size_t n = 0;
	pthread_mutex_lock(&s->lock);
	while (n < len && s->rx_count < sizeof(s->rx))
		serial_push_rx(s, p[n++]);
	serial_update_irq(s);
	pthread_mutex_unlock(&s->lock);
	return n;
}

void serial_tail(struct serial *s, char *buf, size_t size, unsigned max_lines)
{
	if (size == 0)
		return;
	pthread_mutex_lock(&s->lock);
	uint64_t avail = s->written < SERIAL_TAIL ? s->written : SERIAL_TAIL;
	uint64_t start = s->written - avail;
	/* Walk back over max_lines line ends (a trailing newline does not count). */
	unsigned lines = 0;
	uint64_t i = s->written;
	while (i > start) {
		char c = s->tail[(i - 1) % SERIAL_TAIL];
		if (c == '\n' && i != s->written && ++lines >= max_lines)
			break;
		i--;
	}
	size_t n = 0;
	for (; i < s->written && n + 1 < size; i++) {
		char c = s->tail[i % SERIAL_TAIL];
		if (c != '\r')
			buf[n++] = c;
	}
	buf[n] = 0;
	pthread_mutex_unlock(&s->lock);
}
