// SPDX-License-Identifier: MIT
/*
 * loader/linux.c: bzImage header checks, placement, the zero page and
 * where the firmware tables go, on synthetic images built byte by byte from the
 * offsets in Linux Documentation/arch/x86/boot.rst, and on the host's own
 * /boot/vmlinuz-* when there is one. load_linux() runs against a fake
 * guest whose RAM is a host buffer.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "loader/linux.h"
#include "lib/log.h"
#include "loader/fwtables.h"
#include "tests/unit/fake_guest.h"
#include "tests/unit/fake_phys.h"
#include "tests/unit/unit.h"

/* boot.rst offsets, written down independently of the loader. */
#define O_SETUP_SECTS  0x1f1
#define O_SYSSIZE      0x1f4
#define O_BOOT_FLAG    0x1fe
#define O_JUMP	       0x200
#define O_HEADER       0x202
#define O_VERSION      0x206
#define O_LOADER_TYPE  0x210
#define O_LOADFLAGS    0x211
#define O_CODE32_START 0x214
#define O_RAMDISK      0x218
#define O_RAMDISK_SIZE 0x21c
#define O_CMD_LINE_PTR 0x228
#define O_INITRD_MAX   0x22c
#define O_ALIGN	       0x230
#define O_RELOCATABLE  0x234
#define O_CMDLINE_SIZE 0x238
#define O_PREF_ADDRESS 0x258
#define O_INIT_SIZE    0x260
/* zero-page.rst offsets. */
#define Z_EXT_RAMDISK 0x0c0
#define Z_EXT_CMDLINE 0x0c8
#define Z_E820_COUNT  0x1e8
#define Z_SENTINEL    0x1ef
#define Z_E820_TABLE  0x2d0

#define IMG_MAX	   MiB(1)
#define SETUP_SECT 4
#define KERNEL_LEN 0x20000 /* 128 KiB of "kernel" */
#define RAM_MAX	   MiB(256)

static u8 *img; /* IMG_MAX bytes */
static u64 img_size;
static struct linux_kernel k;
static struct linux_initrd rd;
static char why[256];

/* --- the fake guest: RAM and log --------------------------------------- */

static struct guest_mem mem;
static struct load_target t = { "t", &mem, "", 1 };
static struct boot_entry entry;

static void new_guest(u64 size)
{
	assert_true(size <= RAM_MAX);
	memset(fake_ram, 0, RAM_MAX);
	mem.size = size;
	memset(&entry, 0xa5, sizeof(entry)); /* a loader must fill it */
	fake_log[0] = '\0';
}

/* --- synthetic bzImages ------------------------------------------------- */

static void put16(u8 *p, u64 off, u16 v)
{
	memcpy(p + off, &v, 2);
}

static void put32(u8 *p, u64 off, u32 v)
{
	memcpy(p + off, &v, 4);
}

static void put64(u8 *p, u64 off, u64 v)
{
	memcpy(p + off, &v, 8);
}

static u32 get32(const u8 *p, u64 off)
{
	u32 v;

	memcpy(&v, p + off, 4);
	return v;
}

static u64 get64(const u8 *p, u64 off)
{
	u64 v;

	memcpy(&v, p + off, 8);
	return v;
}

/* A 2.15 relocatable bzImage: 4 setup sectors, KERNEL_LEN of kernel that
 * wants 16 MiB at 16 MiB. */
static int setup(void **state)
{
	(void)state;
	memset(img, 0, IMG_MAX);
	img[O_SETUP_SECTS] = SETUP_SECT;
	put32(img, O_SYSSIZE, KERNEL_LEN / 16);
	put16(img, O_BOOT_FLAG, 0xaa55);
	img[O_JUMP] = 0xeb;
	img[O_JUMP + 1] = 0x6a; /* header ends at 0x26c */
	memcpy(img + O_HEADER, "HdrS", 4);
	put16(img, O_VERSION, 0x020f);
	img[O_LOADFLAGS] = 0x01; /* LOADED_HIGH */
	put32(img, O_CODE32_START, 0x100000);
	put32(img, O_INITRD_MAX, 0x7fffffff);
	put32(img, O_ALIGN, MiB(2));
	img[O_RELOCATABLE] = 1;
	put32(img, O_CMDLINE_SIZE, 2047);
	put64(img, O_PREF_ADDRESS, MiB(16));
	put32(img, O_INIT_SIZE, MiB(16));
	for (u64 i = 0; i < KERNEL_LEN; i++)
		img[(SETUP_SECT + 1) * 512 + i] = (u8)(i * 7 + 1);
	img_size = (SETUP_SECT + 1) * 512 + KERNEL_LEN;
	memset(&k, 0, sizeof(k));
	memset(&rd, 0, sizeof(rd));
	why[0] = '\0';
	return 0;
}

static int parse(void)
{
	return linux_parse(img, img_size, &k, why, sizeof(why));
}

static void expect_parse_error(int err, const char *msg)
{
	assert_int_equal(parse(), err);
	assert_string_equal(why, msg);
}

static int place(u64 mem, u64 initrd, u64 cmdline)
{
	assert_int_equal(parse(), 0);
	return linux_place(&k, mem, initrd, cmdline, &rd, why, sizeof(why));
}

/* --- header checks ------------------------------------------------------ */

static void test_good_header(void **state)
{
	(void)state;
	assert_true(linux_is_bzimage(img, img_size));
	assert_int_equal(parse(), 0);
	assert_int_equal(k.version, 0x020f);
	assert_int_equal(k.hdr_end, 0x26c);
	assert_int_equal(k.setup_size, 5 * 512);
	assert_int_equal(k.kernel_size, KERNEL_LEN);
	assert_int_equal(k.load, MiB(16));
	assert_int_equal(k.need, MiB(16));
	assert_int_equal(k.end, MiB(32));
	assert_int_equal(k.initrd_limit, 0x80000000ull);
	assert_int_equal(k.cmdline_max, 2047);
}

static void test_not_bzimage(void **state)
{
	(void)state;
	put16(img, O_BOOT_FLAG, 0x55aa);
	assert_false(linux_is_bzimage(img, img_size));
	expect_parse_error(-ENOEXEC, "not a Linux bzImage: no 0xAA55 boot "
				     "flag at 0x1fe");
	setup(NULL);
	memcpy(img + O_HEADER, "HdrT", 4);
	assert_false(linux_is_bzimage(img, img_size));
	expect_parse_error(-ENOEXEC, "not a Linux bzImage: no \"HdrS\" "
				     "signature at 0x202");
	setup(NULL);
	assert_false(linux_is_bzimage(img, O_HEADER + 3));
	assert_true(linux_is_bzimage(img, O_HEADER + 4));
	img_size = O_HEADER + 3;
	expect_parse_error(-ENOEXEC, "not a Linux bzImage: 517 bytes is too "
				     "short for a setup header");
	/* An ELF file is not a bzImage. */
	memcpy(img, "\177ELF", 4);
	memset(img + 4, 0, IMG_MAX - 4);
	assert_false(linux_is_bzimage(img, img_size));
}

static void test_old_protocol(void **state)
{
	(void)state;
	put16(img, O_VERSION, 0x0205);
	expect_parse_error(-ENOTSUP, "Linux boot protocol 2.05 is too old: "
				     "braid needs 2.06 or later");
	put16(img, O_VERSION, 0x0206);
	assert_int_equal(parse(), 0);
}

static void test_zimage(void **state)
{
	(void)state;
	img[O_LOADFLAGS] = 0;
	expect_parse_error(-ENOTSUP,
			   "a zImage (loaded below 1 MiB): braid boots only "
			   "bzImages");
}

static void test_truncated(void **state)
{
	(void)state;
	/* Short of syssize's last paragraph only: whole (memtest86+). */
	img_size -= 8;
	assert_int_equal(parse(), 0);
	assert_int_equal(k.kernel_size, 133632 - 8 - k.setup_size);
	img_size -= 8;
	expect_parse_error(-ENOEXEC, "truncated bzImage: its header says "
				     "133632 bytes, the file has 133616");
	img_size += 16;
	/* setup_sects 0 means 4 (boot.rst). */
	img[O_SETUP_SECTS] = 0;
	assert_int_equal(parse(), 0);
	assert_int_equal(k.setup_size, 5 * 512);
	/* More setup sectors than the file holds. */
	img[O_SETUP_SECTS] = 60;
	expect_parse_error(-ENOEXEC, "truncated bzImage: its header says "
				     "162304 bytes, the file has 133632");
	/* Shorter than the header itself. */
	img_size = 0x240;
	expect_parse_error(-ENOEXEC, "truncated bzImage: 576 bytes, shorter "
				     "than its setup header");
	setup(NULL);
	put32(img, O_SYSSIZE, 0);
	expect_parse_error(-ENOEXEC, "corrupt bzImage header: syssize is 0");
}

/* A 2.06 header ends at cmdline_size: later fields are not the kernel's
 * and must not be read, even if the bytes there are not zero. */
static void test_short_header(void **state)
{
	(void)state;
	put16(img, O_VERSION, 0x0206);
	img[O_JUMP + 1] = 0x3a; /* header ends at 0x23c */
	put32(img, O_CMDLINE_SIZE, 255);
	assert_int_equal(parse(), 0);
	assert_int_equal(k.hdr_end, 0x23c);
	assert_int_equal(k.cmdline_max, 255);
	/* Relocatable before 2.10: no pref_address, loads at code32_start;
	 * no init_size, 4 times the kernel is assumed. */
	assert_int_equal(k.load, 0x100000);
	assert_int_equal(k.need, 4 * KERNEL_LEN);
	assert_int_equal(k.end, 0x100000 + 4 * KERNEL_LEN);
	/* A header that ends before the 2.06 fields it claims to have. */
	img[O_JUMP + 1] = 0x30;
	expect_parse_error(-ENOEXEC, "corrupt bzImage header: it ends at "
				     "0x232, before the fields of protocol "
				     "2.06");
	/* A jump past the end of the zero page's header is cut there. */
	img[O_JUMP + 1] = 0xff;
	put16(img, O_VERSION, 0x020f);
	assert_int_equal(parse(), 0);
	assert_int_equal(k.hdr_end, 0x290);
}

static void test_load_address(void **state)
{
	(void)state;
	/* Relocatable: pref_address, aligned up to kernel_alignment. */
	put64(img, O_PREF_ADDRESS, MiB(16) + 0x1000);
	assert_int_equal(parse(), 0);
	assert_int_equal(k.load, MiB(18));
	put64(img, O_PREF_ADDRESS, 0);
	assert_int_equal(parse(), 0);
	assert_int_equal(k.load, MiB(2));
	put64(img, O_PREF_ADDRESS, ~0ull - 0xfff);
	expect_parse_error(-ENOEXEC, "corrupt bzImage header: pref_address "
				     "0xfffffffffffff000 is beyond any guest's "
				     "RAM");
	put64(img, O_PREF_ADDRESS, 0);
	put32(img, O_ALIGN, 0x300000);
	expect_parse_error(-ENOEXEC, "corrupt bzImage header: kernel_alignment "
				     "0x300000 is not a power of two");
	/* Not relocatable: code32_start; it moves itself to pref_address,
	 * so it needs memory up to pref_address + init_size. */
	setup(NULL);
	img[O_RELOCATABLE] = 0;
	assert_int_equal(parse(), 0);
	assert_int_equal(k.load, 0x100000);
	assert_int_equal(k.end, MiB(32));
	put64(img, O_PREF_ADDRESS, 0);
	assert_int_equal(parse(), 0);
	assert_int_equal(k.end, 0x100000 + MiB(16));
	put32(img, O_CODE32_START, 0x90000);
	expect_parse_error(-ENOEXEC, "corrupt bzImage header: code32_start "
				     "0x90000 is below 1 MiB");
	/* init_size smaller than the kernel itself: the kernel wins. */
	setup(NULL);
	put32(img, O_INIT_SIZE, 0x1000);
	assert_int_equal(parse(), 0);
	assert_int_equal(k.need, KERNEL_LEN);
}

/* --- placement ---------------------------------------------------------- */

static void test_cmdline_too_long(void **state)
{
	(void)state;
	put32(img, O_CMDLINE_SIZE, 100);
	assert_int_equal(place(MiB(64), 0, 100), 0);
	assert_int_equal(place(MiB(64), 0, 101), -E2BIG);
	assert_string_equal(why, "kernel command line is 101 bytes; this "
				 "kernel accepts at most 100");
}

static void test_kernel_too_big(void **state)
{
	(void)state;
	put32(img, O_INIT_SIZE, MiB(64));
	assert_int_equal(place(MiB(32), 0, 0), -E2BIG);
	assert_string_equal(why, "kernel needs 64 MiB at 0x1000000; guest has "
				 "32 MiB: use mem=80M or more");
	/* The hint leaves room for the initrd too. */
	assert_int_equal(place(MiB(32), MiB(3), 0), -E2BIG);
	assert_string_equal(why, "kernel needs 64 MiB at 0x1000000; guest has "
				 "32 MiB: use mem=84M or more");
	assert_int_equal(place(MiB(80), 0, 0), 0);
}

static void test_initrd_placement(void **state)
{
	(void)state;
	/* No initrd. */
	assert_int_equal(place(MiB(64), 0, 0), 0);
	assert_int_equal(rd.gpa, 0);
	assert_int_equal(rd.size, 0);
	/* As high as it goes in RAM, page aligned. */
	assert_int_equal(place(MiB(64), 0x12345, 0), 0);
	assert_int_equal(rd.size, 0x12345);
	assert_int_equal(rd.gpa, ALIGN_DOWN(MiB(64) - 0x12345, 4096));
	assert_true(rd.gpa + rd.size <= MiB(64));
	/* Exactly fills the space after the kernel. */
	assert_int_equal(place(MiB(64), MiB(32), 0), 0);
	assert_int_equal(rd.gpa, MiB(32));
	/* Below initrd_addr_max + 1, not at the end of a bigger RAM. */
	put32(img, O_INITRD_MAX, MiB(48) - 1);
	assert_int_equal(place(MiB(128), MiB(1), 0), 0);
	assert_int_equal(rd.gpa, MiB(47));
	/* RAM stops below the APICs: the largest guest ends at 0xFEC00000,
	 * and more is refused (braid does not split RAM around them). */
	put32(img, O_INITRD_MAX, 0xffffffff);
	assert_int_equal(place(LINUX_MEM_MAX, MiB(1), 0), 0);
	assert_int_equal(rd.gpa, LINUX_MEM_MAX - MiB(1));
	assert_int_equal(place(GiB(8), MiB(1), 0), -E2BIG);
	assert_string_equal(why, "guest RAM (8192 MiB) would cover the APICs "
				 "at 0xFEC00000: use mem=4076M or less");
}

static void test_initrd_too_big(void **state)
{
	(void)state;
	assert_int_equal(place(MiB(64), MiB(32) + 1, 0), -E2BIG);
	assert_string_equal(why, "initrd (33 MiB) does not fit between the "
				 "kernel's end at 0x2000000 and the end of RAM "
				 "at 0x4000000: use mem=66M or more");
	assert_int_equal(place(MiB(16), MiB(1), 0), -E2BIG); /* the kernel */
	/* Bounded by initrd_addr_max: more RAM would not help. */
	put32(img, O_INITRD_MAX, MiB(40) - 1);
	assert_int_equal(place(MiB(128), MiB(9), 0), -E2BIG);
	assert_string_equal(why, "initrd (9 MiB) does not fit between the "
				 "kernel's end at 0x2000000 and its "
				 "initrd_addr_max limit 0x2800000");
	assert_int_equal(place(MiB(128), MiB(8), 0), 0);
	assert_int_equal(rd.gpa, MiB(32));
}

/* --- the zero page ------------------------------------------------------ */

static u8 zp[LINUX_ZERO_PAGE_SIZE];

static void expect_e820(unsigned i, u64 addr, u64 size, u32 type)
{
	const u8 *e = zp + Z_E820_TABLE + 20 * i;

	assert_int_equal(get64(e, 0), addr);
	assert_int_equal(get64(e, 8), size);
	assert_int_equal(get32(e, 16), type);
}

static void test_boot_params(void **state)
{
	(void)state;
	img[O_LOADER_TYPE] = 0x12;
	img[0x26c] = 0x77; /* past the header: not copied */
	memset(zp, 0xcc, sizeof(zp));
	assert_int_equal(place(MiB(64), 0x5000, 10), 0);
	linux_boot_params(zp, img, &k, &rd, MiB(64));
	/* The header is the image's, with the loader's fields set. */
	assert_memory_equal(zp + O_SETUP_SECTS, img + O_SETUP_SECTS,
			    O_LOADER_TYPE - O_SETUP_SECTS);
	assert_int_equal(get32(zp, O_INIT_SIZE), MiB(16));
	assert_int_equal(get64(zp, O_PREF_ADDRESS), MiB(16));
	assert_int_equal(zp[O_LOADER_TYPE], 0xff);
	assert_int_equal(zp[O_LOADFLAGS], 0x01);
	assert_int_equal(get32(zp, O_CODE32_START), MiB(16));
	assert_int_equal(get32(zp, O_CMD_LINE_PTR), LINUX_CMDLINE_GPA);
	assert_int_equal(get32(zp, O_RAMDISK), MiB(64) - 0x5000);
	assert_int_equal(get32(zp, O_RAMDISK_SIZE), 0x5000);
	assert_int_equal(get32(zp, Z_EXT_RAMDISK), 0);
	assert_int_equal(get32(zp, Z_EXT_RAMDISK + 4), 0);
	assert_int_equal(get32(zp, Z_EXT_CMDLINE), 0);
	assert_int_equal(zp[0x26c], 0);
	/* screen_info, the sentinel and the rest are zero. */
	for (unsigned i = 0; i < 0x40; i++)
		assert_int_equal(zp[i], 0);
	assert_int_equal(zp[Z_SENTINEL], 0);
	assert_int_equal(zp[Z_E820_COUNT], 4);
	expect_e820(0, 0, 0x9fc00, 1);
	expect_e820(1, 0x9fc00, 0x400, 2);
	expect_e820(2, 0xf0000, 0x10000, 2);
	expect_e820(3, 0x100000, MiB(63), 1);
	for (unsigned i = Z_E820_TABLE + 4 * 20; i < sizeof(zp); i++)
		assert_int_equal(zp[i], 0);
}

/* --- load_linux() ------------------------------------------------------- */

static void test_load_synthetic(void **state)
{
	struct boot_module initrd = { .start = 0x100000, .end = 0x103000 };
	const u8 *zpg = NULL;
	(void)state;
	fake_phys_fill(initrd.start, 0x3000, 0x5a);
	new_guest(MiB(64));
	assert_int_equal(
		load_linux(&t, img, img_size, &initrd, "console=ttyS0", &entry),
		0);
	assert_string_equal(fake_log,
			    "braid: guest t: Linux bzImage, boot protocol "
			    "2.15, kernel 1 MiB at 0x1000000 (needs 16 MiB), "
			    "initrd 1 MiB at 0x3ffd000\n");
	zpg = fake_ram + LINUX_BOOT_PARAMS_GPA;
	assert_int_equal(zpg[O_LOADER_TYPE], 0xff);
	assert_int_equal(get32(zpg, O_RAMDISK), 0x3ffd000);
	assert_string_equal((char *)fake_ram + LINUX_CMDLINE_GPA,
			    "console=ttyS0");
	assert_memory_equal(fake_ram + MiB(16), img + 5 * 512, KERNEL_LEN);
	assert_memory_equal(fake_ram + 0x3ffd000, fake_phys_ptr(0x100000),
			    0x3000);
	/* The firmware tables (tests/unit/test_fwtables.c checks them). */
	assert_memory_equal(fake_ram + FW_MPTABLE_GPA, "_MP_", 4);
	assert_memory_equal(fake_ram + FW_ACPI_GPA + 0x40, "RSD PTR ", 8);
	/* 32-bit boot protocol: ESI = boot_params, the rest zero. */
	assert_int_equal(entry.eip, MiB(16));
	assert_int_equal(entry.esi, LINUX_BOOT_PARAMS_GPA);
	assert_int_equal(entry.eax, 0);
	assert_int_equal(entry.ebx, 0);
}

static void test_load_errors(void **state)
{
	static char longline[3000];
	(void)state;
	new_guest(MiB(16));
	assert_int_equal(load_linux(&t, img, img_size, NULL, "", &entry),
			 -E2BIG);
	assert_string_equal(
		fake_log, "braid: guest t: error: kernel needs 16 MiB at "
			  "0x1000000; guest has 16 MiB: use mem=32M or more\n");
	assert_int_equal(entry.eip, 0xa5a5a5a5); /* untouched */
	new_guest(MiB(64));
	memset(longline, 'x', sizeof(longline) - 1);
	assert_int_equal(load_linux(&t, img, img_size, NULL, longline, &entry),
			 -E2BIG);
	assert_string_equal(fake_log, "braid: guest t: error: kernel command "
				      "line is 2999 bytes; this kernel accepts "
				      "at most 2047\n");
	new_guest(MiB(64));
	img[O_LOADFLAGS] = 0;
	assert_int_equal(load_linux(&t, img, img_size, NULL, "", &entry),
			 -ENOTSUP);
	assert_non_null(strstr(fake_log, "error: a zImage"));
	assert_int_equal(entry.eip, 0xa5a5a5a5);
}

/* --- the host's own kernel ---------------------------------------------- */

static u8 *read_file(const char *path, u64 *size)
{
	FILE *f = fopen(path, "rb");
	u8 *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

static void test_host_vmlinuz(void **state)
{
	glob_t gl;
	u64 size = 0;
	u8 *vmlinuz = NULL;
	(void)state;
	if (glob("/boot/vmlinuz-*", 0, NULL, &gl) == 0)
		vmlinuz = read_file(gl.gl_pathv[0], &size);
	if (!vmlinuz) {
		print_message("no readable /boot/vmlinuz-*: skipped\n");
		skip();
	}
	assert_true(linux_is_bzimage(vmlinuz, size));
	assert_int_equal(linux_parse(vmlinuz, size, &k, why, sizeof(why)), 0);
	assert_true(k.version >= 0x020a);
	assert_true(k.setup_size + k.kernel_size <= size);
	assert_int_equal(k.load % MiB(2), 0);
	assert_true(k.need >= k.kernel_size);
	/* Too small a guest names the size it needs. */
	new_guest(MiB(32));
	assert_int_equal(load_linux(&t, vmlinuz, size, NULL, "", &entry),
			 -E2BIG);
	assert_non_null(strstr(fake_log, "error: kernel needs "));
	assert_non_null(strstr(fake_log, "use mem="));
	new_guest(RAM_MAX);
	assert_int_equal(
		load_linux(&t, vmlinuz, size, NULL, "console=ttyS0", &entry),
		0);
	assert_non_null(strstr(fake_log, "Linux bzImage, boot protocol 2."));
	assert_memory_equal(fake_ram + k.load, vmlinuz + k.setup_size,
			    k.kernel_size);
	assert_memory_equal(fake_ram + LINUX_BOOT_PARAMS_GPA + 0x1f1,
			    vmlinuz + 0x1f1, 0x210 - 0x1f1);
	assert_int_equal(entry.eip, k.load);
	print_message("%s: protocol %x, kernel %llu KiB at %#llx, needs "
		      "%llu MiB\n",
		      gl.gl_pathv[0], k.version,
		      (unsigned long long)k.kernel_size >> 10,
		      (unsigned long long)k.load,
		      (unsigned long long)k.need >> 20);
	free(vmlinuz);
	globfree(&gl);
}

static int group_setup(void **state)
{
	(void)state;
	img = malloc(IMG_MAX);
	fake_ram = mmap(NULL, RAM_MAX, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return !img || fake_ram == MAP_FAILED;
}

#define TS(fn) cmocka_unit_test_setup(fn, setup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		TS(test_good_header),	 TS(test_not_bzimage),
		TS(test_old_protocol),	 TS(test_zimage),
		TS(test_truncated),	 TS(test_short_header),
		TS(test_load_address),	 TS(test_cmdline_too_long),
		TS(test_kernel_too_big), TS(test_initrd_placement),
		TS(test_initrd_too_big), TS(test_boot_params),
		TS(test_load_synthetic), TS(test_load_errors),
		TS(test_host_vmlinuz),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
