// SPDX-License-Identifier: MIT
/*
 * A guest's console: the bytes its COM1 (dm/uart.c) transmits and its
 * HC_PUTS hypercalls, collected into lines that go to the host console as
 * "[name] text", or passed through unchanged with console=raw.
 */
#include "arch/x86_64/serial.h"
#include "hv/console.h"
#include "hv/guest.h"
#include "lib/log.h"

void guest_console_flush(struct guest *g)
{
	struct console_line *u = &g->console;

	if (!u->len)
		return;
	u->line[u->len] = '\0';
	kprintf("[%s] %s\n", g->cfg.name, u->line);
	u->len = 0;
}

void guest_console_put(struct guest *g, const char *s, u64 n)
{
	struct console_line *u = &g->console;

	/* console=raw: a terminal for the guest (a shell's prompt has no
	 * newline, and editing needs escape sequences to pass). */
	if (g->cfg.raw_console) {
		serial_write(s, n);
		return;
	}

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
		if (u->len == CONSOLE_LINE_MAX)
			guest_console_flush(g);
	}
}

static void console_tx(void *ctx, u8 c)
{
	char ch = (char)c;

	guest_console_put(ctx, &ch, 1);
}

u8 vuart_read(struct guest *g, u16 off)
{
	return vuart_reg_read(&g->uart, off);
}

void vuart_write(struct guest *g, u16 off, u8 val)
{
	vuart_reg_write(&g->uart, off, val, console_tx, g);
}
