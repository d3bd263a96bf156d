/* SPDX-License-Identifier: MIT */
/* A small printf: %d %i %u %x %X %p %s %c %%, with l/ll/z, width, the
 * flags 0, - and #, and %.Ns / %.*s. */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
/* The formatter itself: each character goes to @fn(@ctx, c). Returns the
 * number of characters (the guest runtime's printf sends them to COM1). */
typedef void printf_put_fn(void *ctx, char c);
int vcbprintf(printf_put_fn *fn, void *ctx, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
