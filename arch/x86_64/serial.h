/* SPDX-License-Identifier: MIT */
/*
 * The host's real serial port: a 16550 at an I/O port or in MMIO (any of
 * COM1-COM4, one ACPI's SPCR names, or one the console= option gives),
 * and the Bochs/QEMU 0xE9 debug port. Input is polled too: it feeds the
 * running guest's virtual UART.
 */
#ifndef ARCH_SERIAL_H
#define ARCH_SERIAL_H

#include "lib/types.h"

enum uart_space { UART_SPACE_IO, UART_SPACE_MMIO };

/* Where a 16550 is and how to set it up. */
struct uart_port {
	u8 space;  /* enum uart_space */
	u8 width;  /* register width and stride in bytes: 1 or 4 */
	u64 base;  /* port or physical address */
	u32 baud;  /* 0: keep the firmware's divisor and line settings */
	u32 clock; /* input clock in Hz; 0 for the PC's UART_CLOCK_PC */
};

/* Look for the 0xE9 debug port; nothing is sent to a UART yet. */
void serial_init(void);
/* The scratch-register test: something that behaves like a 16550 is at
 * @p (an absent I/O port reads back 0xff). */
bool serial_probe(const struct uart_port *p);
/* Program @p (unless it keeps the firmware's settings) and send output
 * there from now on; NULL sends nothing to any UART. */
void serial_use(const struct uart_port *p);
/* The transmitter is empty: a FIFO's worth (UART_TX_FIFO) may be sent. */
/* Everything written has left the shift register (LSR.TEMT): before a
 * power-off or an emulator's exit, which would cut the FIFO short. */
bool serial_tx_empty(void);
bool serial_tx_ready(void);
void serial_tx(char c);
/* One byte to the 0xE9 debug port, if there is one. */
void serial_debugcon(char c);
/* A byte typed on the host console, or -1 if none is waiting. */
int serial_getc(void);

#endif
