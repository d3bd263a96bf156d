// SPDX-License-Identifier: MIT
/*
 * The console: formatted output to whatever sink braid's boot code
 * installs (the host serial port, arch/x86_64/serial.c). Lines printed
 * before a sink exists are dropped: there is nowhere to put them yet.
 */
#include <stdarg.h>

#include "lib/log.h"
#include "lib/printf.h"

static console_sink_fn *sink;

void console_set_sink(console_sink_fn *fn)
{
	sink = fn;
}

void console_write(const char *s, unsigned long n)
{
	if (sink)
		sink(s, n);
}

void kprintf(const char *fmt, ...)
{
	char buf[1536];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, n);
}
