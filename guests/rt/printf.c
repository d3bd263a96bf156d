// SPDX-License-Identifier: MIT
/*
 * printf to COM1. The formatter is braid's own (lib/printf.c, built into
 * the guest runtime unchanged): one implementation for the hypervisor and
 * its guests, each with its own sink.
 */
#include "lib/printf.h"
#include "printf.h"
#include "serial.h"

static void put_serial(void *ctx, char c)
{
	(void)ctx;
	serial_putc(c);
}

int vprintf(const char *fmt, va_list ap)
{
	return vcbprintf(put_serial, NULL, fmt, ap);
}

int printf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vprintf(fmt, ap);
	va_end(ap);
	return n;
}
