// SPDX-License-Identifier: MIT
/* loader/elf.c: ELF32/ELF64 validation, on images built in a buffer. */
#include <string.h>

#include "loader/elf.h"
#include "tests/unit/unit.h"

/* System V gABI layouts, written down independently of the parser. */
struct t_ehdr64 {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __attribute__((packed));

struct t_phdr64 {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
} __attribute__((packed));

struct t_ehdr32 {
	u8 ident[16];
	u16 type, machine;
	u32 version, entry, phoff, shoff, flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
} __attribute__((packed));

struct t_phdr32 {
	u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
} __attribute__((packed));

#define PT_NULL	  0
#define PT_LOAD	  1
#define PT_NOTE	  4
#define EM_386	  3
#define EM_X86_64 62
#define FILE_SIZE 0x3000

static u8 file[FILE_SIZE];
static u64 size;
static struct elf_image img;
static const char *why;

static struct t_ehdr64 *e64(void)
{
	return (struct t_ehdr64 *)file;
}

static struct t_ehdr32 *e32(void)
{
	return (struct t_ehdr32 *)file;
}

static struct t_phdr64 *ph64(unsigned i)
{
	return (struct t_phdr64 *)(file + e64()->phoff) + i;
}

static struct t_phdr32 *ph32(unsigned i)
{
	return (struct t_phdr32 *)(file + e32()->phoff) + i;
}

static void ident(u8 class)
{
	memcpy(file, "\177ELF", 4);
	file[4] = class;
	file[5] = 1; /* little-endian */
	file[6] = 1; /* EV_CURRENT */
}

/* A 64-bit executable: header, @n program headers right after it. */
static void elf64(unsigned n)
{
	memset(file, 0, sizeof(file));
	ident(2);
	e64()->type = 2;
	e64()->machine = EM_X86_64;
	e64()->version = 1;
	e64()->entry = 0x100020;
	e64()->phoff = sizeof(struct t_ehdr64);
	e64()->ehsize = sizeof(struct t_ehdr64);
	e64()->phentsize = sizeof(struct t_phdr64);
	e64()->phnum = n;
	size = FILE_SIZE;
}

static void seg64(unsigned i, u32 type, u64 off, u64 paddr, u64 filesz,
		  u64 memsz)
{
	*ph64(i) = (struct t_phdr64){ .type = type,
				      .flags = 5,
				      .offset = off,
				      .vaddr = paddr + 0xffff0000,
				      .paddr = paddr,
				      .filesz = filesz,
				      .memsz = memsz,
				      .align = 0x1000 };
}

static void elf32(unsigned n)
{
	memset(file, 0, sizeof(file));
	ident(1);
	e32()->type = 2;
	e32()->machine = EM_386;
	e32()->version = 1;
	e32()->entry = 0x10000c;
	e32()->phoff = sizeof(struct t_ehdr32);
	e32()->ehsize = sizeof(struct t_ehdr32);
	e32()->phentsize = sizeof(struct t_phdr32);
	e32()->phnum = n;
	size = FILE_SIZE;
}

static void seg32(unsigned i, u32 type, u32 off, u32 paddr, u32 filesz,
		  u32 memsz)
{
	*ph32(i) = (struct t_phdr32){ .type = type,
				      .offset = off,
				      .vaddr = paddr,
				      .paddr = paddr,
				      .filesz = filesz,
				      .memsz = memsz,
				      .flags = 7,
				      .align = 0x1000 };
}

/* The usual good 64-bit image: text, a note, data+bss. */
static void good64(void)
{
	elf64(3);
	seg64(0, PT_LOAD, 0x1000, 0x100000, 0x800, 0x800);
	seg64(1, PT_NOTE, 0x200, 0, 0x20, 0x20);
	seg64(2, PT_LOAD, 0x2000, 0x200000, 0x1000, 0x5000);
}

static void good32(void)
{
	elf32(2);
	seg32(0, PT_LOAD, 0x1000, 0x100000, 0x1000, 0x1000);
	seg32(1, PT_LOAD, 0x2000, 0x101000, 0x100, 0x3000);
}

static int parse(void)
{
	why = NULL;
	return elf_parse(file, size, &img, &why);
}

static void expect_bad(const char *msg)
{
	assert_int_equal(parse(), -ENOEXEC);
	assert_non_null(why);
	assert_string_equal(why, msg);
}

static void expect_seg(unsigned i, u64 off, u64 paddr, u64 filesz, u64 memsz)
{
	assert_true(i < img.nr_segments);
	assert_int_equal(img.seg[i].offset, off);
	assert_int_equal(img.seg[i].paddr, paddr);
	assert_int_equal(img.seg[i].filesz, filesz);
	assert_int_equal(img.seg[i].memsz, memsz);
}

/* --- valid images ------------------------------------------------------- */

static void test_valid_elf64(void **state)
{
	(void)state;
	good64();
	assert_int_equal(parse(), 0);
	assert_int_equal(img.bits, 64);
	assert_int_equal(img.entry, 0x100020);
	assert_int_equal(img.nr_segments, 2);
	expect_seg(0, 0x1000, 0x100000, 0x800, 0x800);
	expect_seg(1, 0x2000, 0x200000, 0x1000, 0x5000);
}

static void test_valid_elf32(void **state)
{
	(void)state;
	good32();
	assert_int_equal(parse(), 0);
	assert_int_equal(img.bits, 32);
	assert_int_equal(img.entry, 0x10000c);
	assert_int_equal(img.nr_segments, 2);
	expect_seg(0, 0x1000, 0x100000, 0x1000, 0x1000);
	expect_seg(1, 0x2000, 0x101000, 0x100, 0x3000);
}

static void test_valid_edge_cases(void **state)
{
	(void)state;
	/* A segment ending exactly at the end of the file, a bss-only one
	 * (filesz 0), an empty PT_LOAD (memsz 0, skipped), PT_NULL. */
	elf64(4);
	seg64(0, PT_LOAD, 0x2000, 0x100000, 0x1000, 0x1000);
	seg64(1, PT_LOAD, 0, 0x300000, 0, 0x10000);
	seg64(2, PT_LOAD, 0x100, 0x400000, 0, 0);
	seg64(3, PT_NULL, 0, 0, 0, 0);
	size = 0x3000;
	assert_int_equal(parse(), 0);
	assert_int_equal(img.nr_segments, 2);
	expect_seg(0, 0x2000, 0x100000, 0x1000, 0x1000);
	expect_seg(1, 0, 0x300000, 0, 0x10000);
	/* An ELF64 file for EM_386 is still an x86 executable. */
	good64();
	e64()->machine = EM_386;
	assert_int_equal(parse(), 0);
	/* A segment may end at the very top of the address space. */
	good32();
	seg32(1, PT_LOAD, 0x2000, 0xfffff000, 0x100, 0x1000);
	assert_int_equal(parse(), 0);
	expect_seg(1, 0x2000, 0xfffff000, 0x100, 0x1000);
}

static void test_sixteen_segments_ok_seventeen_not(void **state)
{
	(void)state;
	elf64(ELF_MAX_SEGMENTS);
	for (unsigned i = 0; i < ELF_MAX_SEGMENTS; i++)
		seg64(i, PT_LOAD, 0x1000 + i * 0x10, 0x100000 + i * 0x1000,
		      0x10, 0x1000);
	assert_int_equal(parse(), 0);
	assert_int_equal(img.nr_segments, ELF_MAX_SEGMENTS);
	expect_seg(15, 0x10f0, 0x10f000, 0x10, 0x1000);
	elf64(ELF_MAX_SEGMENTS + 1);
	for (unsigned i = 0; i < ELF_MAX_SEGMENTS + 1; i++)
		seg64(i, PT_LOAD, 0x1000 + i * 0x10, 0x100000 + i * 0x1000,
		      0x10, 0x1000);
	expect_bad("too many loadable segments");
}

/* --- header checks -------------------------------------------------------- */

static void test_bad_magic(void **state)
{
	(void)state;
	good64();
	file[3] = 'G';
	expect_bad("not an ELF file (bad magic)");
	good32();
	file[0] = 0x7e;
	expect_bad("not an ELF file (bad magic)");
	memset(file, 0, sizeof(file));
	expect_bad("not an ELF file (bad magic)");
}

static void test_big_endian(void **state)
{
	(void)state;
	good64();
	file[5] = 2; /* ELFDATA2MSB */
	expect_bad("not a little-endian ELF file");
	good32();
	file[5] = 0; /* ELFDATANONE */
	expect_bad("not a little-endian ELF file");
}

static void test_wrong_class(void **state)
{
	(void)state;
	good64();
	file[4] = 0; /* ELFCLASSNONE */
	expect_bad("unknown ELF class");
	file[4] = 3;
	expect_bad("unknown ELF class");
}

static void test_not_exec(void **state)
{
	(void)state;
	good64();
	e64()->type = 3; /* ET_DYN */
	expect_bad("not an executable (ELF type is not EXEC)");
	e64()->type = 1; /* ET_REL */
	expect_bad("not an executable (ELF type is not EXEC)");
	good32();
	e32()->type = 4; /* ET_CORE */
	expect_bad("not an executable (ELF type is not EXEC)");
}

static void test_wrong_machine(void **state)
{
	(void)state;
	good64();
	e64()->machine = 183; /* EM_AARCH64 */
	expect_bad("not an x86 executable");
	good32();
	e32()->machine = 40; /* EM_ARM */
	expect_bad("not an x86 executable");
	e32()->machine = 0;
	expect_bad("not an x86 executable");
}

static void test_bad_phentsize(void **state)
{
	(void)state;
	good64();
	e64()->phentsize = sizeof(struct t_phdr32);
	expect_bad("bad program header entry size");
	good32();
	e32()->phentsize = sizeof(struct t_phdr64);
	expect_bad("bad program header entry size");
}

static void test_phdrs_beyond_eof(void **state)
{
	(void)state;
	good64();
	e64()->phoff = size + 8;
	expect_bad("program headers lie beyond the end of the file");
	/* The table itself sticks out by one byte. */
	good64();
	e64()->phoff = size - 3 * sizeof(struct t_phdr64) + 1;
	expect_bad("program headers lie beyond the end of the file");
	/* Offsets that would overflow an addition. */
	good64();
	e64()->phoff = ~0ull - 8;
	expect_bad("program headers lie beyond the end of the file");
	good64();
	e64()->phnum = 0xffff;
	expect_bad("program headers lie beyond the end of the file");
	good32();
	e32()->phoff = 0xfffffff0u;
	expect_bad("program headers lie beyond the end of the file");
	/* Exactly at the end is fine. */
	good64();
	memmove(file + size - 3 * sizeof(struct t_phdr64), ph64(0),
		3 * sizeof(struct t_phdr64));
	seg64(0, PT_LOAD, 0, 0, 0, 0); /* clear the old copy's first entry */
	e64()->phoff = size - 3 * sizeof(struct t_phdr64);
	assert_int_equal(parse(), 0);
	assert_int_equal(img.nr_segments, 2);
}

static void test_segment_beyond_eof(void **state)
{
	(void)state;
	good64();
	seg64(2, PT_LOAD, size + 0x1000, 0x200000, 0, 0x1000);
	expect_bad("a segment lies beyond the end of the file");
	good64();
	seg64(2, PT_LOAD, 0x2000, 0x200000, 0x1001, 0x5000);
	expect_bad("a segment lies beyond the end of the file");
	/* offset + filesz overflows 64 bits. */
	good64();
	seg64(2, PT_LOAD, 0xfffffffffffff000ull, 0x200000, 0x2000, 0x5000);
	expect_bad("a segment lies beyond the end of the file");
	good64();
	seg64(2, PT_LOAD, 0x10, 0x200000, ~0ull - 8, ~0ull - 8);
	expect_bad("a segment lies beyond the end of the file");
	good32();
	seg32(1, PT_LOAD, 0x2f00, 0x101000, 0x101, 0x3000);
	expect_bad("a segment lies beyond the end of the file");
}

static void test_filesz_greater_than_memsz(void **state)
{
	(void)state;
	good64();
	seg64(0, PT_LOAD, 0x1000, 0x100000, 0x801, 0x800);
	expect_bad("a segment's file size exceeds its memory size");
	good32();
	seg32(0, PT_LOAD, 0x1000, 0x100000, 0x1000, 0x10);
	expect_bad("a segment's file size exceeds its memory size");
}

static void test_filesz_with_zero_memsz(void **state)
{
	/* filesz > memsz also when memsz is 0: the gABI says p_filesz may not
	 * exceed p_memsz, so such a PT_LOAD makes the file invalid (it must
	 * not be skipped silently as if it were an empty segment). */
	(void)state;
	good64();
	seg64(1, PT_LOAD, 0x2000, 0x300000, 0x100, 0);
	expect_bad("a segment's file size exceeds its memory size");
}

static void test_segment_wraps(void **state)
{
	(void)state;
	good64();
	seg64(0, PT_LOAD, 0x1000, 0xfffffffffffff000ull, 0x800, 0x1001);
	expect_bad("a segment wraps around the address space");
}

static void test_truncated_file(void **state)
{
	(void)state;
	/* Cut inside the last segment. */
	good64();
	size = 0x2fff;
	expect_bad("a segment lies beyond the end of the file");
	/* Cut inside the program headers. */
	good64();
	size = 64 + 2 * 56 + 10;
	expect_bad("program headers lie beyond the end of the file");
	good32();
	size = 52 + 32 + 31;
	expect_bad("program headers lie beyond the end of the file");
	/* Cut inside the ELF header. */
	for (u64 n = 0; n < sizeof(struct t_ehdr64); n++) {
		good64();
		size = n;
		assert_int_equal(parse(), -ENOEXEC);
		assert_non_null(why);
	}
	for (u64 n = 0; n < sizeof(struct t_ehdr32); n++) {
		good32();
		size = n;
		assert_int_equal(parse(), -ENOEXEC);
		assert_non_null(why);
	}
}

static void test_no_load_segments(void **state)
{
	(void)state;
	elf64(0);
	expect_bad("no loadable segments");
	elf64(2);
	seg64(0, PT_NOTE, 0x1000, 0, 0x10, 0x10);
	seg64(1, PT_LOAD, 0x1000, 0x100000, 0, 0); /* empty */
	expect_bad("no loadable segments");
	elf32(1);
	seg32(0, 0x6474e551, 0, 0, 0, 0); /* PT_GNU_STACK */
	expect_bad("no loadable segments");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_valid_elf64),
		T(test_valid_elf32),
		T(test_valid_edge_cases),
		T(test_sixteen_segments_ok_seventeen_not),
		T(test_bad_magic),
		T(test_big_endian),
		T(test_wrong_class),
		T(test_not_exec),
		T(test_wrong_machine),
		T(test_bad_phentsize),
		T(test_phdrs_beyond_eof),
		T(test_segment_beyond_eof),
		T(test_filesz_greater_than_memsz),
		T(test_filesz_with_zero_memsz),
		T(test_segment_wraps),
		T(test_truncated_file),
		T(test_no_load_segments),
	};

	return cmocka_run_group_tests_name("elf", tests, NULL, NULL);
}
