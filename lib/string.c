// SPDX-License-Identifier: MIT
/* Freestanding string functions. GCC may emit calls to memset/memcpy/
 * memmove/memcmp itself, so these must exist even where no code calls them. */
#include "lib/string.h"

/* Word-at-a-time where both ends allow it: frames are zeroed and copied
 * on braid's hot paths (a byte loop costs four instructions a byte). */
typedef unsigned long __attribute__((may_alias)) word_t;

#define WORD sizeof(word_t)
#define ALIGNED(p, q) \
	((((unsigned long)(p) | (unsigned long)(q)) & (WORD - 1)) == 0)

void *memset(void *s, int c, size_t n)
{
	unsigned char *p = s;

	if (ALIGNED(p, 0) && n >= WORD) {
		word_t w = (unsigned char)c * (~0ul / 0xff);

		for (; n >= WORD; n -= WORD, p += WORD)
			*(word_t *)p = w;
	}
	while (n--)
		*p++ = (unsigned char)c;
	return s;
}

void *memcpy(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (ALIGNED(d, s))
		for (; n >= WORD; n -= WORD, d += WORD, s += WORD)
			*(word_t *)d = *(const word_t *)s;
	while (n--)
		*d++ = *s++;
	return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	if (d < s)
		return memcpy(dst, src, n);
	while (n--)
		d[n] = s[n];
	return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (; *s; s++)
		if (*s == (char)c)
			return (char *)s;
	return c ? NULL : (char *)s;
}

void *memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (; n; n--, p++)
		if (*p == (unsigned char)c)
			return (void *)p;
	return NULL;
}

char *strstr(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncmp(hay, needle, n))
			return (char *)hay;
	return n ? NULL : (char *)hay;
}
