// SPDX-License-Identifier: MIT
/* lib/printf.c, compiled with -Dvsnprintf=braid_vsnprintf
 * -Dsnprintf=braid_snprintf, compared against the C library's. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "lib/types.h"
#include "tests/unit/unit.h"

int braid_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int braid_snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Format with both; the output and the return value must agree. */
#define SAME(...)                                                          \
	do {                                                               \
		char want_[256], got_[256];                                \
		int wn_ = snprintf(want_, sizeof(want_), __VA_ARGS__);     \
		int gn_ = braid_snprintf(got_, sizeof(got_), __VA_ARGS__); \
		assert_string_equal(got_, want_);                          \
		assert_int_equal(gn_, wn_);                                \
	} while (0)

/* braid's output into a buffer of @size must be exactly @want and it must
 * return @ret (for what libc does differently, or where a truncation
 * warning would fire on the libc call). */
#define ISN(want, ret, size, ...)                              \
	do {                                                   \
		char got_[256];                                \
		int gn_;                                       \
		memset(got_, '#', sizeof(got_));               \
		gn_ = braid_snprintf(got_, size, __VA_ARGS__); \
		assert_string_equal(got_, want);               \
		assert_int_equal(gn_, ret);                    \
	} while (0)
#define IS(want, size, ...) ISN(want, (int)strlen(want), size, __VA_ARGS__)

static void test_plain_text(void **state)
{
	(void)state;
	SAME("%s", "");
	SAME("hello, world");
	SAME("tab\tnewline\n");
}

static void test_signed(void **state)
{
	(void)state;
	SAME("%d", 0);
	SAME("%d", 42);
	SAME("%d", -42);
	SAME("%i", 123456);
	SAME("%d", INT_MAX);
	SAME("%d", INT_MIN);
	SAME("%ld", LONG_MAX);
	SAME("%ld", LONG_MIN);
	SAME("%lld", LLONG_MAX);
	SAME("%lld", LLONG_MIN);
	SAME("%lld", -1ll);
	SAME("%li", -9876543210l);
	SAME("%zd", (ssize_t)-5);
	SAME("[%d|%d|%d]", 1, -2, 3);
}

static void test_unsigned_and_hex(void **state)
{
	(void)state;
	SAME("%u", 0u);
	SAME("%u", UINT_MAX);
	SAME("%lu", ULONG_MAX);
	SAME("%llu", ULLONG_MAX);
	SAME("%zu", (size_t)123456789);
	SAME("%x", 0u);
	SAME("%x", 0xdeadbeefu);
	SAME("%X", 0xdeadbeefu);
	SAME("%x", UINT_MAX);
	SAME("%lx", 0xfedcba9876543210ul);
	SAME("%llx", 0x123456789abcdefull);
	SAME("%llX", 0xabcdef0123456789ull);
	SAME("%zx", (size_t)0xffff);
	/* An int argument with the high bit set stays 32-bit for %x/%u. */
	SAME("%x", (unsigned)-1);
	SAME("%u", (unsigned)-2);
}

static void test_width_and_flags(void **state)
{
	(void)state;
	SAME("[%5d]", 42);
	SAME("[%-5d]", 42);
	SAME("[%05d]", 42);
	SAME("[%05d]", -42);
	SAME("[%5d]", -42);
	SAME("[%-5d]", -42);
	SAME("[%2d]", 12345);
	SAME("[%02d]", -12345);
	SAME("[%08x]", 0xbeefu);
	SAME("[%-8x]", 0xbeefu);
	SAME("[%8X]", 0xbeefu);
	SAME("[%016llx]", 0x1234ull);
	SAME("[%016lx]", 0xfffffffffffffffful);
	SAME("[%20llu]", 18446744073709551615ull);
	SAME("[%-20lld]", LLONG_MIN);
	SAME("[%030lld]", LLONG_MIN);
	SAME("[%3u]", 7u);
	SAME("[%0u]", 7u);
	SAME("[%1d]", 0);
	SAME("[%05zu]", (size_t)3);
	SAME("[%40d]", 1);
	SAME("[%#x]", 0xbeefu);
	SAME("[%#X]", 0xbeefu);
	SAME("[%#x]", 0u);
	SAME("[%#010x]", 0xbeefu);
	SAME("[%#-10lx]", 0xbeeful);
	SAME("[%#10lx]", 0xbeeful);
	SAME("[%#lx]", 0xfffffffffffffffful);
}

static void test_strings(void **state)
{
	(void)state;
	SAME("%s", "abc");
	SAME("[%8s]", "abc");
	SAME("[%-8s]", "abc");
	SAME("[%2s]", "abcdef");
	SAME("[%.3s]", "abcdef");
	SAME("[%.0s]", "abcdef");
	SAME("[%.10s]", "abc");
	SAME("[%6.2s]", "abcdef");
	SAME("[%-6.2s]", "abcdef");
	SAME("[%.*s]", 4, "abcdefgh");
	SAME("[%.*s]", 0, "abcdefgh");
	SAME("[%.*s]", -1, "abcdefgh"); /* negative: as if no precision */
	SAME("[%.*s|%d]", 2, "xyz", 7);
	SAME("%s%s%s", "a", "", "c");
}

static void test_null_string(void **state)
{
	const char *volatile nul = NULL; /* hidden from -Wformat */
	(void)state;
	IS("[(null)]", 256, "[%s]", nul);
	IS("[  (null)]", 256, "[%8s]", nul);
}

static void test_precision_does_not_read_past(void **state)
{
	/* %.Ns on an unterminated array must stop after N characters. */
	char raw[4] = { 'w', 'x', 'y', 'z' };
	(void)state;
	IS("[wxy]", 256, "[%.3s]", raw);
	IS("[wxyz]", 256, "[%.*s]", 4, raw);
}

static void test_chars(void **state)
{
	(void)state;
	SAME("%c", 'a');
	SAME("[%3c]", 'b');
	SAME("[%-3c]", 'c');
	SAME("%c%c%c", 'x', 'y', 'z');
	SAME("[%c]", 0xff);
}

static void test_percent(void **state)
{
	(void)state;
	SAME("100%%");
	SAME("%%d");
	SAME("%d%%", 50);
	SAME("[%%|%s|%%]", "x");
}

static void test_pointer(void **state)
{
	(void)state;
	SAME("%p", (void *)0x1234);
	SAME("%p", (void *)0xffff800000001000ull);
	SAME("[%p|%d]", (void *)0xabc, 5);
	SAME("[%12p]", (void *)0x1234);
	SAME("[%-12p]", (void *)0x1234);
	/* braid prints NULL as a number (glibc prints "(nil)"). */
	IS("0x0", 256, "%p", (void *)0);
}

static void test_mixed(void **state)
{
	(void)state;
	SAME("braid: guest %s: exit %u after %llu exits at %x", "hello", 3u,
	     123456789ull, 0x10u);
	SAME("%s=%08llx %s=%-6d|%5s|%c", "rip", 0xfff0ull, "n", -3, "ok", '!');
}

static void test_truncation(void **state)
{
	char buf[16];
	int n;
	(void)state;
	/* Always NUL-terminated; the return value is the full length. */
	ISN("hell", 11, 5, "hello world");
	ISN("", 11, 1, "hello world");
	ISN("12345", 7, 6, "%d", 1234567);
	ISN("-00", 5, 4, "%05d", -42);
	ISN("[  ", 7, 4, "[%5s]", "ab");
	ISN("ab", 6, 3, "%s%s", "a", "bcdef");
	ISN("0x", 6, 3, "%p", (void *)0x1234);
	/* Exactly fits, and one too small. */
	ISN("abcd", 4, 5, "abcd");
	ISN("abc", 4, 4, "abcd");
	/* Return value for output longer than the buffer. */
	memset(buf, '#', sizeof(buf));
	n = braid_snprintf(buf, 8, "%s-%d", "truncated", 123456);
	assert_int_equal(n, 16);
	assert_string_equal(buf, "truncat");
	/* Nothing beyond @size is touched. */
	assert_int_equal(buf[8], '#');
	assert_int_equal(buf[15], '#');
}

static void test_size_zero(void **state)
{
	char buf[4] = { 'k', 'e', 'e', 'p' };
	(void)state;
	assert_int_equal(braid_snprintf(buf, 0, "%s %d", "abc", 12345), 9);
	assert_memory_equal(buf, "keep", 4);
	/* NULL buffer with size 0 is the classic "how long?" call. */
	assert_int_equal(braid_snprintf(NULL, 0, "%08x", 1u), 8);
}

static void test_trailing_percent(void **state)
{
	char buf[16];
	const char *fmt = "abc%";
	(void)state;
	/* A lone '%' at the end must not run past the terminator. */
	memset(buf, '#', sizeof(buf));
	assert_int_equal(braid_snprintf(buf, sizeof(buf), fmt, 0), 3);
	assert_string_equal(buf, "abc");
}

static int via_v(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int via_v(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = braid_vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

static void test_vsnprintf(void **state)
{
	char buf[64];
	(void)state;
	assert_int_equal(
		via_v(buf, sizeof(buf), "%s:%d:%llx", "f", -1, 0xabcull), 8);
	assert_string_equal(buf, "f:-1:abc");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_plain_text),
		T(test_signed),
		T(test_unsigned_and_hex),
		T(test_width_and_flags),
		T(test_strings),
		T(test_null_string),
		T(test_precision_does_not_read_past),
		T(test_chars),
		T(test_percent),
		T(test_pointer),
		T(test_mixed),
		T(test_truncation),
		T(test_size_zero),
		T(test_trailing_percent),
		T(test_vsnprintf),
	};

	return cmocka_run_group_tests_name("printf", tests, NULL, NULL);
}
