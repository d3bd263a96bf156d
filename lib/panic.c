// SPDX-License-Identifier: MIT
#include <stdarg.h>

#include "lib/log.h"
#include "lib/panic.h"
#include "lib/printf.h"

static panic_handler_fn *handler;

void panic_set_handler(panic_handler_fn *fn)
{
	handler = fn;
}

void panic(const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (handler)
		handler(buf);
	kprintf("braid: PANIC: %s\n", buf);
	for (;;)
		;
}
