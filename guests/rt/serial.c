// SPDX-License-Identifier: MIT
/*
 * Polled 16550 UART on COM1. Only the transmit side is used: wait for the
 * transmit holding register to empty (LSR bit 5, THRE), then write a byte.
 */
#include "serial.h"
#include "x86.h"

#define COM1	 0x3f8
#define UART_THR 0 /* transmit holding register (DLAB=0) */
#define UART_DLL 0 /* divisor latch low (DLAB=1) */
#define UART_IER 1 /* interrupt enable (DLAB=0) */
#define UART_DLM 1 /* divisor latch high (DLAB=1) */
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LCR_8N1	 0x03
#define LCR_DLAB 0x80
#define LSR_THRE 0x20

/* 115200 8N1, FIFOs on, interrupts off: the guest only ever polls. */
void serial_init(void)
{
	outb(COM1 + UART_IER, 0);
	outb(COM1 + UART_LCR, LCR_DLAB);
	outb(COM1 + UART_DLL, 1);
	outb(COM1 + UART_DLM, 0);
	outb(COM1 + UART_LCR, LCR_8N1);
	outb(COM1 + UART_FCR, 0x07); /* enable and clear both FIFOs */
	outb(COM1 + UART_MCR, 0x03); /* DTR | RTS */
}

void serial_putc(char c)
{
	while (!(inb(COM1 + UART_LSR) & LSR_THRE))
		;
	outb(COM1 + UART_THR, (u8)c);
}
