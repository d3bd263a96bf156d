// SPDX-License-Identifier: MIT
/* The console= option's value (hv/console_option.h). */
#include "arch/x86_64/ns16550.h"
#include "hv/console_option.h"
#include "lib/string.h"

/* A field of the value: up to the next ',' or the end. */
struct field {
	const char *s;
	size_t n;
};

static bool next_field(const char **p, const char *end, struct field *f)
{
	const char *c;

	if (*p > end)
		return false;
	c = memchr(*p, ',', end - *p);
	f->s = *p;
	f->n = c ? (size_t)(c - *p) : (size_t)(end - *p);
	*p = c ? c + 1 : end + 1;
	return true;
}

static bool field_is(const struct field *f, const char *s)
{
	return strlen(s) == f->n && !memcmp(f->s, s, f->n);
}

/* A decimal number, or a hexadecimal one after "0x"; at most @max. */
static int number(const char *s, size_t n, u64 max, u64 *out)
{
	unsigned base = 10;
	u64 v = 0;

	if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		n -= 2;
	}
	if (!n)
		return -EINVAL;
	for (; n; n--, s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && (*s | 0x20) >= 'a' && (*s | 0x20) <= 'f')
			d = (*s | 0x20) - 'a' + 10;
		else
			return -EINVAL;
		if (v > (max - d) / base)
			return -EINVAL;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* ",BAUD" or ",keep": a rate from 300 up that the PC's clock divides into
 * exactly (so "mmio:ADDR,2" is no width and no speed either). */
static int set_speed(const struct field *f, struct uart_port *p)
{
	u64 baud;

	if (field_is(f, "keep")) {
		p->baud = 0;
		return 0;
	}
	if (number(f->s, f->n, 115200, &baud) || baud < 300 ||
	    (UART_CLOCK_PC / 16) % baud)
		return -EINVAL;
	p->baud = baud;
	return 0;
}

/* "comN", "io:PORT" or "mmio:ADDR": the port's kind and base. */
static int set_base(const struct field *f, struct uart_port *p)
{
	static const u16 com[] = { COM1_BASE, COM2_BASE, COM3_BASE, COM4_BASE };
	u64 v;

	if (f->n == 4 && !memcmp(f->s, "com", 3) && f->s[3] >= '1' &&
	    f->s[3] <= '4') {
		p->base = com[f->s[3] - '1'];
		return 0;
	}
	if (f->n > 3 && !memcmp(f->s, "io:", 3))
		return number(f->s + 3, f->n - 3, 0xffff - UART_SCR, &p->base);
	if (f->n > 5 && !memcmp(f->s, "mmio:", 5) &&
	    !number(f->s + 5, f->n - 5, ~0ull - 64, &v) && v) {
		p->space = UART_SPACE_MMIO;
		p->base = v;
		return 0;
	}
	return -EINVAL;
}

int parse_console_option(const char *v, size_t n, struct console_option *o)
{
	struct uart_port p = { .space = UART_SPACE_IO,
			       .width = 1,
			       .baud = 115200 };
	const char *s = v, *end = v + n;
	struct field f;

	if (n == 4 && !memcmp(v, "none", 4)) {
		*o = (struct console_option){ .source = CONSOLE_NONE };
		return 0;
	}
	if (!next_field(&s, end, &f) || set_base(&f, &p))
		return -EINVAL;
	/* mmio: an optional register width first */
	if (p.space == UART_SPACE_MMIO && next_field(&s, end, &f)) {
		if (field_is(&f, "1") || field_is(&f, "4"))
			p.width = f.s[0] - '0';
		else
			s = f.s; /* not a width: read it again as a speed */
	}
	if (next_field(&s, end, &f) && set_speed(&f, &p))
		return -EINVAL;
	if (s <= end) /* anything more */
		return -EINVAL;
	*o = (struct console_option){ .source = CONSOLE_GIVEN, .port = p };
	return 0;
}
