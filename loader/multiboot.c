// SPDX-License-Identifier: MIT
/*
 * A multiboot (v1) loader for guests, following the Multiboot 0.6.96
 * specification: find the header in the first 8 KiB, load the ELF segments
 * (or the a.out-kludge range) at their physical addresses in guest RAM,
 * then enter at the entry point with EAX = 0x2BADB002 and EBX = the info.
 *
 * The boot information lives in low guest memory:
 *
 *   0x1000  struct mb_info           0x2000  guest command line
 *   0x1100  memory map (4 entries)   0x2400  module command line
 *   0x1200  module list (1 entry)    0x2800  boot loader name
 *
 * and the MP and ACPI tables in the "BIOS ROM" area the memory map
 * reserves (loader/fwtables.h), written after the image.
 */
#include "loader/elf.h"
#include "loader/fwtables.h"
#include "loader/multiboot.h"
#include "lib/log.h"
#include "lib/string.h"
#include "lib/phys.h"

#define MB_HEADER_MAGIC	    0x1badb002u
#define MB_SEARCH_LIMIT	    8192
#define MB_FLAG_AOUT_KLUDGE BIT(16)
#define MB_FLAGS_KNOWN	    (BIT(0) | BIT(1) | BIT(2)) /* required bits we meet */

#define INFO_BASE    0x1000
#define INFO_MMAP    0x1100
#define INFO_MODS    0x1200
#define INFO_CMDLINE 0x2000
#define INFO_MODLINE 0x2400
#define INFO_LOADER  0x2800
#define INFO_END     0x3000

#define MBI_MEM		BIT(0)
#define MBI_CMDLINE	BIT(2)
#define MBI_MODS	BIT(3)
#define MBI_MMAP	BIT(6)
#define MBI_LOADER_NAME BIT(9)

struct mb_header {
	u32 magic, flags, checksum;
	u32 header_addr, load_addr, load_end_addr, bss_end_addr, entry_addr;
};

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline;
	u32 mods_count, mods_addr, syms[4], mmap_length, mmap_addr;
	u32 drives_length, drives_addr, config_table, boot_loader_name;
} __attribute__((packed));

struct mb_mmap {
	u32 size;
	u64 addr, len;
	u32 type;
} __attribute__((packed));

struct mb_module {
	u32 start, end, string, reserved;
};

/* Offset of a valid multiboot header, or -1. */
static long find_header(const u8 *img, u64 size)
{
	for (u64 off = 0;
	     off + sizeof(struct mb_header) <= MIN(size, MB_SEARCH_LIMIT);
	     off += 4) {
		const struct mb_header *h = (const void *)(img + off);

		if (h->magic == MB_HEADER_MAGIC &&
		    h->magic + h->flags + h->checksum == 0)
			return (long)off;
	}
	return -1;
}

/* Is [start, end) inside guest RAM and clear of the boot information? */
static int check_range(const struct load_target *t, u64 start, u64 end)
{
	if (end < start || end > t->ram->size) {
		load_err(
			t,
			"image does not fit: it loads at 0x%llx-0x%llx but mem=%lluM",
			(unsigned long long)start, (unsigned long long)end,
			(unsigned long long)(t->ram->size >> 20));
		return -E2BIG;
	}
	if (start < INFO_END && end > INFO_BASE) {
		load_err(t, "image overlaps the boot information at 0x%x-0x%x",
			 INFO_BASE, INFO_END);
		return -EINVAL;
	}
	return 0;
}

/* Copy @filesz bytes and zero the rest up to @memsz. */
static int place(const struct load_target *t, u64 gpa, const u8 *src,
		 u64 filesz, u64 memsz)
{
	static const u8 zero[256];
	int err = check_range(t, gpa, gpa + memsz);

	if (!err)
		err = guest_mem_write(t->ram, gpa, src, filesz);
	for (u64 off = filesz; !err && off < memsz; off += sizeof(zero))
		err = guest_mem_write(t->ram, gpa + off, zero,
				      MIN(sizeof(zero), memsz - off));
	return err;
}

static int load_elf(const struct load_target *t, const u8 *img, u64 size,
		    u64 *entry, u64 *end)
{
	struct elf_image elf;
	const char *why;
	int err = elf_parse(img, size, &elf, &why);

	if (err) {
		load_err(t, "corrupt ELF image: %s", why);
		return err;
	}
	for (unsigned i = 0; i < elf.nr_segments && !err; i++) {
		const struct elf_segment *s = &elf.seg[i];

		err = place(t, s->paddr, img + s->offset, s->filesz, s->memsz);
		*end = MAX(*end, s->paddr + s->memsz);
	}
	*entry = elf.entry;
	return err;
}

/* The a.out kludge (spec 3.1.3): the header says where the file goes. */
static int load_aout(const struct load_target *t, const u8 *img, u64 size,
		     long hoff, u64 *entry, u64 *end)
{
	const struct mb_header *h = (const void *)(img + hoff);
	u64 file_off = hoff - (u64)(h->header_addr - h->load_addr);
	u64 load_end = h->load_end_addr ? h->load_end_addr
					: h->load_addr + (size - file_off);
	u64 bss_end = h->bss_end_addr ? h->bss_end_addr : load_end;

	if (h->header_addr < h->load_addr ||
	    (u64)hoff < h->header_addr - h->load_addr ||
	    load_end < h->load_addr ||
	    load_end - h->load_addr > size - file_off || bss_end < load_end) {
		load_err(
			t,
			"corrupt multiboot header: inconsistent address fields");
		return -ENOEXEC;
	}
	*entry = h->entry_addr;
	*end = bss_end;
	return place(t, h->load_addr, img + file_off, load_end - h->load_addr,
		     bss_end - h->load_addr);
}

static int put_string(const struct load_target *t, gpa_t gpa, const char *s,
		      u64 max)
{
	u64 n = strnlen(s, max - 1);
	char nul = 0;

	return guest_mem_write(t->ram, gpa, s, n)
		       ?: guest_mem_write(t->ram, gpa + n, &nul, 1);
}

static void build_mmap(const struct load_target *t, struct mb_info *mbi)
{
	const struct mb_mmap map[] = {
		{ 20, 0, 0x9fc00, 1 },
		{ 20, 0x9fc00, 0x100000 - 0x9fc00, 2 },
		{ 20, 0x100000, t->ram->size - 0x100000, 1 },
	};

	guest_mem_write(t->ram, INFO_MMAP, map, sizeof(map));
	mbi->mmap_addr = INFO_MMAP;
	mbi->mmap_length = sizeof(map);
	mbi->mem_lower = 0x9fc00 >> 10;
	mbi->mem_upper = (t->ram->size - 0x100000) >> 10;
	mbi->flags |= MBI_MEM | MBI_MMAP;
}

static int place_module(const struct load_target *t, struct mb_info *mbi,
			u64 *end, const struct boot_module *m)
{
	u64 at = ALIGN_UP(*end, PAGE_SIZE), len = m->end - m->start;
	struct mb_module mod = { at, at + len, INFO_MODLINE, 0 };
	int err;

	if (at + len > t->ram->size) {
		load_err(t, "its module (%llu KiB) does not fit in mem=%lluM",
			 (unsigned long long)(len >> 10),
			 (unsigned long long)(t->ram->size >> 20));
		return -E2BIG;
	}
	err = guest_mem_write(t->ram, at, pa_to_va(m->start), len) ?:
	      guest_mem_write(t->ram, INFO_MODS, &mod, sizeof(mod)) ?:
	      put_string(t, INFO_MODLINE, m->cmdline, 0x400);
	mbi->mods_addr = INFO_MODS;
	mbi->mods_count = 1;
	mbi->flags |= MBI_MODS;
	*end = at + len;
	return err;
}

static int build_info(const struct load_target *t, u64 end,
		      const struct boot_module *extra)
{
	struct mb_info mbi;
	int err;

	memset(&mbi, 0, sizeof(mbi));
	build_mmap(t, &mbi);
	err = put_string(t, INFO_CMDLINE, t->cmdline, 0x400)
		      ?: put_string(t, INFO_LOADER, "braid", 16);
	mbi.cmdline = INFO_CMDLINE;
	mbi.boot_loader_name = INFO_LOADER;
	mbi.flags |= MBI_CMDLINE | MBI_LOADER_NAME;
	if (!err && extra)
		err = place_module(t, &mbi, &end, extra);
	return err ?: guest_mem_write(t->ram, INFO_BASE, &mbi, sizeof(mbi));
}

int load_multiboot(const struct load_target *t, const u8 *img, u64 size,
		   const struct boot_module *extra, struct boot_entry *out)
{
	long hoff = find_header(img, size);
	const struct mb_header *h = (const void *)(img + hoff);
	u64 entry = 0, end = 0;
	int err;

	if (hoff < 0) {
		load_err(t, "not a multiboot kernel: no valid multiboot header "
			    "in its first 8 KiB");
		return -ENOEXEC;
	}
	if (h->flags & 0xffff & ~MB_FLAGS_KNOWN) {
		load_err(t,
			 "its multiboot header requires features braid lacks "
			 "(flags 0x%x)",
			 h->flags);
		return -ENOTSUP;
	}
	if (h->flags & MB_FLAG_AOUT_KLUDGE)
		err = load_aout(t, img, size, hoff, &entry, &end);
	else
		err = load_elf(t, img, size, &entry, &end);
	if (err)
		return err;
	if (entry >= t->ram->size) {
		load_err(t, "entry point 0x%llx is outside its RAM",
			 (unsigned long long)entry);
		return -ENOEXEC;
	}
	err = build_info(t, end, extra) ?: fw_tables_write(t, t->nr_vcpus);
	if (err)
		return err;
	/* Spec 3.2, "Machine state". */
	*out = (struct boot_entry){ .eip = (u32)entry,
				    .eax = MB1_BOOTLOADER_MAGIC,
				    .ebx = INFO_BASE };
	return 0;
}
