/* SPDX-License-Identifier: MIT */
/*
 * printf to COM1. Conversions: %d %i %u %x %X %p %s %c %%, with the 'l',
 * 'll' and 'z' length modifiers, the '0', '-' and '#' flags and a field
 * width.
 */
#ifndef GUEST_PRINTF_H
#define GUEST_PRINTF_H

#include "types.h"

int printf(const char *fmt, ...) __printf(1, 2);
int vprintf(const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

#endif
