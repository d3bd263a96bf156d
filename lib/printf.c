// SPDX-License-Identifier: MIT
/* vsnprintf for a freestanding kernel (precision only for %s): always NUL-terminates, returns the
 * length the full output would have had (C99 semantics). */
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/types.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_padded(struct out *o, const char *s, size_t n, int width,
		       bool left, char pad)
{
	int fill = width > (int)n ? width - (int)n : 0;

	if (!left)
		while (fill-- > 0)
			put(o, pad);
	while (n--)
		put(o, *s++);
	if (left)
		while (fill-- > 0)
			put(o, ' ');
}

static void put_number(struct out *o, u64 v, bool neg, unsigned base,
		       bool upper, int width, bool left, char pad)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (neg) {
		if (pad == '0' && width > 0) {
			put(o, '-');
			width--;
		} else {
			tmp[--i] = '-';
		}
	}
	put_padded(o, tmp + i, sizeof(tmp) - i, width, left, pad);
}

static u64 fetch_arg(va_list *ap, int lng, bool is_signed, bool *neg)
{
	s64 s;

	*neg = false;
	if (!is_signed)
		return lng ? va_arg(*ap, u64) : va_arg(*ap, unsigned int);
	s = lng ? va_arg(*ap, s64) : va_arg(*ap, int);
	if (s < 0) {
		*neg = true;
		return -(u64)s;
	}
	return s;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list args;

	va_copy(args, ap);
	for (; *fmt; fmt++) {
		bool left = false, neg;
		char pad = ' ';
		int width = 0, lng = 0, prec = -1;
		const char *s;
		u64 v;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		fmt++;
		for (; *fmt == '-' || *fmt == '0'; fmt++)
			*fmt == '-' ? (left = true) : (pad = '0');
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		if (*fmt == '.' && fmt[1] == '*') {
			prec = va_arg(args, int);
			fmt += 2;
		} else if (*fmt == '.') {
			for (prec = 0, fmt++; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		}
		for (; *fmt == 'l' || *fmt == 'z'; fmt++)
			lng++;
		switch (*fmt) {
		case 'd':
		case 'i':
			v = fetch_arg(&args, lng, true, &neg);
			put_number(&o, v, neg, 10, false, width, left, pad);
			break;
		case 'u':
		case 'x':
		case 'X':
			v = fetch_arg(&args, lng, false, &neg);
			put_number(&o, v, false, *fmt == 'u' ? 10 : 16,
				   *fmt == 'X', width, left, pad);
			break;
		case 'p':
			put(&o, '0');
			put(&o, 'x');
			v = (u64)(uintptr_t)va_arg(args, void *);
			put_number(&o, v, false, 16, false, width, left, pad);
			break;
		case 's':
			s = va_arg(args, const char *);
			if (!s)
				s = "(null)";
			put_padded(&o, s,
				   prec >= 0 ? strnlen(s, prec) : strlen(s),
				   width, left, ' ');
			break;
		case '%': put(&o, '%'); break;
		case 'c':
			pad = (char)va_arg(args, int);
			put_padded(&o, &pad, 1, width, left, ' ');
			break;
		case '\0': fmt--; break;
		default: put(&o, '%'); put(&o, *fmt);
		}
	}
	va_end(args);
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}
