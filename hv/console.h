/* SPDX-License-Identifier: MIT */
#ifndef HV_CONSOLE_H
#define HV_CONSOLE_H

#include "lib/types.h"

#define CONSOLE_LINE_MAX 256
/* A guest may print this much at once, and this much more per second of
 * TSC time; the rest is dropped and counted. The burst is more than any
 * guest braid ships prints; the rate is well below what a 115200-baud
 * UART carries (about 11 KiB/s), so a flood cannot keep braid printing. */
#define CONSOLE_BURST (256 * 1024)
#define CONSOLE_RATE  (2 * 1024)

/* The line of guest output being collected. */
struct console_line {
	unsigned len;
	char line[CONSOLE_LINE_MAX + 1];
	/* console=raw: past the start of a line, and the bytes held back
	 * at its start (see raw_put()). */
	bool mid_line;
	unsigned held;
	char hold[8];
	/* The output budget (see guest_console_put()): bytes it may still
	 * print, when that was last topped up, and what was dropped. */
	u64 credit;
	u64 credit_tsc;
	bool muted;
	u64 dropped;
};

struct guest;

/* The guest's COM1 registers; transmitted bytes go to guest_console_put(). */
u8 vuart_read(struct guest *g, u16 offset);
void vuart_write(struct guest *g, u16 offset, u8 val);
/* Send text to the host console as the guest's, line by line. */
void guest_console_put(struct guest *g, const char *s, u64 n);
void guest_console_flush(struct guest *g);

#endif
