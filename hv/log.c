// SPDX-License-Identifier: MIT
/* The console: formatted output to the host serial port. */
#include <stdarg.h>

#include "arch/x86_64/serial.h"
#include "hv/log.h"
#include "lib/printf.h"

void console_write(const char *s, unsigned long n)
{
	serial_write(s, n);
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
