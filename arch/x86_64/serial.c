// SPDX-License-Identifier: MIT
/*
 * The host's 16550 (National Semiconductor PC16550D data sheet), at an I/O
 * port or in MMIO with byte or dword registers, and the emulators' 0xE9
 * debug port. Only the register access is here: what is sent when is the
 * host console's business (hv/hostcons.c).
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/ns16550.h"
#include "arch/x86_64/serial.h"
#include "lib/phys.h"

#define E9_PORT 0xe9

static struct uart_port port;
static bool port_used;
static bool e9_present;

static u8 reg_read(const struct uart_port *p, unsigned reg)
{
	u64 at = p->base + (u64)reg * p->width;

	if (p->space == UART_SPACE_IO)
		return inb((u16)at);
	if (p->width == 4)
		return (u8) * (volatile u32 *)pa_to_va(at);
	return *(volatile u8 *)pa_to_va(at);
}

static void reg_write(const struct uart_port *p, unsigned reg, u8 v)
{
	u64 at = p->base + (u64)reg * p->width;

	if (p->space == UART_SPACE_IO)
		outb((u16)at, v);
	else if (p->width == 4)
		*(volatile u32 *)pa_to_va(at) = v;
	else
		*(volatile u8 *)pa_to_va(at) = v;
}

void serial_init(void)
{
	/* Bochs' port_e9_hack and QEMU's debugcon read back 0xE9. */
	e9_present = inb(E9_PORT) == E9_PORT;
}

bool serial_probe(const struct uart_port *p)
{
	u8 old = reg_read(p, UART_SCR);
	bool ok;

	reg_write(p, UART_SCR, 0x5a);
	ok = reg_read(p, UART_SCR) == 0x5a;
	reg_write(p, UART_SCR, 0xa5);
	ok = ok && reg_read(p, UART_SCR) == 0xa5;
	reg_write(p, UART_SCR, old);
	return ok;
}

/* 8N1 at @p->baud, FIFOs on, DTR and RTS up, no interrupts: braid polls. */
static void program(const struct uart_port *p)
{
	u32 clock = p->clock ? p->clock : UART_CLOCK_PC;
	u32 div = MAX(clock / 16 / p->baud, 1u);

	reg_write(p, UART_IER, 0);
	reg_write(p, UART_LCR, UART_LCR_DLAB);
	reg_write(p, UART_DLL, div & 0xff);
	reg_write(p, UART_DLM, div >> 8);
	reg_write(p, UART_LCR, UART_LCR_8N1);
	reg_write(p, UART_MCR, UART_MCR_DTR | UART_MCR_RTS);
	reg_write(p, UART_IIR_FCR,
		  UART_FCR_ENABLE | UART_FCR_CLEAR_RX | UART_FCR_CLEAR_TX);
}

void serial_use(const struct uart_port *p)
{
	port_used = p != NULL;
	if (!p)
		return;
	port = *p;
	if (!port.baud) {
		reg_write(&port, UART_IER, 0);
		reg_write(&port, UART_IIR_FCR,
			  UART_FCR_ENABLE | UART_FCR_CLEAR_TX);
		return;
	}
	program(&port);
}

bool serial_tx_ready(void)
{
	return port_used && (reg_read(&port, UART_LSR) & UART_LSR_THRE);
}

bool serial_tx_empty(void)
{
	return !port_used || (reg_read(&port, UART_LSR) & UART_LSR_TEMT);
}

void serial_tx(char c)
{
	if (port_used)
		reg_write(&port, UART_RBR_THR, (u8)c);
}

void serial_debugcon(char c)
{
	if (e9_present)
		outb(E9_PORT, c);
}

int serial_getc(void)
{
	if (!port_used || !(reg_read(&port, UART_LSR) & UART_LSR_DR))
		return -1;
	return reg_read(&port, UART_RBR_THR); /* RBR, at the same offset */
}
