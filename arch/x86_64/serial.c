// SPDX-License-Identifier: MIT
/*
 * Polled output on the host's COM1_BASE (a 16550: National Semiconductor
 * PC16550D data sheet), mirrored to port 0xE9 when an emulator offers it.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ns16550.h"
#include "arch/x86_64/serial.h"

#define E9_PORT 0xe9

static bool com1_present;
static bool e9_present;

void serial_init(void)
{
	/* A UART has a scratch register that keeps what is written to it;
	 * an absent port reads back 0xff. */
	outb(COM1_BASE + UART_SCR, 0x5a);
	com1_present = inb(COM1_BASE + UART_SCR) == 0x5a;
	/* Bochs' port_e9_hack and QEMU's debugcon read back 0xE9. */
	e9_present = inb(E9_PORT) == E9_PORT;
	if (!com1_present)
		return;
	outb(COM1_BASE + UART_IER, 0);
	outb(COM1_BASE + UART_LCR, UART_LCR_DLAB);
	outb(COM1_BASE + UART_DLL, 1); /* 115200 baud */
	outb(COM1_BASE + UART_DLM, 0);
	outb(COM1_BASE + UART_LCR, UART_LCR_8N1);
	outb(COM1_BASE + UART_IIR_FCR, 0x07); /* enable and clear FIFOs */
	outb(COM1_BASE + UART_MCR, 0x03);     /* DTR, RTS */
}

static void com1_putc(char c)
{
	unsigned spins = 1000000;

	while (!(inb(COM1_BASE + UART_LSR) & UART_LSR_THRE) && --spins)
		cpu_relax();
	outb(COM1_BASE + UART_RBR_THR, c);
}

void serial_write(const char *s, size_t n)
{
	for (; n; n--, s++) {
		if (*s == '\n') {
			if (com1_present)
				com1_putc('\r');
		}
		if (com1_present)
			com1_putc(*s);
		if (e9_present)
			outb(E9_PORT, *s);
	}
}

int serial_getc(void)
{
	if (!com1_present || !(inb(COM1_BASE + UART_LSR) & UART_LSR_DR))
		return -1;
	return inb(COM1_BASE + UART_RBR_THR); /* RBR, at the same offset */
}
