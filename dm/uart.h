/* SPDX-License-Identifier: MIT */
/*
 * A guest's virtual 16550 UART on COM1 (National PC16550D data sheet).
 *
 * The register model (vuart_reg_read/vuart_reg_write, vuart_receive,
 * vuart_irq) knows nothing of guests and sends transmitted bytes to a
 * callback; hv/console.c connects it to a guest, whose output goes to the
 * host console line by line.
 */
#ifndef DM_UART_H
#define DM_UART_H

#include "arch/x86_64/ns16550.h"
#include "lib/types.h"

#define VUART_BASE  COM1_BASE
#define VUART_PORTS 8
#define VUART_FIFO  16

struct vuart {
	u8 ier, lcr, mcr, scr, dll, dlm;
	u8 fcr;	       /* FIFO enable and receiver trigger level */
	u8 lsr_err;    /* LSR error bits (overrun), until LSR is read */
	u8 msr_delta;  /* MSR bits 3:0, until MSR is read */
	bool thre_irq; /* THRE interrupt: until IIR shows it or THR written */
	u8 rx[VUART_FIFO];
	u8 rx_head, rx_count;
};

/* Where the transmitter's bytes go (not called in loopback mode). */
typedef void vuart_tx_fn(void *ctx, u8 c);

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

#endif
