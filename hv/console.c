// SPDX-License-Identifier: MIT
/*
 * A guest's console: the bytes its COM1 (dm/uart.c) transmits and its
 * HC_PUTS hypercalls, collected into lines that go to the host console as
 * "[name] text", or passed through unchanged with console=raw.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/tsc.h"
#include "hv/console.h"
#include "hv/guest.h"
#include "hv/hostcons.h"
#include "lib/log.h"
#include "lib/printf.h"
#include "lib/string.h"

/* What braid's own lines start with (tools parse only those). */
static const char braid_mark[] = "braid:";

/* The held bytes start a line: out they go, behind @prefix. */
static void release_held(struct guest *g, const char *prefix)
{
	struct console_line *u = &g->console;
	char buf[GUEST_NAME_MAX + 4 + sizeof(u->hold)];
	size_t n = strlen(prefix);

	/* One write: nothing of another's may come between the prefix and
	 * the bytes it vouches for. */
	memcpy(buf, prefix, n);
	memcpy(buf + n, u->hold, u->held);
	hostcons_write_raw(g, false, buf, n + u->held);
	u->held = 0;
}

/*
 * console=raw passes the guest's bytes through unchanged, but a guest
 * must not be able to print a line that looks like one of braid's
 * ("braid: summary ...", which tools trust). So the first bytes of each
 * line are held back while they could still become "braid:"; a line that
 * does is shown with the guest's name in front. (A lone "b" typed at the
 * start of a shell line shows with the next byte.) When other output ends
 * the guest's unfinished line (guests and braid share the console), what
 * the guest sends next starts a new line and is checked the same way.
 */
static void raw_put(struct guest *g, char c)
{
	struct console_line *u = &g->console;
	char prefix[GUEST_NAME_MAX + 4];

	if (u->mid_line) {
		u->mid_line = c != '\n' && c != '\r';
		if (hostcons_write_raw(g, true, &c, 1))
			return;
		u->mid_line = false; /* its line was ended: a new one */
	}
	u->hold[u->held++] = c;
	if (c == '\n' || c == '\r') {
		release_held(g, "");
		return;
	}
	if (memcmp(u->hold, braid_mark, u->held)) {
		release_held(g, "");
		u->mid_line = true;
	} else if (u->held == sizeof(braid_mark) - 1) {
		snprintf(prefix, sizeof(prefix), "[%s] ", g->cfg.name);
		release_held(g, prefix);
		u->mid_line = true;
	}
}

void guest_console_flush(struct guest *g)
{
	struct console_line *u = &g->console;

	if (g->cfg.raw_console && u->held)
		release_held(g, "");
	if (!u->len)
		return;
	u->line[u->len] = '\0';
	kprintf("[%s] %s\n", g->cfg.name, u->line);
	u->len = 0;
}

/* Top up the output budget for the time that passed (a token bucket);
 * false if @n bytes do not fit, which are then counted as dropped. */
static bool output_allowed(struct guest *g, u64 n)
{
	struct console_line *u = &g->console;
	u64 now = rdtsc(), per_byte = MAX(tsc_hz() / CONSOLE_RATE, 1ull);
	u64 refill;

	if (!u->credit_tsc) {
		u->credit = CONSOLE_BURST;
		u->credit_tsc = now;
	}
	refill = (now - u->credit_tsc) / per_byte;
	u->credit_tsc += refill * per_byte;
	u->credit = MIN((u64)CONSOLE_BURST, u->credit + refill);
	if (u->muted && u->credit >= CONSOLE_BURST / 2) {
		u->muted = false;
		guest_info(g, "output resumes (%llu bytes dropped so far)",
			   (unsigned long long)u->dropped);
	}
	if (!u->muted && u->credit >= n) {
		u->credit -= n;
		return true;
	}
	if (!u->muted) {
		guest_console_flush(g);
		guest_info(
			g,
			"prints more than %u KiB at a rate over %u KiB/s: "
			"further output is dropped (\"output\" under \"suppressed\" "
			"in its stats line)",
			CONSOLE_BURST / 1024, CONSOLE_RATE / 1024);
		u->muted = true;
	}
	u->dropped += n;
	return false;
}

void guest_console_put(struct guest *g, const char *s, u64 n)
{
	struct console_line *u = &g->console;

	if (!output_allowed(g, n))
		return;

	/* console=raw: a terminal for the guest (a shell's prompt has no
	 * newline, and editing needs escape sequences to pass). */
	if (g->cfg.raw_console) {
		for (; n; n--, s++)
			raw_put(g, *s);
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

/*
 * A guest that polls its UART (LSR, then RBR: boot loaders, memtest86+,
 * simple monitors) never enables the receive interrupt, so the input
 * poll of hv/vplat.c, which waits for it, would never hand it a byte:
 * take what the host console has when the guest looks.
 */
u8 vuart_read(struct guest *g, u16 off)
{
	int c;

	if (off == UART_LSR || off == UART_RBR_THR)
		while (vuart_can_receive(&g->uart) && (c = serial_getc()) >= 0)
			vuart_receive(&g->uart, (u8)c);
	return vuart_reg_read(&g->uart, off);
}

void vuart_write(struct guest *g, u16 off, u8 val)
{
	vuart_reg_write(&g->uart, off, val, console_tx, g);
}
