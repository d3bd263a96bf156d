// SPDX-License-Identifier: MIT
/*
 * A small printf for freestanding code, shared by braid and the guest
 * runtime (guests/rt/printf.c): %d %i %u %x %X %p %s %c %%, the l/ll/z
 * length modifiers, the '-', '0' and '#' flags, a field width, and a
 * precision for %s (%.Ns, %.*s). One formatter feeds a sink function;
 * vsnprintf's sink is a buffer, and it always NUL-terminates and returns
 * the length the full output would have had (C99 semantics).
 */
#include "lib/printf.h"
#include "lib/string.h"
#include "lib/types.h"

struct spec {
	bool left; /* '-': pad on the right */
	bool alt;  /* '#': 0x/0X before a non-zero hexadecimal number */
	char pad;  /* ' ' or '0' */
	int width;
	int prec; /* %s only; -1: none */
	int lng;  /* number of 'l' (or 'z') modifiers */
};

struct out {
	printf_put_fn *put;
	void *ctx;
	size_t len; /* characters produced */
};

static void put(struct out *o, char c)
{
	o->put(o->ctx, c);
	o->len++;
}

static void put_padded(struct out *o, const struct spec *sp, const char *s,
		       size_t n)
{
	int fill = sp->width > (int)n ? sp->width - (int)n : 0;

	if (!sp->left)
		while (fill-- > 0)
			put(o, sp->pad);
	while (n--)
		put(o, *s++);
	if (sp->left)
		while (fill-- > 0)
			put(o, ' ');
}

/* The sign or 0x prefix goes before zero padding, or is glued to the
 * digits when padding with spaces (C11 7.21.6.1). */
static void put_number(struct out *o, struct spec *sp, u64 v, unsigned base,
		       bool upper, const char *prefix)
{
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	int plen = (int)strlen(prefix);
	char tmp[24];
	int i = sizeof(tmp);

	do {
		tmp[--i] = digits[v % base];
		v /= base;
	} while (v);
	if (sp->pad == '0' && !sp->left) {
		while (*prefix)
			put(o, *prefix++);
		sp->width -= plen;
	} else {
		while (plen--)
			tmp[--i] = prefix[plen];
	}
	put_padded(o, sp, tmp + i, sizeof(tmp) - i);
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

static const char *parse_spec(const char *f, struct spec *sp, va_list *ap)
{
	*sp = (struct spec){ .pad = ' ', .prec = -1 };
	for (;; f++) {
		if (*f == '-')
			sp->left = true;
		else if (*f == '0')
			sp->pad = '0';
		else if (*f == '#')
			sp->alt = true;
		else
			break;
	}
	for (; *f >= '0' && *f <= '9'; f++)
		sp->width = sp->width * 10 + (*f - '0');
	if (*f == '.' && f[1] == '*') {
		sp->prec = va_arg(*ap, int);
		f += 2;
	} else if (*f == '.') {
		for (sp->prec = 0, f++; *f >= '0' && *f <= '9'; f++)
			sp->prec = sp->prec * 10 + (*f - '0');
	}
	for (; *f == 'l' || *f == 'z'; f++)
		sp->lng++;
	return f;
}

static void convert(struct out *o, char conv, struct spec *sp, va_list *ap)
{
	const char *s;
	bool neg;
	u64 v;
	char c;

	switch (conv) {
	case 'd':
	case 'i':
		v = fetch_arg(ap, sp->lng, true, &neg);
		put_number(o, sp, v, 10, false, neg ? "-" : "");
		break;
	case 'u':
		v = fetch_arg(ap, sp->lng, false, &neg);
		put_number(o, sp, v, 10, false, "");
		break;
	case 'x':
	case 'X':
		v = fetch_arg(ap, sp->lng, false, &neg);
		put_number(o, sp, v, 16, conv == 'X',
			   !sp->alt || !v ? ""
			   : conv == 'X'  ? "0X"
					  : "0x");
		break;
	case 'p':
		v = (u64)(uintptr_t)va_arg(*ap, void *);
		put_number(o, sp, v, 16, false, "0x");
		break;
	case 's':
		s = va_arg(*ap, const char *);
		if (!s)
			s = "(null)";
		sp->pad = ' ';
		put_padded(o, sp, s,
			   sp->prec >= 0 ? strnlen(s, sp->prec) : strlen(s));
		break;
	case 'c':
		c = (char)va_arg(*ap, int);
		sp->pad = ' ';
		put_padded(o, sp, &c, 1);
		break;
	case '%': put(o, '%'); break;
	default: put(o, '%'); put(o, conv);
	}
}

int vcbprintf(printf_put_fn *fn, void *ctx, const char *fmt, va_list ap)
{
	struct out o = { fn, ctx, 0 };
	struct spec sp;
	va_list args;

	va_copy(args, ap);
	while (*fmt) {
		if (*fmt != '%') {
			put(&o, *fmt++);
			continue;
		}
		fmt = parse_spec(fmt + 1, &sp, &args);
		if (!*fmt)
			break;
		convert(&o, *fmt++, &sp, &args);
	}
	va_end(args);
	return (int)o.len;
}

struct buf {
	char *p;
	size_t size, len;
};

static void put_buf(void *ctx, char c)
{
	struct buf *b = ctx;

	if (b->len + 1 < b->size)
		b->p[b->len] = c;
	b->len++;
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct buf b = { buf, size, 0 };
	int n = vcbprintf(put_buf, &b, fmt, ap);

	if (size)
		buf[b.len < size ? b.len : size - 1] = '\0';
	return n;
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
