// SPDX-License-Identifier: MIT
/* boot/multiboot.c: multiboot v1 and multiboot2 info blocks, built in fake
 * physical memory exactly as a loader would leave them. */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "boot/bootinfo.h"
#include "tests/unit/fake_phys.h"
#include "tests/unit/unit.h"

#define AV BOOT_MEM_AVAILABLE

/* Where the test puts things in fake physical memory. */
#define SCRATCH_END MiB(1)
#define MB1_INFO    0x10000
#define MB1_CMDLINE 0x11000
#define MB1_MMAP    0x12000
#define MB1_MODS    0x18000 /* after 515 map entries */
#define MB1_STRINGS 0x40000
#define MB2_INFO    0x20000

/* Multiboot 0.6.96, 3.3, written down independently of the parser. */
struct t_mb1_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

static struct boot_info bi;
static phys_t strings_next;

static int setup(void **state)
{
	(void)state;
	fake_phys_clear(0, SCRATCH_END);
	strings_next = MB1_STRINGS;
	/* Junk in the output proves bootinfo_parse starts from scratch. */
	memset(&bi, 0x5a, sizeof(bi));
	return 0;
}

/* --- multiboot v1 builders --------------------------------------------- */

static struct t_mb1_info *mb1(void)
{
	return fake_phys_ptr(MB1_INFO);
}

static u32 put_string(const char *s)
{
	phys_t pa = strings_next;

	memcpy(fake_phys_ptr(pa), s, strlen(s) + 1);
	strings_next += ALIGN_UP(strlen(s) + 1, 16);
	return (u32)pa;
}

static void mb1_cmdline(const char *s)
{
	mb1()->flags |= BIT(2);
	mb1()->cmdline = put_string(s);
}

/* An mmap entry of the given "size" field (20 is the usual). */
static void mb1_mmap_sized(u32 size, u64 base, u64 len, u32 type)
{
	struct t_mb1_info *m = mb1();
	u8 *p;

	m->flags |= BIT(6);
	m->mmap_addr = MB1_MMAP;
	p = fake_phys_ptr(MB1_MMAP + m->mmap_length);
	memcpy(p, &size, 4);
	memcpy(p + 4, &base, 8);
	memcpy(p + 12, &len, 8);
	memcpy(p + 20, &type, 4);
	m->mmap_length += size + 4;
}

static void mb1_mmap(u64 base, u64 len, u32 type)
{
	mb1_mmap_sized(20, base, len, type);
}

static void mb1_module(u32 start, u32 end, const char *cmd)
{
	struct t_mb1_info *m = mb1();
	u32 *mod = fake_phys_ptr(MB1_MODS + m->mods_count * 16);

	m->flags |= BIT(3);
	m->mods_addr = MB1_MODS;
	mod[0] = start;
	mod[1] = end;
	mod[2] = cmd ? put_string(cmd) : 0;
	mod[3] = 0;
	m->mods_count++;
}

static int parse1(void)
{
	return bootinfo_parse(MB1_BOOTLOADER_MAGIC, MB1_INFO, &bi);
}

/* --- multiboot2 builders ------------------------------------------------ */

static u32 *mb2_total(void)
{
	return fake_phys_ptr(MB2_INFO);
}

static void mb2_begin(void)
{
	mb2_total()[0] = 8;
	mb2_total()[1] = 0;
}

/* Append a tag with the given "size" field and payload bytes (payload_len
 * of them are written; the size field may claim otherwise). */
static void mb2_tag_raw(u32 type, u32 size, const void *payload,
			u32 payload_len)
{
	u8 *p = fake_phys_ptr(MB2_INFO + *mb2_total());

	memcpy(p, &type, 4);
	memcpy(p + 4, &size, 4);
	if (payload_len)
		memcpy(p + 8, payload, payload_len);
	*mb2_total() += ALIGN_UP(8 + payload_len, 8);
}

static void mb2_tag(u32 type, const void *payload, u32 payload_len)
{
	mb2_tag_raw(type, 8 + payload_len, payload, payload_len);
}

static void mb2_end(void)
{
	mb2_tag(0, NULL, 0);
}

static void mb2_cmdline(const char *s)
{
	mb2_tag(1, s, strlen(s) + 1);
}

static void mb2_module(u32 start, u32 end, const char *cmd)
{
	u8 buf[2 * BOOT_MODLINE_MAX];
	size_t n = strlen(cmd) + 1;

	assert_true(8 + n <= sizeof(buf));
	memcpy(buf, &start, 4);
	memcpy(buf + 4, &end, 4);
	memcpy(buf + 8, cmd, n);
	mb2_tag(3, buf, 8 + n);
}

struct t_mb2_mmap_entry {
	u64 base, len;
	u32 type, reserved;
};

/* A memory map tag of @n entries, @entry_size bytes apart. */
static void mb2_mmap_sized(const struct t_mb2_mmap_entry *e, unsigned n,
			   u32 entry_size)
{
	static u8 buf[8 + 256 * 64];
	u32 version = 0;

	memset(buf, 0xee, sizeof(buf));
	memcpy(buf, &entry_size, 4);
	memcpy(buf + 4, &version, 4);
	for (unsigned i = 0; i < n; i++)
		memcpy(buf + 8 + i * entry_size, &e[i], sizeof(e[i]));
	mb2_tag(6, buf, 8 + n * entry_size);
}

static void mb2_mmap(const struct t_mb2_mmap_entry *e, unsigned n)
{
	mb2_mmap_sized(e, n, 24);
}

static const struct t_mb2_mmap_entry std_mmap[] = {
	{ 0, 0x9fc00, AV, 0 },
	{ 0x9fc00, 0x400, BOOT_MEM_RESERVED, 0 },
	{ 0xf0000, 0x10000, BOOT_MEM_RESERVED, 0 },
	{ 0x100000, 0x7ee0000, AV, 0 },
	{ 0x7fe0000, 0x20000, BOOT_MEM_ACPI_RECLAIM, 0 },
	{ 0xfffc0000, 0x40000, BOOT_MEM_RESERVED, 0 },
	{ 0x100000000ull, 0x40000000, AV, 0 },
};

static int parse2(void)
{
	return bootinfo_parse(MB2_BOOTLOADER_MAGIC, MB2_INFO, &bi);
}

static void expect_range(unsigned i, u64 base, u64 len, u32 type)
{
	assert_true(i < bi.nr_mmap);
	assert_int_equal(bi.mmap[i].base, base);
	assert_int_equal(bi.mmap[i].len, len);
	assert_int_equal(bi.mmap[i].type, type);
}

static void expect_module(unsigned i, phys_t start, phys_t end, const char *cmd)
{
	assert_true(i < bi.nr_modules);
	assert_int_equal(bi.modules[i].start, start);
	assert_int_equal(bi.modules[i].end, end);
	assert_string_equal(bi.modules[i].cmdline, cmd);
	assert_false(bi.modules[i].truncated);
}

static void expect_error(int rc, const char *msg)
{
	assert_int_equal(rc, -EINVAL);
	assert_non_null(bi.error);
	assert_string_equal(bi.error, msg);
}

/*
 * Run bootinfo_parse in a child process with a time limit, for inputs that
 * could make it loop forever or run off the end of memory. Returns 0 and the
 * result, or -1 with *how describing the child's death.
 */
static int parse_isolated(u32 magic, phys_t info, int *rc, char *error,
			  size_t errlen, char *how, size_t howlen)
{
	int fds[2], status;
	pid_t pid;
	struct {
		int rc;
		char error[120];
	} res;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		static const int sigs[] = { SIGSEGV, SIGBUS,  SIGILL,
					    SIGFPE,  SIGABRT, SIGALRM };

		for (unsigned i = 0; i < ARRAY_SIZE(sigs); i++)
			signal(sigs[i], SIG_DFL);
		close(fds[0]);
		alarm(1);
		memset(&res, 0, sizeof(res));
		res.rc = bootinfo_parse(magic, info, &bi);
		if (bi.error)
			snprintf(res.error, sizeof(res.error), "%s", bi.error);
		n = write(fds[1], &res, sizeof(res));
		_exit(n == (ssize_t)sizeof(res) ? 0 : 1);
	}
	close(fds[1]);
	n = read(fds[0], &res, sizeof(res));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (n == (ssize_t)sizeof(res) && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		*rc = res.rc;
		snprintf(error, errlen, "%s", res.error);
		return 0;
	}
	if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
		snprintf(
			how, howlen,
			"bootinfo_parse did not return within 1 s (endless loop)");
	else if (WIFSIGNALED(status))
		snprintf(how, howlen,
			 "bootinfo_parse crashed with signal %d (ran off the "
			 "end of memory)",
			 WTERMSIG(status));
	else
		snprintf(how, howlen, "child exited with status %d",
			 WEXITSTATUS(status));
	return -1;
}

static void expect_isolated_error(u32 magic, phys_t info, const char *msg)
{
	char error[128], how[128];
	int rc = 0;

	if (parse_isolated(magic, info, &rc, error, sizeof(error), how,
			   sizeof(how)))
		fail_msg("expected -EINVAL (\"%s\"), but %s", msg, how);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(error, msg);
}

/* --- magic ----------------------------------------------------------- */

static void test_bad_magic(void **state)
{
	(void)state;
	mb2_begin();
	mb2_mmap(std_mmap, 2);
	mb2_end();
	expect_error(bootinfo_parse(0x2badb003, MB2_INFO, &bi),
		     "not started by a multiboot loader (bad EAX magic)");
	assert_int_equal(bi.protocol, 0);
	assert_int_equal(bi.nr_mmap, 0);
	/* The two magics are not interchangeable with the header magics. */
	expect_error(bootinfo_parse(0x1badb002, MB1_INFO, &bi),
		     "not started by a multiboot loader (bad EAX magic)");
	expect_error(bootinfo_parse(0xe85250d6, MB2_INFO, &bi),
		     "not started by a multiboot loader (bad EAX magic)");
	expect_error(bootinfo_parse(0, 0, &bi),
		     "not started by a multiboot loader (bad EAX magic)");
}

/* --- multiboot v1 ------------------------------------------------------ */

static void test_mb1_full(void **state)
{
	(void)state;
	mb1_cmdline("/boot/braid.elf exit=qemu");
	mb1_mmap(0, 0x9fc00, AV);
	mb1_mmap(0x9fc00, 0x400, BOOT_MEM_RESERVED);
	mb1_mmap(0x100000, 0x7ee0000, AV);
	mb1_mmap(0x100000000ull, 0x140000000ull, AV);
	mb1_mmap(0xfec00000, 0x1000, 7);
	mb1_module(0x200000, 0x234567, "name=hello mem=16M");
	mb1_module(0x300000, 0x300000, "+initrd");
	mb1_module(0x400000, 0x401000, NULL);
	assert_int_equal(parse1(), 0);
	assert_int_equal(bi.protocol, 1);
	assert_null(bi.error);
	assert_int_equal(bi.truncated, 0);
	assert_string_equal(bi.cmdline, "/boot/braid.elf exit=qemu");
	assert_int_equal(bi.nr_mmap, 5);
	expect_range(0, 0, 0x9fc00, AV);
	expect_range(1, 0x9fc00, 0x400, BOOT_MEM_RESERVED);
	expect_range(2, 0x100000, 0x7ee0000, AV);
	expect_range(3, 0x100000000ull, 0x140000000ull, AV);
	expect_range(4, 0xfec00000, 0x1000, 7);
	assert_int_equal(bi.nr_modules, 3);
	expect_module(0, 0x200000, 0x234567, "name=hello mem=16M");
	expect_module(1, 0x300000, 0x300000, "+initrd");
	expect_module(2, 0x400000, 0x401000, "");
}

static void test_mb1_no_cmdline_no_modules(void **state)
{
	(void)state;
	mb1_mmap(0x100000, 0x100000, AV);
	/* mods_count without the MODS flag means nothing. */
	mb1()->mods_count = 5;
	mb1()->mods_addr = MB1_MODS;
	mb1()->cmdline = put_string("ignored: flag clear");
	assert_int_equal(parse1(), 0);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nr_modules, 0);
	assert_int_equal(bi.nr_mmap, 1);
	assert_int_equal(bi.truncated, 0);
	assert_null(bi.error);
}

static void test_mb1_mmap_entry_stride_follows_size(void **state)
{
	/* A loader may use larger entries; "size" is the stride - 4. */
	(void)state;
	mb1_mmap_sized(28, 0x100000, 0x200000, AV);
	mb1_mmap_sized(20, 0x300000, 0x1000, BOOT_MEM_BAD);
	mb1_mmap_sized(36, 0x400000, 0x2000, BOOT_MEM_ACPI_NVS);
	assert_int_equal(parse1(), 0);
	assert_int_equal(bi.nr_mmap, 3);
	expect_range(0, 0x100000, 0x200000, AV);
	expect_range(1, 0x300000, 0x1000, BOOT_MEM_BAD);
	expect_range(2, 0x400000, 0x2000, BOOT_MEM_ACPI_NVS);
}

static void test_mb1_no_memory_map(void **state)
{
	(void)state;
	mb1_cmdline("x");
	mb1_module(0x200000, 0x201000, "m");
	expect_error(parse1(), "multiboot info has no memory map");
	assert_int_equal(bi.protocol, 1);
}

static void test_mb1_mmap_entry_overruns(void **state)
{
	(void)state;
	mb1_mmap(0x100000, 0x100000, AV);
	mb1_mmap(0x200000, 0x100000, AV);
	mb1()->mmap_length -= 4; /* the last entry sticks out by 4 bytes */
	expect_error(parse1(), "multiboot memory map entry overruns the map");
}

static void test_mb1_mmap_entry_size_too_big(void **state)
{
	(void)state;
	mb1_mmap_sized(20, 0x100000, 0x100000, AV);
	mb1_mmap_sized(200, 0x200000, 0x100000, AV); /* claims 204 bytes */
	mb1()->mmap_length = 24 + 24;
	expect_error(parse1(), "multiboot memory map entry overruns the map");
}

static void test_mb1_mmap_entry_size_too_small(void **state)
{
	(void)state;
	mb1_mmap_sized(16, 0x100000, 0x100000, AV);
	mb1_mmap(0x200000, 0x100000, AV);
	expect_error(parse1(), "multiboot memory map entry overruns the map");
}

static void test_mb1_mmap_trailing_bytes(void **state)
{
	/* 1..3 stray bytes after the last entry cannot hold a size field. */
	(void)state;
	mb1_mmap(0x100000, 0x100000, AV);
	mb1()->mmap_length += 3;
	assert_int_equal(parse1(), 0);
	assert_int_equal(bi.nr_mmap, 1);
}

static void test_mb1_mmap_entry_size_wraps_u32(void **state)
{
	/* A 4-byte map whose only entry claims a size of 0xfffffffd:
	 * off + size + 4 wraps to 1, which passes a 32-bit bounds check.
	 * The entry (24 bytes, 20 of them beyond the 4-byte map) must be
	 * rejected, not added. */
	(void)state;
	mb1_mmap_sized(0xfffffffdu, 0x100000, 0x100000, AV);
	mb1()->mmap_length = 4;
	expect_error(parse1(), "multiboot memory map entry overruns the map");
	assert_int_equal(bi.nr_mmap, 0);
}

static void test_mb1_mmap_entry_size_wraps_to_zero(void **state)
{
	/* size 0xfffffffc: off + size + 4 == off, so the parser would never
	 * advance. It must report the overrun, not loop forever. */
	(void)state;
	mb1_mmap_sized(0xfffffffcu, 0x100000, 0x100000, AV);
	mb1()->mmap_length = 24;
	expect_isolated_error(MB1_BOOTLOADER_MAGIC, MB1_INFO,
			      "multiboot memory map entry overruns the map");
}

static void test_mb1_module_ends_before_start(void **state)
{
	(void)state;
	mb1_mmap(0x100000, 0x100000, AV);
	mb1_module(0x200000, 0x201000, "ok");
	mb1_module(0x300000, 0x2fffff, "bad");
	expect_error(parse1(), "multiboot module ends before it starts");
}

static void test_mb1_too_many_entries_truncated(void **state)
{
	(void)state;
	for (unsigned i = 0; i < BOOT_MAX_MMAP + 3; i++)
		mb1_mmap(MiB(1) * (i + 1), MiB(1), i % 5 + 1);
	for (unsigned i = 0; i < BOOT_MAX_MODULES + 2; i++) {
		char cmd[16];

		snprintf(cmd, sizeof(cmd), "mod%u", i);
		mb1_module(0x1000 * i, 0x1000 * i + 0x800, cmd);
	}
	assert_int_equal(parse1(), 0);
	assert_int_equal(bi.nr_mmap, BOOT_MAX_MMAP);
	assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);
	assert_int_equal(bi.truncated, 3 + 2);
	expect_range(BOOT_MAX_MMAP - 1, MiB(BOOT_MAX_MMAP), MiB(1),
		     (BOOT_MAX_MMAP - 1) % 5 + 1);
	expect_module(BOOT_MAX_MODULES - 1, 0x1000 * (BOOT_MAX_MODULES - 1),
		      0x1000 * (BOOT_MAX_MODULES - 1) + 0x800, "mod31");
}

static void test_mb1_long_strings_truncated(void **state)
{
	static char longline[BOOT_MODLINE_MAX + 1000],
		longmod[BOOT_MODLINE_MAX + 1000], fits[BOOT_MODLINE_MAX];
	(void)state;
	for (unsigned i = 0; i < sizeof(longline) - 1; i++)
		longline[i] = 'a' + i % 26;
	for (unsigned i = 0; i < sizeof(longmod) - 1; i++)
		longmod[i] = 'A' + i % 26;
	memset(fits, 'f', sizeof(fits) - 1);
	mb1_cmdline(longline);
	mb1_mmap(0x100000, 0x100000, AV);
	mb1_module(0x200000, 0x300000, longmod);
	mb1_module(0x300000, 0x400000, fits);
	assert_int_equal(parse1(), 0);
	/* Cut to fit, and marked as cut so that braid can refuse them. */
	assert_true(bi.cmdline_truncated);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
	assert_memory_equal(bi.cmdline, longline, BOOT_CMDLINE_MAX - 1);
	assert_true(bi.modules[0].truncated);
	assert_int_equal(strlen(bi.modules[0].cmdline), BOOT_MODLINE_MAX - 1);
	assert_memory_equal(bi.modules[0].cmdline, longmod,
			    BOOT_MODLINE_MAX - 1);
	/* The longest line that fits is whole. */
	expect_module(1, 0x300000, 0x400000, fits);
}

static void test_mb2_long_module_line_truncated(void **state)
{
	static char longmod[BOOT_MODLINE_MAX + 1];
	(void)state;
	memset(longmod, 'm', sizeof(longmod) - 1);
	mb2_begin();
	mb2_mmap(std_mmap, 1);
	mb2_module(0x200000, 0x201000, longmod);
	mb2_module(0x300000, 0x301000, longmod + 1);
	mb2_end();
	assert_int_equal(parse2(), 0);
	assert_false(bi.cmdline_truncated);
	assert_true(bi.modules[0].truncated);
	assert_int_equal(strlen(bi.modules[0].cmdline), BOOT_MODLINE_MAX - 1);
	expect_module(1, 0x300000, 0x301000, longmod + 1);
}

/* --- multiboot2 -------------------------------------------------------- */

static void test_mb2_full(void **state)
{
	static const char loader[] = "GRUB 2.06";
	u32 meminfo[2] = { 639, 130048 };
	(void)state;
	mb2_begin();
	mb2_cmdline("/boot/braid.elf exit=bochs");
	mb2_tag(2, loader, sizeof(loader)); /* boot loader name: skipped */
	mb2_module(0x200000, 0x2345ff, "name=a mem=8M -- hello");
	mb2_tag(4, meminfo, sizeof(meminfo)); /* basic meminfo: skipped */
	mb2_mmap(std_mmap, ARRAY_SIZE(std_mmap));
	mb2_module(0x400000, 0x400010, "");
	mb2_end();
	assert_int_equal(parse2(), 0);
	assert_int_equal(bi.protocol, 2);
	assert_null(bi.error);
	assert_int_equal(bi.truncated, 0);
	assert_string_equal(bi.cmdline, "/boot/braid.elf exit=bochs");
	assert_int_equal(bi.nr_mmap, ARRAY_SIZE(std_mmap));
	for (unsigned i = 0; i < ARRAY_SIZE(std_mmap); i++)
		expect_range(i, std_mmap[i].base, std_mmap[i].len,
			     std_mmap[i].type);
	assert_int_equal(bi.nr_modules, 2);
	expect_module(0, 0x200000, 0x2345ff, "name=a mem=8M -- hello");
	expect_module(1, 0x400000, 0x400010, "");
}

static void test_mb2_mmap_entry_size_stride(void **state)
{
	/* entry_size 40: entries are 40 bytes apart; the trailing partial
	 * entry (fewer than entry_size bytes) is ignored. */
	(void)state;
	mb2_begin();
	mb2_mmap_sized(std_mmap, 4, 40);
	mb2_end();
	assert_int_equal(parse2(), 0);
	assert_int_equal(bi.nr_mmap, 4);
	for (unsigned i = 0; i < 4; i++)
		expect_range(i, std_mmap[i].base, std_mmap[i].len,
			     std_mmap[i].type);
}

static void test_mb2_mmap_partial_trailing_entry(void **state)
{
	u8 buf[8 + 24 + 16];
	u32 esz = 24, ver = 0;
	(void)state;
	memset(buf, 0x11, sizeof(buf));
	memcpy(buf, &esz, 4);
	memcpy(buf + 4, &ver, 4);
	memcpy(buf + 8, &std_mmap[3], 24);
	mb2_begin();
	mb2_tag(6, buf, sizeof(buf)); /* one entry and 16 stray bytes */
	mb2_end();
	assert_int_equal(parse2(), 0);
	assert_int_equal(bi.nr_mmap, 1);
	expect_range(0, 0x100000, 0x7ee0000, AV);
}

static void test_mb2_cmdline_bounded_by_tag(void **state)
{
	/* A command line without a NUL inside its tag stops at the tag's
	 * end (the padding after it is not part of the string). */
	(void)state;
	mb2_begin();
	mb2_tag_raw(1, 8 + 5, "helloXYZ", 8);
	mb2_mmap(std_mmap, 1);
	mb2_end();
	assert_int_equal(parse2(), 0);
	assert_string_equal(bi.cmdline, "hello");
}

static void test_mb2_module_cmdline_bounded_by_tag(void **state)
{
	u8 buf[16];
	u32 s = 0x200000, e = 0x201000;
	(void)state;
	memcpy(buf, &s, 4);
	memcpy(buf + 4, &e, 4);
	memcpy(buf + 8, "abcdefgh", 8);
	mb2_begin();
	mb2_tag_raw(3, 8 + 8 + 3, buf, sizeof(buf)); /* string: "abc" */
	mb2_mmap(std_mmap, 1);
	mb2_end();
	assert_int_equal(parse2(), 0);
	expect_module(0, 0x200000, 0x201000, "abc");
}

static void test_mb2_no_end_tag(void **state)
{
	/* A block that simply ends after its last tag is still fine. */
	(void)state;
	mb2_begin();
	mb2_mmap(std_mmap, 2);
	mb2_cmdline("x");
	assert_int_equal(parse2(), 0);
	assert_int_equal(bi.nr_mmap, 2);
	assert_string_equal(bi.cmdline, "x");
}

static void test_mb2_tags_after_end_ignored(void **state)
{
	(void)state;
	mb2_begin();
	mb2_mmap(std_mmap, 2);
	mb2_end();
	mb2_cmdline("after the end");
	mb2_module(0x200000, 0x201000, "after the end");
	assert_int_equal(parse2(), 0);
	assert_string_equal(bi.cmdline, "");
	assert_int_equal(bi.nr_modules, 0);
}

static void test_mb2_total_size_too_small(void **state)
{
	(void)state;
	mb2_begin();
	mb2_mmap(std_mmap, 2);
	mb2_end();
	*mb2_total() = 15;
	expect_error(parse2(), "multiboot2 info has an impossible size");
	*mb2_total() = 0;
	expect_error(parse2(), "multiboot2 info has an impossible size");
	assert_int_equal(bi.protocol, 2);
}

static void test_mb2_total_size_huge(void **state)
{
	(void)state;
	mb2_begin();
	mb2_mmap(std_mmap, 2);
	mb2_end();
	*mb2_total() = MiB(1) + 1;
	expect_error(parse2(), "multiboot2 info has an impossible size");
	*mb2_total() = 0xffffffffu;
	expect_error(parse2(), "multiboot2 info has an impossible size");
}

static void test_mb2_tag_overruns_block(void **state)
{
	(void)state;
	mb2_begin();
	mb2_mmap(std_mmap, 2);
	mb2_cmdline("abc");
	mb2_end();
	/* Shrink the block so the cmdline tag (16 bytes) sticks out. */
	*mb2_total() = 8 + (8 + 8 + 48) + 8;
	expect_error(parse2(), "multiboot2 tag overruns the info block");
}

static void test_mb2_tag_size_huge(void **state)
{
	(void)state;
	mb2_begin();
	mb2_tag_raw(1, 4096, "hi", 3);
	mb2_mmap(std_mmap, 2);
	mb2_end();
	expect_error(parse2(), "multiboot2 tag overruns the info block");
}

static void test_mb2_tag_size_below_header(void **state)
{
	(void)state;
	mb2_begin();
	mb2_mmap(std_mmap, 2);
	mb2_tag_raw(2, 4, NULL, 0);
	mb2_end();
	expect_error(parse2(), "multiboot2 tag overruns the info block");
}

static void test_mb2_tag_size_wraps_u32_loops(void **state)
{
	/* An unknown tag of size 0xfffffff9: off + size wraps to 1 (passes a
	 * 32-bit bounds check), and ALIGN_UP(size, 8) wraps to 0, so the
	 * parser never advances. Must be reported as an overrun. */
	(void)state;
	mb2_begin();
	mb2_mmap(std_mmap, 2);
	mb2_tag_raw(99, 0xfffffff9u, "xxxxxxxx", 8);
	mb2_end();
	expect_isolated_error(MB2_BOOTLOADER_MAGIC, MB2_INFO,
			      "multiboot2 tag overruns the info block");
}

static void test_mb2_mmap_tag_size_wraps_u32(void **state)
{
	/* A memory-map tag at offset 24 whose size is 0xffffffe8: 24 + size
	 * wraps to 0 and passes a 32-bit bounds check, and the entry walk
	 * then runs up to 4 GiB past the end of the block. */
	(void)state;
	mb2_begin();
	mb2_cmdline("1234567"); /* tag of 16 bytes: the mmap tag is at 24 */
	mb2_tag_raw(6, 0xffffffe8u, "\x18\0\0\0\0\0\0\0", 8);
	mb2_end();
	expect_isolated_error(MB2_BOOTLOADER_MAGIC, MB2_INFO,
			      "multiboot2 tag overruns the info block");
}

static void test_mb2_short_mmap_tag_at_end_of_ram(void **state)
{
	/* A 16-byte block at the very end of RAM: header, then an 8-byte
	 * memory-map tag (no room for its entry_size/entry_version words).
	 * The tag must be rejected from its size alone; reading entry_size
	 * first reads past the block (here: into the guard page). */
	const phys_t at = FAKE_PHYS_SIZE - 16;
	u32 *w = fake_phys_ptr(at);
	(void)state;
	w[0] = 16;
	w[1] = 0;
	w[2] = 6;
	w[3] = 8;
	expect_isolated_error(MB2_BOOTLOADER_MAGIC, at,
			      "multiboot2 memory map tag is malformed");
}

static void test_mb2_no_memory_map(void **state)
{
	(void)state;
	mb2_begin();
	mb2_cmdline("braid");
	mb2_module(0x200000, 0x201000, "m");
	mb2_end();
	expect_error(parse2(), "multiboot2 info has no memory map");
	mb2_begin();
	mb2_end();
	expect_error(parse2(), "multiboot2 info has no memory map");
}

static void test_mb2_mmap_malformed(void **state)
{
	u32 hdr[2] = { 16, 0 }; /* entry_size smaller than an entry */
	(void)state;
	mb2_begin();
	mb2_tag(6, hdr, sizeof(hdr));
	mb2_end();
	expect_error(parse2(), "multiboot2 memory map tag is malformed");
	mb2_begin();
	mb2_tag_raw(6, 12, hdr, 8); /* too short for its header */
	mb2_end();
	expect_error(parse2(), "multiboot2 memory map tag is malformed");
}

static void test_mb2_module_malformed(void **state)
{
	u32 w[2] = { 0x300000, 0x2fffff };
	(void)state;
	mb2_begin();
	mb2_mmap(std_mmap, 2);
	mb2_tag(3, w, sizeof(w)); /* ends before it starts */
	mb2_end();
	expect_error(parse2(), "multiboot2 module tag is malformed");
	mb2_begin();
	mb2_mmap(std_mmap, 2);
	mb2_tag(3, w, 4); /* no room for the end address */
	mb2_end();
	expect_error(parse2(), "multiboot2 module tag is malformed");
}

static void test_mb2_too_many_entries_truncated(void **state)
{
	static struct t_mb2_mmap_entry many[BOOT_MAX_MMAP + 7];
	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(many); i++)
		many[i] =
			(struct t_mb2_mmap_entry){ MiB(i + 1), MiB(1), AV, 0 };
	mb2_begin();
	mb2_mmap(many, ARRAY_SIZE(many));
	for (unsigned i = 0; i < BOOT_MAX_MODULES + 4; i++)
		mb2_module(0x100000 * i, 0x100000 * i + 1, "m");
	mb2_end();
	assert_int_equal(parse2(), 0);
	assert_int_equal(bi.nr_mmap, BOOT_MAX_MMAP);
	assert_int_equal(bi.nr_modules, BOOT_MAX_MODULES);
	assert_int_equal(bi.truncated, 7 + 4);
	expect_range(BOOT_MAX_MMAP - 1, MiB(BOOT_MAX_MMAP), MiB(1), AV);
	expect_module(BOOT_MAX_MODULES - 1, 0x100000 * (BOOT_MAX_MODULES - 1),
		      0x100000 * (BOOT_MAX_MODULES - 1) + 1, "m");
}

static void test_mb2_long_cmdline_truncated(void **state)
{
	static char longline[2000];
	(void)state;
	memset(longline, 'z', sizeof(longline) - 1);
	mb2_begin();
	mb2_cmdline(longline);
	mb2_mmap(std_mmap, 1);
	mb2_end();
	assert_int_equal(parse2(), 0);
	assert_int_equal(strlen(bi.cmdline), BOOT_CMDLINE_MAX - 1);
}

#define TS(fn) cmocka_unit_test_setup(fn, setup)

/* The common part of a tag 8's payload (multiboot2 3.6.12), byte by
 * byte as a loader writes it. */
static void fb_payload(u8 *fb, u64 addr, u32 pitch, u32 w, u32 h, u8 bpp,
		       u8 type)
{
	memcpy(fb, &addr, 8);
	memcpy(fb + 8, &pitch, 4);
	memcpy(fb + 12, &w, 4);
	memcpy(fb + 16, &h, 4);
	fb[20] = bpp;
	fb[21] = type;
}

/* Tags 15 then 14: the ACPI 2.0 RSDP copy is kept, the old one after it
 * does not replace it. Tag 8: an EGA text framebuffer. */
static void test_mb2_rsdp_and_framebuffer(void **state)
{
	u8 new_rsdp[36], old_rsdp[20];
	u8 fb[24] = { 0 };

	(void)state;
	memset(new_rsdp, 0x22, sizeof(new_rsdp));
	memset(old_rsdp, 0x11, sizeof(old_rsdp));
	fb_payload(fb, 0xb8000, 160, 80, 25, 16, BOOT_FB_EGA_TEXT);
	mb2_begin();
	mb2_mmap(std_mmap, ARRAY_SIZE(std_mmap));
	mb2_tag(15, new_rsdp, sizeof(new_rsdp));
	mb2_tag(14, old_rsdp, sizeof(old_rsdp));
	mb2_tag(8, fb, sizeof(fb));
	mb2_end();
	assert_int_equal(parse2(), 0);
	assert_int_equal(bi.rsdp_len, 36);
	assert_memory_equal(bi.rsdp, new_rsdp, 36);
	assert_true(bi.has_fb);
	assert_int_equal(bi.fb.addr, 0xb8000);
	assert_int_equal(bi.fb.pitch, 160);
	assert_int_equal(bi.fb.width, 80);
	assert_int_equal(bi.fb.height, 25);
	assert_int_equal(bi.fb.type, BOOT_FB_EGA_TEXT);
}

/* Tag 8 for UEFI's GOP: RGB, its colour fields after the common part
 * (BGRX here); a tag cut off before them is refused. */
static void test_mb2_rgb_framebuffer(void **state)
{
	u8 fb[30] = { 0 };
	static const u8 fields[6] = { 16, 8, 8, 8, 0, 8 };

	(void)state;
	fb_payload(fb, 0x80000000, 5120, 1280, 800, 32, BOOT_FB_RGB);
	memcpy(fb + 24, fields, 6);
	mb2_begin();
	mb2_mmap(std_mmap, ARRAY_SIZE(std_mmap));
	mb2_tag(8, fb, sizeof(fb));
	mb2_end();
	assert_int_equal(parse2(), 0);
	assert_true(bi.has_fb);
	assert_int_equal(bi.fb.addr, 0x80000000);
	assert_int_equal(bi.fb.pitch, 5120);
	assert_int_equal(bi.fb.width, 1280);
	assert_int_equal(bi.fb.height, 800);
	assert_int_equal(bi.fb.bpp, 32);
	assert_int_equal(bi.fb.red_pos, 16);
	assert_int_equal(bi.fb.green_pos, 8);
	assert_int_equal(bi.fb.blue_pos, 0);
	assert_int_equal(bi.fb.red_size + bi.fb.green_size + bi.fb.blue_size,
			 24);
	mb2_begin();
	mb2_mmap(std_mmap, ARRAY_SIZE(std_mmap));
	mb2_tag(8, fb, 24);
	mb2_end();
	assert_int_equal(parse2(), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_mb2_rsdp_and_framebuffer, setup),
		TS(test_mb2_rgb_framebuffer),
		TS(test_bad_magic),
		TS(test_mb1_full),
		TS(test_mb1_no_cmdline_no_modules),
		TS(test_mb1_mmap_entry_stride_follows_size),
		TS(test_mb1_no_memory_map),
		TS(test_mb1_mmap_entry_overruns),
		TS(test_mb1_mmap_entry_size_too_big),
		TS(test_mb1_mmap_entry_size_too_small),
		TS(test_mb1_mmap_trailing_bytes),
		TS(test_mb1_mmap_entry_size_wraps_u32),
		TS(test_mb1_mmap_entry_size_wraps_to_zero),
		TS(test_mb1_module_ends_before_start),
		TS(test_mb1_too_many_entries_truncated),
		TS(test_mb1_long_strings_truncated),
		TS(test_mb2_full),
		TS(test_mb2_mmap_entry_size_stride),
		TS(test_mb2_mmap_partial_trailing_entry),
		TS(test_mb2_cmdline_bounded_by_tag),
		TS(test_mb2_module_cmdline_bounded_by_tag),
		TS(test_mb2_long_module_line_truncated),
		TS(test_mb2_no_end_tag),
		TS(test_mb2_tags_after_end_ignored),
		TS(test_mb2_total_size_too_small),
		TS(test_mb2_total_size_huge),
		TS(test_mb2_tag_overruns_block),
		TS(test_mb2_tag_size_huge),
		TS(test_mb2_tag_size_below_header),
		TS(test_mb2_tag_size_wraps_u32_loops),
		TS(test_mb2_mmap_tag_size_wraps_u32),
		TS(test_mb2_short_mmap_tag_at_end_of_ram),
		TS(test_mb2_no_memory_map),
		TS(test_mb2_mmap_malformed),
		TS(test_mb2_module_malformed),
		TS(test_mb2_too_many_entries_truncated),
		TS(test_mb2_long_cmdline_truncated),
	};

	return cmocka_run_group_tests_name("multiboot", tests, NULL, NULL);
}
