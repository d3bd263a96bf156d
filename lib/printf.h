/* SPDX-License-Identifier: MIT */
/* A small printf: %d %i %u %x %X %p %s %c %%, with l/ll/z, width, 0, -
 * and %.Ns / %.*s. */
#ifndef LIB_PRINTF_H
#define LIB_PRINTF_H

#include <stdarg.h>
#include <stddef.h>

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
