// SPDX-License-Identifier: MIT
/*
 * The guest's COM1: enough of a 16550 (PC16550D data sheet) for polled
 * output. The transmitter is always ready (LSR.THRE and TEMT set), so a
 * guest never waits; bytes are collected into lines and each line goes to
 * the real console as "[name] text".
 */
#include "hv/guest.h"
#include "hv/log.h"
#include "lib/string.h"

#define UART_RBR_THR	 0
#define UART_IER	 1
#define UART_IIR	 2
#define UART_LCR	 3
#define UART_MCR	 4
#define UART_LSR	 5
#define UART_MSR	 6
#define UART_SCR	 7
#define LCR_DLAB	 0x80
#define LSR_THRE_TEMT	 0x60
#define IIR_NO_INTERRUPT 0x01
#define MSR_DCD_DSR_CTS	 0xb0

void vuart_reset(struct vuart *u)
{
	memset(u, 0, sizeof(*u));
}

void guest_console_flush(struct guest *g)
{
	struct vuart *u = &g->uart;

	if (!u->len)
		return;
	u->line[u->len] = '\0';
	kprintf("[%s] %s\n", g->cfg.name, u->line);
	u->len = 0;
}

void guest_console_put(struct guest *g, const char *s, u64 n)
{
	struct vuart *u = &g->uart;

	for (; n; n--, s++) {
		if (*s == '\n') {
			if (!u->len)
				kprintf("[%s]\n", g->cfg.name);
			guest_console_flush(g);
			continue;
		}
		if (*s == '\r')
			continue;
		u->line[u->len++] =
			(*s >= 0x20 && *s < 0x7f) || *s == '\t' ? *s : '?';
		if (u->len == VUART_LINE_MAX)
			guest_console_flush(g);
	}
}

u8 vuart_read(struct guest *g, u16 off)
{
	struct vuart *u = &g->uart;
	bool dlab = u->lcr & LCR_DLAB;

	switch (off) {
	case UART_RBR_THR: return dlab ? u->dll : 0; /* no input yet */
	case UART_IER: return dlab ? u->dlm : u->ier;
	case UART_IIR: return IIR_NO_INTERRUPT;
	case UART_LCR: return u->lcr;
	case UART_MCR: return u->mcr;
	case UART_LSR: return LSR_THRE_TEMT;
	case UART_MSR: return MSR_DCD_DSR_CTS;
	default: return u->scr;
	}
}

void vuart_write(struct guest *g, u16 off, u8 val)
{
	struct vuart *u = &g->uart;
	bool dlab = u->lcr & LCR_DLAB;
	char c = (char)val;

	switch (off) {
	case UART_RBR_THR:
		if (dlab)
			u->dll = val;
		else
			guest_console_put(g, &c, 1);
		break;
	case UART_IER:
		if (dlab)
			u->dlm = val;
		else
			u->ier = val & 0x0f;
		break;
	case UART_LCR: u->lcr = val; break;
	case UART_MCR: u->mcr = val & 0x1f; break;
	case UART_SCR: u->scr = val; break;
	default: break; /* FCR, read-only registers */
	}
}
