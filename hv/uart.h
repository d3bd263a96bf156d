/* SPDX-License-Identifier: MIT */
/*
 * A guest's virtual 16550 UART on COM1 (National PC16550D data sheet).
 *
 * Two layers: the register model (vuart_reg_read/vuart_reg_write,
 * vuart_receive, vuart_irq) knows nothing of struct guest and sends
 * transmitted bytes to a callback; vuart_read/vuart_write connect it to a
 * guest, whose output goes to the host console line by line.
 */
#ifndef HV_UART_H
#define HV_UART_H

#include "lib/types.h"

#define VUART_BASE     0x3f8
#define VUART_PORTS    8
#define VUART_LINE_MAX 256
#define VUART_FIFO     16

/* Register offsets (PC16550D Table II). */
#define UART_RBR_THR 0 /* DLL when LCR.DLAB */
#define UART_IER     1 /* DLM when LCR.DLAB */
#define UART_IIR_FCR 2 /* IIR on reads, FCR on writes */
#define UART_LCR     3
#define UART_MCR     4
#define UART_LSR     5
#define UART_MSR     6
#define UART_SCR     7

#define UART_IER_ERBFI 0x01 /* received data available */
#define UART_IER_ETBEI 0x02 /* transmitter holding register empty */
#define UART_IER_ELSI  0x04 /* receiver line status */
#define UART_IER_EDSSI 0x08 /* modem status */
#define UART_MCR_DTR   0x01
#define UART_MCR_RTS   0x02
#define UART_MCR_OUT1  0x04
#define UART_MCR_OUT2  0x08 /* gates the IRQ line on a PC */
#define UART_MCR_LOOP  0x10

struct vuart {
	u8 ier, lcr, mcr, scr, dll, dlm;
	u8 fcr;	       /* FIFO enable and receiver trigger level */
	u8 lsr_err;    /* LSR error bits (overrun), until LSR is read */
	u8 msr_delta;  /* MSR bits 3:0, until MSR is read */
	bool thre_irq; /* THRE interrupt: until IIR shows it or THR written */
	u8 rx[VUART_FIFO];
	u8 rx_head, rx_count;
	unsigned len; /* guest output: the line being collected */
	char line[VUART_LINE_MAX + 1];
};

/* Where the transmitter's bytes go (not called in loopback mode). */
typedef void vuart_tx_fn(void *ctx, u8 c);

struct guest;

void vuart_reset(struct vuart *u);
/* The register model: @off is 0-7 from the UART's base port. */
u8 vuart_reg_read(struct vuart *u, u16 off);
void vuart_reg_write(struct vuart *u, u16 off, u8 val, vuart_tx_fn *tx,
		     void *ctx);
/* A byte arrives on the serial line. False if the receiver has no room
 * (16 bytes with FIFOs enabled, 1 without): the byte is lost and LSR
 * reports an overrun. */
bool vuart_receive(struct vuart *u, u8 c);
/* Would vuart_receive() take a byte now? */
bool vuart_can_receive(const struct vuart *u);
/* The level of the UART's interrupt line (ISA IRQ 4 for COM1): an enabled
 * interrupt is pending and MCR.OUT2 is set outside loopback mode. */
bool vuart_irq(const struct vuart *u);

/* The guest's COM1; transmitted bytes go to guest_console_put(). */
u8 vuart_read(struct guest *g, u16 offset);
void vuart_write(struct guest *g, u16 offset, u8 val);
/* Send text to the host console as the guest's, line by line. */
void guest_console_put(struct guest *g, const char *s, u64 n);
void guest_console_flush(struct guest *g);

#endif
