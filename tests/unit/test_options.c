// SPDX-License-Identifier: MIT
/* hv/options.c: braid's and the guests' command lines. */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "hv/options.h"
#include "hv/sched.h"
#include "tests/unit/unit.h"

/* --- kprintf stub: everything printed is appended to log_buf ---------- */

static char log_buf[4096];
static size_t log_len;

void kprintf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(log_buf + log_len, sizeof(log_buf) - log_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		log_len = MIN(log_len + (size_t)n, sizeof(log_buf) - 1);
}

void console_write(const char *s, unsigned long n)
{
	(void)s;
	(void)n;
	fail_msg("console_write called");
}

static int setup(void **state)
{
	(void)state;
	log_buf[0] = '\0';
	log_len = 0;
	return 0;
}

/* --- parse_size --------------------------------------------------------- */

static u64 size_ok(const char *s)
{
	u64 v = 0xdeadbeef;

	assert_int_equal(parse_size(s, strlen(s), &v), 0);
	return v;
}

static void size_bad(const char *s, int err)
{
	u64 v = 0xdeadbeef;

	assert_int_equal(parse_size(s, strlen(s), &v), err);
	assert_int_equal(v, 0xdeadbeef); /* untouched on error */
}

static void test_parse_size_values(void **state)
{
	(void)state;
	assert_int_equal(size_ok("0"), 0);
	assert_int_equal(size_ok("1"), 1);
	assert_int_equal(size_ok("4096"), 4096);
	assert_int_equal(size_ok("007"), 7);
	assert_int_equal(size_ok("4K"), 4096);
	assert_int_equal(size_ok("4k"), 4096);
	assert_int_equal(size_ok("64M"), MiB(64));
	assert_int_equal(size_ok("64m"), MiB(64));
	assert_int_equal(size_ok("2G"), GiB(2));
	assert_int_equal(size_ok("3g"), GiB(3));
	assert_int_equal(size_ok("0M"), 0);
	assert_int_equal(size_ok("18446744073709551609"),
			 18446744073709551609ull);
	assert_int_equal(size_ok("17179869183G"), 17179869183ull << 30);
	assert_int_equal(size_ok("18014398509481983K"),
			 18014398509481983ull << 10);
}

static void test_parse_size_length_bounded(void **state)
{
	u64 v = 0;
	(void)state;
	/* Only the first n characters count. */
	assert_int_equal(parse_size("64Mjunk", 3, &v), 0);
	assert_int_equal(v, MiB(64));
	assert_int_equal(parse_size("128", 2, &v), 0);
	assert_int_equal(v, 12);
	assert_int_equal(parse_size("8", 0, &v), -EINVAL);
}

static void test_parse_size_garbage(void **state)
{
	(void)state;
	size_bad("", -EINVAL);
	size_bad("M", -EINVAL);
	size_bad("K4", -EINVAL);
	size_bad("-1", -EINVAL);
	size_bad("+1", -EINVAL);
	size_bad(" 1", -EINVAL);
	size_bad("1 ", -EINVAL);
	size_bad("0x10", -EINVAL);
	size_bad("12KB", -EINVAL);
	size_bad("12MiB", -EINVAL);
	size_bad("1T", -EINVAL);
	size_bad("1b", -EINVAL);
	size_bad("1.5G", -EINVAL);
	size_bad("64MM", -EINVAL);
}

static void test_parse_size_overflow(void **state)
{
	(void)state;
	size_bad("18446744073709551616", -ERANGE); /* 2^64 */
	size_bad("99999999999999999999", -ERANGE);
	size_bad("123456789012345678901234567890", -ERANGE);
	size_bad("17179869184G", -ERANGE);	 /* 2^34 G = 2^64 */
	size_bad("17592186044416M", -ERANGE);	 /* 2^44 M = 2^64 */
	size_bad("18014398509481984K", -ERANGE); /* 2^54 K = 2^64 */
	size_bad("99999999999999999G", -ERANGE);
}

/* --- parse_guest_options ------------------------------------------------- */

static struct guest_config cfg;
static char err[256];

static int guest(const char *line, unsigned index)
{
	memset(&cfg, 0x5a, sizeof(cfg));
	strcpy(err, "(untouched)");
	return parse_guest_options(line, index, &cfg, err, sizeof(err));
}

static void guest_ok(const char *line, unsigned index)
{
	int rc = guest(line, index);

	if (rc)
		fail_msg("\"%s\": %d (%s)", line, rc, err);
	assert_string_equal(err, "(untouched)");
}

static void guest_bad(const char *line, const char *msg)
{
	assert_int_equal(guest(line, 0), -EINVAL);
	assert_string_equal(err, msg);
}

static void test_guest_defaults(void **state)
{
	(void)state;
	guest_ok("", 0);
	assert_string_equal(cfg.name, "guest0");
	assert_int_equal(cfg.mem, MiB(32));
	assert_int_equal(cfg.paging, PAGING_NESTED);
	assert_string_equal(cfg.cmdline, "");
	guest_ok("   ", 17);
	assert_string_equal(cfg.name, "guest17");
	assert_string_equal(cfg.cmdline, "");
	guest_ok("paging=shadow", 4294967295u);
	assert_string_equal(cfg.name, "guest4294967295");
	assert_int_equal(cfg.mem, MiB(32));
	/* The table pool: 2% of the guest's pages in whole 512s, at least
	 * 512, at most 65536; an explicit shadow_pool= wins wherever it
	 * stands. */
	assert_int_equal(cfg.shadow_pool, 512);
	guest_ok("mem=1G", 0); /* 262144 / 50 = 5242 -> 11 x 512 */
	assert_int_equal(cfg.shadow_pool, 5632);
	guest_ok("shadow_pool=64 mem=1G", 0);
	assert_int_equal(cfg.shadow_pool, 64);
	guest_ok("mem=64G", 0);
	assert_int_equal(cfg.shadow_pool, 65536);
}

/* The compound policy's times are microseconds of guest running time. */
static void test_guest_cp_times(void **state)
{
	(void)state;
	guest_ok("paging=compound", 0);
	assert_int_equal(cfg.knobs.window, CP_WINDOW_DEFAULT);
	assert_int_equal(cfg.knobs.quiet, CP_QUIET_DEFAULT);
	guest_ok("cp_window=5000 cp_quiet=2000000", 0);
	assert_int_equal(cfg.knobs.window, 5000);
	assert_int_equal(cfg.knobs.quiet, 2000000);
	guest_bad("cp_window=0",
		  "bad value in \"cp_window=0\": expected microseconds of "
		  "the guest's running time, at least 1");
}

/* timeout=: seconds, 1 to 1000000; none by default. */
static void test_guest_timeout(void **state)
{
	(void)state;
	guest_ok("name=a", 0);
	assert_int_equal(cfg.timeout, 0);
	guest_ok("timeout=30", 0);
	assert_int_equal(cfg.timeout, 30);
	guest_bad("timeout=0", "bad value in \"timeout=0\": expected a "
			       "number of seconds from 1 to 1000000");
	guest_bad("timeout=1m", "bad value in \"timeout=1m\": expected a "
				"number of seconds from 1 to 1000000");
}

/* time=: seconds of CPU time, 0 (none) to 1000000; unset by default (the
 * loader picks a default by kind of kernel, hv/main.c). */
static void test_guest_time(void **state)
{
	(void)state;
	guest_ok("name=a", 0);
	assert_false(cfg.cpu_time_set);
	guest_ok("time=0", 0);
	assert_true(cfg.cpu_time_set);
	assert_int_equal(cfg.cpu_time, 0);
	guest_ok("time=30", 0);
	assert_int_equal(cfg.cpu_time, 30);
	guest_bad("time=1000001", "bad value in \"time=1000001\": expected a "
				  "number of seconds from 0 (no limit) to "
				  "1000000");
	guest_bad("time=1h", "bad value in \"time=1h\": expected a number of "
			     "seconds from 0 (no limit) to 1000000");
}

/* on_reset=: a guest that resets its machine stops (default) or starts
 * again. */
static void test_guest_on_reset(void **state)
{
	(void)state;
	guest_ok("name=a", 0);
	assert_false(cfg.restart_on_reset);
	guest_ok("on_reset=restart", 0);
	assert_true(cfg.restart_on_reset);
	guest_ok("on_reset=stop", 0);
	assert_false(cfg.restart_on_reset);
	guest_bad("on_reset=reboot", "bad value in \"on_reset=reboot\": "
				     "expected stop or restart");
	/* unbacked=: guest-physical space with nothing there floats (reads
	 * all ones) unless stop. */
	assert_false(cfg.stop_unbacked);
	guest_ok("unbacked=stop", 0);
	assert_true(cfg.stop_unbacked);
	guest_ok("unbacked=float", 0);
	assert_false(cfg.stop_unbacked);
	guest_bad("unbacked=zero", "bad value in \"unbacked=zero\": "
				   "expected float or stop");
}

/* cp_twin=: compound address spaces run on a host-physical twin while
 * they have no nested entry, unless off. */
static void test_guest_cp_twin(void **state)
{
	(void)state;
	guest_ok("paging=compound", 0);
	assert_false(cfg.knobs.no_twin);
	guest_ok("paging=compound cp_twin=off", 0);
	assert_true(cfg.knobs.no_twin);
	guest_ok("cp_twin=off cp_twin=on", 0);
	assert_false(cfg.knobs.no_twin);
	guest_bad("cp_twin=1",
		  "bad value in \"cp_twin=1\": expected on or off");
}

/* large=: 2 MiB leaves in shadow and compound trees, on unless off. */
static void test_guest_large(void **state)
{
	(void)state;
	guest_ok("paging=shadow", 0);
	assert_false(cfg.no_large);
	guest_ok("paging=shadow large=off", 0);
	assert_true(cfg.no_large);
	guest_ok("large=off large=on", 0);
	assert_false(cfg.no_large);
	guest_bad("large=yes",
		  "bad value in \"large=yes\": expected on or off");
	guest_bad("large", "bad value in \"large\": expected on or off");
}

static void test_guest_all_options(void **state)
{
	(void)state;
	guest_ok("name=hello mem=64M paging=shadow", 1);
	assert_string_equal(cfg.name, "hello");
	assert_int_equal(cfg.mem, MiB(64));
	assert_int_equal(cfg.paging, PAGING_SHADOW);
	/* Without "--", the whole line is the guest's command line (a
	 * multiboot kernel's; a Linux kernel gets none). */
	assert_string_equal(cfg.cmdline, "name=hello mem=64M paging=shadow");
	assert_false(cfg.dashdash);
	guest_ok("\tpaging=compound\t name=x.y-z_9  mem=1G  ", 2);
	assert_string_equal(cfg.name, "x.y-z_9");
	assert_int_equal(cfg.mem, GiB(1));
	assert_int_equal(cfg.paging, PAGING_COMPOUND);
	guest_ok("paging=nested", 2);
	assert_int_equal(cfg.paging, PAGING_NESTED);
}

static void test_guest_later_option_wins(void **state)
{
	(void)state;
	guest_ok("mem=4M name=a mem=8M name=b paging=shadow paging=nested", 0);
	assert_int_equal(cfg.mem, MiB(8));
	assert_string_equal(cfg.name, "b");
	assert_int_equal(cfg.paging, PAGING_NESTED);
}

static void test_guest_double_dash(void **state)
{
	(void)state;
	guest_ok("name=a mem=8M -- console=ttyS0 foo=bar --", 0);
	assert_string_equal(cfg.name, "a");
	assert_int_equal(cfg.mem, MiB(8));
	/* After "--" nothing is parsed as an option. */
	assert_string_equal(cfg.cmdline, "console=ttyS0 foo=bar --");
	assert_true(cfg.dashdash);
	guest_ok("--", 0);
	assert_string_equal(cfg.cmdline, "");
	assert_true(cfg.dashdash);
	guest_ok("--    spaced   args  ", 0);
	assert_string_equal(cfg.cmdline, "spaced   args  ");
	guest_ok("-- name=notme mem=garbage", 5);
	assert_string_equal(cfg.name, "guest5");
	assert_int_equal(cfg.mem, MiB(32));
	assert_string_equal(cfg.cmdline, "name=notme mem=garbage");
	/* "--x" is not "--". */
	guest_ok("--x", 0);
	assert_string_equal(cfg.cmdline, "--x");
	assert_false(cfg.dashdash);
}

static void test_guest_plain_words_ignored(void **state)
{
	(void)state;
	guest_ok("quiet name=q verbose", 0);
	assert_string_equal(cfg.name, "q");
	assert_string_equal(cfg.cmdline, "quiet name=q verbose");
}

static void test_guest_long_cmdline_truncated(void **state)
{
	static char line[3 + GUEST_CMDLINE_MAX + 1];
	(void)state;
	/* The longest command line that fits... */
	memcpy(line, "-- ", 3);
	memset(line + 3, 'c', GUEST_CMDLINE_MAX - 1);
	guest_ok(line, 0);
	assert_int_equal(strlen(cfg.cmdline), GUEST_CMDLINE_MAX - 1);
	/* ...and one byte more is an error, not a shorter line. */
	line[3 + GUEST_CMDLINE_MAX - 1] = 'c';
	assert_int_equal(guest(line, 0), -E2BIG);
	assert_string_equal(err, "guest command line is longer than 4096 "
				 "bytes");
	memset(line, 'c', GUEST_CMDLINE_MAX);
	assert_int_equal(guest(line, 0), -E2BIG);
}

static void test_guest_mem_range_and_rounding(void **state)
{
	(void)state;
	guest_ok("mem=2M", 0);
	assert_int_equal(cfg.mem, MiB(2));
	guest_ok("mem=3M", 0);
	assert_int_equal(cfg.mem, MiB(4));
	guest_ok("mem=2049K", 0);
	assert_int_equal(cfg.mem, MiB(4));
	guest_ok("mem=1025m", 0);
	assert_int_equal(cfg.mem, MiB(1026));
	guest_ok("mem=64G", 0);
	assert_int_equal(cfg.mem, GiB(64));
	guest_ok("mem=2097152", 0);
	assert_int_equal(cfg.mem, MiB(2));
	assert_true(IS_ALIGNED(cfg.mem, GUEST_CHUNK));
}

#define MEM_HINT "expected a size from 2M to 64G, e.g. mem=64M"

static void test_guest_bad_mem(void **state)
{
	(void)state;
	guest_bad("mem=1M", "bad value in \"mem=1M\": " MEM_HINT);
	guest_bad("mem=2097151", "bad value in \"mem=2097151\": " MEM_HINT);
	guest_bad("mem=0", "bad value in \"mem=0\": " MEM_HINT);
	guest_bad("mem=65G", "bad value in \"mem=65G\": " MEM_HINT);
	guest_bad("mem=65537M", "bad value in \"mem=65537M\": " MEM_HINT);
	guest_bad("name=ok mem=lots", "bad value in \"mem=lots\": " MEM_HINT);
	guest_bad("mem=", "bad value in \"mem=\": " MEM_HINT);
	guest_bad("mem", "bad value in \"mem\": " MEM_HINT);
	guest_bad("mem=64MB", "bad value in \"mem=64MB\": " MEM_HINT);
	guest_bad("mem=99999999999999999999G",
		  "bad value in \"mem=99999999999999999999G\": " MEM_HINT);
	guest_bad("mem=4M=5", "bad value in \"mem=4M=5\": " MEM_HINT);
}

#define NAME_HINT \
	"expected a name of letters, digits, '-', '_' or '.' (at most 31)"

static void test_guest_names(void **state)
{
	char line[64];
	(void)state;
	/* 31 characters: the longest name. */
	guest_ok("name=abcdefghijklmnopqrstuvwxyz01234", 0);
	assert_string_equal(cfg.name, "abcdefghijklmnopqrstuvwxyz01234");
	guest_ok("name=A.-_z", 0);
	assert_string_equal(cfg.name, "A.-_z");
	snprintf(line, sizeof(line), "name=%s",
		 "abcdefghijklmnopqrstuvwxyz012345");
	guest_bad(
		line,
		"bad value in \"name=abcdefghijklmnopqrstuvwxyz012345\": " NAME_HINT);
	guest_bad("name=", "bad value in \"name=\": " NAME_HINT);
	guest_bad("name", "bad value in \"name\": " NAME_HINT);
	guest_bad("name=a/b", "bad value in \"name=a/b\": " NAME_HINT);
	guest_bad("name=a:b", "bad value in \"name=a:b\": " NAME_HINT);
	guest_bad("name=x=y", "bad value in \"name=x=y\": " NAME_HINT);
	guest_bad("name=\"q\"", "bad value in \"name=\"q\"\": " NAME_HINT);
	guest_bad("name=caf\xc3\xa9",
		  "bad value in \"name=caf\xc3\xa9\": " NAME_HINT);
}

#define PAGING_HINT "expected nested, shadow or compound"

static void test_guest_bad_paging(void **state)
{
	(void)state;
	guest_bad("paging=Nested",
		  "bad value in \"paging=Nested\": " PAGING_HINT);
	guest_bad("paging=nestedx",
		  "bad value in \"paging=nestedx\": " PAGING_HINT);
	guest_bad("paging=shado",
		  "bad value in \"paging=shado\": " PAGING_HINT);
	guest_bad("paging=", "bad value in \"paging=\": " PAGING_HINT);
	guest_bad("paging", "bad value in \"paging\": " PAGING_HINT);
	guest_bad("mem=8M paging=ept name=x",
		  "bad value in \"paging=ept\": " PAGING_HINT);
}

#define KNOWN \
	"(known: name=, mem=, paging=, shadow_pool=, large=, cp_writes=, cp_window=, cp_quiet=, cp_start=, cp_twin=, console=, time=, timeout=, trace=, dump_lines=, on_reset=, unbacked=, entry_fault=, cpus=, weight=, vcpus=, --)"

static void test_guest_console(void **state)
{
	(void)state;
	guest_ok("name=a", 0);
	assert_false(cfg.raw_console);
	guest_ok("console=raw", 0);
	assert_true(cfg.raw_console);
	guest_ok("console=raw console=lines", 0);
	assert_false(cfg.raw_console);
	assert_int_equal(cfg.dump_lines, CLASSIFY_LINES_DEFAULT);
	guest_ok("dump_lines=0", 0);
	assert_int_equal(cfg.dump_lines, 0);
	assert_int_equal(guest("dump_lines=x", 0), -EINVAL);
	assert_int_equal(guest("console=tty", 0), -EINVAL);
	assert_string_equal(err, "bad value in \"console=tty\": expected "
				 "lines or raw");
}

static void test_guest_unknown_option(void **state)
{
	(void)state;
	guest_bad("foo=bar", "unknown option \"foo=bar\" " KNOWN);
	guest_bad("name=a vcpu=2 mem=8M", "unknown option \"vcpu=2\" " KNOWN);
	guest_bad("names=x", "unknown option \"names=x\" " KNOWN);
	guest_bad("NAME=x", "unknown option \"NAME=x\" " KNOWN);
	guest_bad("=x", "unknown option \"=x\" " KNOWN);
	guest_bad("memory=", "unknown option \"memory=\" " KNOWN);
}

/* entry_fault= breaks a guest on purpose: only a braid built with
 * ENTRY_CHECK=1 (the test image) takes it; this one is built without. */
static void test_guest_entry_fault_needs_check_build(void **state)
{
	(void)state;
	guest_bad("entry_fault=check",
		  "bad value in \"entry_fault=check\": expected check or cpu, "
		  "in a braid built with ENTRY_CHECK=1");
}

static void test_guest_error_message_truncated(void **state)
{
	char small[16];
	(void)state;
	memset(small, 'X', sizeof(small));
	assert_int_equal(
		parse_guest_options("bogus=1", 0, &cfg, small, sizeof(small)),
		-EINVAL);
	assert_string_equal(small, "unknown option ");
}

/* --- parse_braid_options ---------------------------------------------------- */

static struct braid_options bo;

static void braid(const char *line)
{
	bo.exit = (enum exit_action)99;
	parse_braid_options(line, &bo);
}

static void test_braid_exit_values(void **state)
{
	(void)state;
	braid("");
	assert_int_equal(bo.exit, EXIT_ACTION_HALT);
	braid("exit=qemu");
	assert_int_equal(bo.exit, EXIT_ACTION_QEMU);
	braid("exit=bochs");
	assert_int_equal(bo.exit, EXIT_ACTION_BOCHS);
	braid("  exit=reboot  ");
	assert_int_equal(bo.exit, EXIT_ACTION_REBOOT);
	braid("exit=qemu exit=halt");
	assert_int_equal(bo.exit, EXIT_ACTION_HALT);
	/* GRUB's image path in front is not an option. */
	braid("/boot/braid.elf exit=qemu");
	assert_int_equal(bo.exit, EXIT_ACTION_QEMU);
	assert_string_equal(log_buf, "");
}

#define BRAID_WARN(opt)                                                     \
	"braid: boot: warning: unknown option \"" opt "\" ignored (known: " \
	"exit=halt|reboot|qemu|bochs, console=, cpus=, "                    \
	"guest_cpus=, sched=parallel|serial, slice=)\n"

static void test_braid_unknown_options_warned(void **state)
{
	(void)state;
	braid("exit=bochs verbose\tbogus=1");
	assert_int_equal(bo.exit, EXIT_ACTION_BOCHS);
	assert_string_equal(log_buf,
			    BRAID_WARN("verbose") BRAID_WARN("bogus=1"));
}

static void test_braid_bad_exit_value_warned(void **state)
{
	(void)state;
	braid("exit=poweroff");
	assert_int_equal(bo.exit, EXIT_ACTION_HALT);
	assert_string_equal(log_buf, BRAID_WARN("exit=poweroff"));
	log_buf[0] = '\0';
	log_len = 0;
	braid("exit=qemu exit= exit");
	assert_int_equal(bo.exit, EXIT_ACTION_QEMU);
	assert_string_equal(log_buf, BRAID_WARN("exit=") BRAID_WARN("exit"));
}

/* --- console= ---------------------------------------------------------- */

static struct uart_port console_ok(const char *v)
{
	struct console_option o = { CONSOLE_AUTO, { 0 } };

	assert_int_equal(parse_console_option(v, strlen(v), &o), 0);
	assert_int_equal(o.source, CONSOLE_GIVEN);
	return o.port;
}

static void console_bad(const char *v)
{
	struct console_option o = { (enum console_source)77, { 0 } };

	if (parse_console_option(v, strlen(v), &o) != -EINVAL)
		fail_msg("console=%s accepted", v);
	assert_int_equal(o.source, 77); /* untouched */
}

/* console=@v gives a port of @space at @base, @width, @baud. */
static void expect_port(const char *v, u8 space, u64 base, u8 width, u32 baud)
{
	struct uart_port p = console_ok(v);

	assert_int_equal(p.space, space);
	assert_int_equal(p.base, base);
	assert_int_equal(p.width, width);
	assert_int_equal(p.baud, baud);
}

static void test_console_legacy_ports(void **state)
{
	(void)state;
	expect_port("com1", UART_SPACE_IO, 0x3f8, 1, 115200);
	expect_port("com2", UART_SPACE_IO, 0x2f8, 1, 115200);
	expect_port("com3", UART_SPACE_IO, 0x3e8, 1, 115200);
	expect_port("com4,keep", UART_SPACE_IO, 0x2e8, 1, 0);
	expect_port("com2,9600", UART_SPACE_IO, 0x2f8, 1, 9600);
	expect_port("com2,115200", UART_SPACE_IO, 0x2f8, 1, 115200);
}

static void test_console_io_and_mmio(void **state)
{
	(void)state;
	expect_port("io:0xc040", UART_SPACE_IO, 0xc040, 1, 115200);
	expect_port("io:760,57600", UART_SPACE_IO, 760, 1, 57600);
	expect_port("mmio:0xfe030000", UART_SPACE_MMIO, 0xfe030000, 1, 115200);
	expect_port("mmio:0xFE030000,4,keep", UART_SPACE_MMIO, 0xfe030000, 4,
		    0);
	expect_port("mmio:0xfe030000,19200", UART_SPACE_MMIO, 0xfe030000, 1,
		    19200);
	expect_port("mmio:0xfe030000,1,300", UART_SPACE_MMIO, 0xfe030000, 1,
		    300);
}

static void test_console_none_and_bad(void **state)
{
	struct console_option o = { CONSOLE_AUTO, { 0 } };
	static const char *const bad[] = {
		"",	      "com0",
		"com5",	      "com12",
		"COM1",	      "com1,",
		"com1,0",     "com1,115201",
		"com1,7",     "com1,keep,1",
		"com1,fast",  "io:",
		"io:0x",      "io:0x10000",
		"io:12z",     "mmio:0",
		"mmio:,4",    "mmio:0x1000,2",
		"none,keep",  "bogus",
		"io:0x2f8,4", "mmio:0x1000,4,keep,9600",
	};

	(void)state;
	assert_int_equal(parse_console_option("none", 4, &o), 0);
	assert_int_equal(o.source, CONSOLE_NONE);
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++)
		console_bad(bad[i]);
}

/* A bad console= is an error naming it; the default (AUTO) stays. */
static void test_braid_console_option(void **state)
{
	(void)state;
	braid("console=com2 exit=qemu");
	assert_int_equal(bo.console.source, CONSOLE_GIVEN);
	assert_int_equal(bo.console.port.base, 0x2f8);
	braid("console=none");
	assert_int_equal(bo.console.source, CONSOLE_NONE);
	assert_string_equal(log_buf, "");
	braid("console=bogus exit=qemu");
	assert_int_equal(bo.console.source, CONSOLE_AUTO);
	assert_int_equal(bo.exit, EXIT_ACTION_QEMU);
	assert_non_null(strstr(log_buf, "braid: boot: error: console=bogus "
					"is not a console"));
}

/* --- cpus=, weight=, sched=, slice= ------------------------------------ */

static u64 cpu_list(const char *s)
{
	u64 m = 0x1234;

	assert_int_equal(parse_cpu_list(s, strlen(s), &m), 0);
	return m;
}

static void cpu_list_bad(const char *s)
{
	u64 m;

	assert_int_equal(parse_cpu_list(s, strlen(s), &m), -EINVAL);
}

static void test_cpu_lists(void **state)
{
	(void)state;
	assert_true(cpu_list("0") == 0x1);
	assert_true(cpu_list("3") == 0x8);
	assert_true(cpu_list("1-3") == 0xe);
	assert_true(cpu_list("0,2-3") == 0xd);
	assert_true(cpu_list("63") == 1ull << 63);
	assert_true(cpu_list("0-63") == ~0ull);
	assert_true(cpu_list("5,5,4-5") == 0x30);
	cpu_list_bad("");
	cpu_list_bad(",");
	cpu_list_bad("1,");
	cpu_list_bad(",1");
	cpu_list_bad("64");
	cpu_list_bad("3-1");
	cpu_list_bad("1-");
	cpu_list_bad("-1");
	cpu_list_bad("a");
	cpu_list_bad("1 2");
	cpu_list_bad("99999999999999999999");
}

static void test_guest_cpus_and_weight(void **state)
{
	(void)state;
	guest_ok("name=a", 0);
	assert_true(cfg.cpus == 0);
	assert_int_equal(cfg.weight, 1);
	guest_ok("cpus=1-2 weight=3", 0);
	assert_true(cfg.cpus == 0x6);
	assert_int_equal(cfg.weight, 3);
	guest_bad("cpus=", "bad value in \"cpus=\": expected a CPU list "
			   "such as 0, 1-3 or 0,2 (CPUs 0-63)");
	guest_bad("cpus=x", "bad value in \"cpus=x\": expected a CPU list "
			    "such as 0, 1-3 or 0,2 (CPUs 0-63)");
	guest_bad("weight=0",
		  "bad value in \"weight=0\": expected a weight from 1 to 100");
	guest_bad("weight=101",
		  "bad value in \"weight=101\": expected a weight from 1 to "
		  "100");
}

static void test_guest_vcpus(void **state)
{
	(void)state;
	guest_ok("name=a", 0);
	assert_int_equal(cfg.vcpus, 1);
	guest_ok("vcpus=4", 0);
	assert_int_equal(cfg.vcpus, 4);
	guest_ok("vcpus=8", 0);
	assert_int_equal(cfg.vcpus, GUEST_VCPUS_MAX);
	guest_bad("vcpus=0", "bad value in \"vcpus=0\": expected a count of "
			     "vCPUs from 1 to 8");
	guest_bad("vcpus=9", "bad value in \"vcpus=9\": expected a count of "
			     "vCPUs from 1 to 8");
	guest_bad("vcpus=two", "bad value in \"vcpus=two\": expected a count "
			       "of vCPUs from 1 to 8");
}

static void test_braid_sched_options(void **state)
{
	(void)state;
	braid("");
	assert_false(bo.serial);
	assert_int_equal(bo.slice_ms, SCHED_SLICE_MS_DEFAULT);
	braid("sched=serial slice=25");
	assert_true(bo.serial);
	assert_int_equal(bo.slice_ms, 25);
	assert_string_equal(log_buf, "");
	braid("slice=0");
	assert_int_equal(bo.slice_ms, SCHED_SLICE_MS_DEFAULT);
	assert_non_null(strstr(log_buf, "slice=0 is not a number of "
					"milliseconds from 1 to 1000"));
	log_buf[0] = '\0';
	log_len = 0;
	braid("sched=sometimes");
	assert_false(bo.serial);
	assert_string_equal(log_buf, BRAID_WARN("sched=sometimes"));
}

/* braid's line @line gives an error that names it and says @what. */
static void braid_error(const char *line, const char *what)
{
	log_buf[0] = '\0';
	log_len = 0;
	braid(line);
	assert_non_null(strstr(log_buf, "braid: boot: error: "));
	assert_non_null(strstr(log_buf, line));
	assert_non_null(strstr(log_buf, what));
}

/* cpus=N takes 1 to MAX_CPUS; anything else is an error naming it, and
 * every CPU is used. */
static void test_braid_cpus_option(void **state)
{
	static const char *const bad[] = { "cpus=0",  "cpus=x",	  "cpus=",
					   "cpus",    "cpus=65",  "cpus=2x",
					   "cpus=-1", "cpus=0004" };

	(void)state;
	braid("");
	assert_int_equal(bo.cpus, 0);
	braid("cpus=1");
	assert_int_equal(bo.cpus, 1);
	braid("exit=qemu cpus=2");
	assert_int_equal(bo.cpus, 2);
	assert_int_equal(bo.exit, EXIT_ACTION_QEMU);
	braid("cpus=64");
	assert_int_equal(bo.cpus, 64);
	assert_string_equal(log_buf, "");
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		braid_error(bad[i], "is not a CPU count (1 to 64): all CPUs "
				    "are used");
		assert_int_equal(bo.cpus, 0);
	}
}

/* guest_cpus=LIST: a CPU list as a guest's cpus= takes; anything else
 * (an empty list too) is an error naming it, and guests use every CPU. */
static void test_braid_guest_cpus_option(void **state)
{
	static const char *const bad[] = { "guest_cpus=",    "guest_cpus",
					   "guest_cpus=1-",  "guest_cpus=x",
					   "guest_cpus=64",  "guest_cpus=3-1",
					   "guest_cpus=1,,2" };

	(void)state;
	braid("");
	assert_true(bo.guest_cpus == 0);
	braid("guest_cpus=1-3");
	assert_true(bo.guest_cpus == 0xe);
	braid("cpus=4 guest_cpus=0,2 exit=qemu");
	assert_true(bo.guest_cpus == 0x5);
	assert_int_equal(bo.cpus, 4);
	assert_string_equal(log_buf, "");
	for (unsigned i = 0; i < ARRAY_SIZE(bad); i++) {
		braid_error(bad[i], "is not a CPU list");
		assert_true(bo.guest_cpus == 0);
	}
}

#define TS(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_console_legacy_ports),
		TS(test_console_io_and_mmio),
		TS(test_console_none_and_bad),
		TS(test_braid_console_option),
		TS(test_parse_size_values),
		TS(test_parse_size_length_bounded),
		TS(test_parse_size_garbage),
		TS(test_parse_size_overflow),
		TS(test_guest_defaults),
		TS(test_guest_all_options),
		TS(test_guest_large),
		TS(test_guest_cp_twin),
		TS(test_guest_cp_times),
		TS(test_guest_timeout),
		TS(test_guest_time),
		TS(test_guest_on_reset),
		TS(test_guest_later_option_wins),
		TS(test_guest_double_dash),
		TS(test_guest_plain_words_ignored),
		TS(test_guest_long_cmdline_truncated),
		TS(test_guest_mem_range_and_rounding),
		TS(test_guest_bad_mem),
		TS(test_guest_names),
		TS(test_guest_bad_paging),
		TS(test_guest_console),
		TS(test_guest_unknown_option),
		TS(test_guest_entry_fault_needs_check_build),
		TS(test_guest_error_message_truncated),
		TS(test_braid_exit_values),
		TS(test_braid_unknown_options_warned),
		TS(test_braid_bad_exit_value_warned),
		TS(test_cpu_lists),
		TS(test_guest_cpus_and_weight),
		TS(test_guest_vcpus),
		TS(test_braid_sched_options),
		TS(test_braid_cpus_option),
		TS(test_braid_guest_cpus_option),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
