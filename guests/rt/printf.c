// SPDX-License-Identifier: MIT
/* A small printf: one formatter, two sinks (COM1 and a buffer). */
#include "printf.h"
#include "serial.h"

struct sink {
	char *buf; /* NULL: write to the serial port */
	size_t size;
	size_t len; /* characters produced, even if not stored */
};

struct spec {
	bool left; /* '-' flag */
	bool alt;  /* '#' flag: 0x prefix for %x */
	char pad;  /* ' ' or '0' */
	int width;
	int lng; /* number of 'l' (or 'z') modifiers */
};

static void put(struct sink *s, char c)
{
	if (!s->buf)
		serial_putc(c);
	else if (s->len + 1 < s->size)
		s->buf[s->len] = c;
	s->len++;
}

static void put_padded(struct sink *s, const struct spec *sp, const char *str,
		       int n)
{
	int fill = sp->width > n ? sp->width - n : 0;

	if (!sp->left)
		while (fill-- > 0)
			put(s, sp->pad);
	while (n--)
		put(s, *str++);
	if (sp->left)
		while (fill-- > 0)
			put(s, ' ');
}

/* Sign or 0x prefix: before zero padding, or glued to the digits. */
static void put_number(struct sink *s, struct spec *sp, u64 v,
		       unsigned int base, bool neg, bool upper)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	const char *prefix = neg ? "-" : (sp->alt && base == 16) ? "0x" : "";
	int plen = (int)strlen(prefix);
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->pad == '0' && !sp->left) {
		while (*prefix)
			put(s, *prefix++);
		sp->width -= plen;
	} else {
		while (plen--)
			tmp[--i] = prefix[plen];
	}
	put_padded(s, sp, tmp + i, (int)sizeof(tmp) - i);
}

static const char *parse_spec(const char *f, struct spec *sp)
{
	*sp = (struct spec){ .pad = ' ' };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '#')
			sp->alt = true;
		else if (*f == '0')
			sp->pad = '0';
		else
			break;
	}
	while (*f >= '0' && *f <= '9')
		sp->width = sp->width * 10 + (*f++ - '0');
	while (*f == 'l' || *f == 'z') {
		sp->lng++;
		f++;
	}
	return f;
}

static u64 arg_unsigned(va_list *ap, int lng)
{
	return lng ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
}

static s64 arg_signed(va_list *ap, int lng)
{
	return lng ? va_arg(*ap, long) : va_arg(*ap, int);
}

static void convert(struct sink *s, char conv, struct spec *sp, va_list *ap)
{
	const char *str;
	char c;
	s64 v;

	switch (conv) {
	case 'd':
	case 'i':
		v = arg_signed(ap, sp->lng);
		put_number(s, sp, v < 0 ? -(u64)v : (u64)v, 10, v < 0, false);
		break;
	case 'u':
		put_number(s, sp, arg_unsigned(ap, sp->lng), 10, false, false);
		break;
	case 'x':
	case 'X':
		put_number(s, sp, arg_unsigned(ap, sp->lng), 16, false,
			   conv == 'X');
		break;
	case 'p':
		sp->alt = true;
		put_number(s, sp, (u64)va_arg(*ap, void *), 16, false, false);
		break;
	case 's':
		str = va_arg(*ap, const char *);
		if (!str)
			str = "(null)";
		put_padded(s, sp, str, (int)strlen(str));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		put_padded(s, sp, &c, 1);
		break;
	default: /* '%%' and anything unknown print literally */
		put(s, conv);
		break;
	}
}

static void format(struct sink *s, const char *fmt, va_list ap)
{
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(s, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp);
		if (!*fmt)
			break;
		convert(s, *fmt++, &sp, &args);
	}
	va_end(args);
}

int vprintf(const char *fmt, va_list ap)
{
	struct sink s = { 0 };

	format(&s, fmt, ap);
	return (int)s.len;
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

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct sink s = { .buf = buf, .size = size };

	format(&s, fmt, ap);
	if (size)
		buf[s.len < size ? s.len : size - 1] = '\0';
	return (int)s.len;
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
