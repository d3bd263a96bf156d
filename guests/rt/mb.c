// SPDX-License-Identifier: MIT
/* Multiboot v1 info block parsing (Multiboot Specification 0.6.96, 3.3). */
#include "mb.h"
#include "printf.h"
#include "segments.h"

#define MBI_MEM	    BIT(0)
#define MBI_CMDLINE BIT(2)
#define MBI_MODS    BIT(3)
#define MBI_MMAP    BIT(6)

/* Without usable info, assume only what every configuration has. */
#define FALLBACK_RAM (16 * MiB)

struct mbi {
	u32 flags;
	u32 mem_lower;
	u32 mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count;
	u32 mods_addr;
	u32 syms[4];
	u32 mmap_length;
	u32 mmap_addr;
} __packed;

/* Each entry is preceded by its own size, which excludes the size field. */
struct mbi_mmap {
	u32 size;
	u64 addr;
	u64 len;
	u32 type;
} __packed;

struct mbi_mod {
	u32 start;
	u32 end;
	u32 string;
	u32 reserved;
} __packed;

struct boot_info boot;
static char cmdline_copy[512];

static void note_loader_use(u64 start, u64 len)
{
	if (start + len > boot.loader_end)
		boot.loader_end = start + len;
}

static void copy_cmdline(u32 pa)
{
	const char *src = (const char *)(u64)pa;
	size_t n = strlen(src);

	note_loader_use(pa, n + 1);
	if (n >= sizeof(cmdline_copy))
		n = sizeof(cmdline_copy) - 1;
	memcpy(cmdline_copy, src, n);
	cmdline_copy[n] = '\0';
	boot.cmdline = cmdline_copy;
}

static void add_range(u64 addr, u64 len, u32 type)
{
	if (boot.nr_ranges < MB_MAX_RANGES)
		boot.ranges[boot.nr_ranges++] =
			(struct mb_range){ addr, len, type };
	if (type != MB_RAM)
		return;
	boot.ram_bytes += len;
	if (addr + len > boot.ram_end)
		boot.ram_end = addr + len;
}

static void copy_mmap(u32 pa, u32 length)
{
	u64 p = pa, end = (u64)pa + length;

	note_loader_use(pa, length);
	while (p + sizeof(struct mbi_mmap) <= end) {
		const struct mbi_mmap *e = (const void *)p;

		add_range(e->addr, e->len, e->type);
		p += e->size + sizeof(e->size);
	}
}

/* Modules are not used, but their memory must not be handed out. */
static void note_modules(u32 pa, u32 count)
{
	const struct mbi_mod *m = (const void *)(u64)pa;
	u32 i;

	note_loader_use(pa, count * sizeof(*m));
	for (i = 0; i < count; i++)
		note_loader_use(m[i].start, m[i].end - m[i].start);
}

/* mem_lower/mem_upper alone: RAM from 0 and from 1 MiB (spec 3.3). */
static void ranges_from_mem_fields(void)
{
	add_range(0, boot.mem_lower_kib * KiB, MB_RAM);
	add_range(1 * MiB, boot.mem_upper_kib * KiB, MB_RAM);
}

void mb_parse(u32 magic, u64 mbi_pa)
{
	const struct mbi *mbi = (const void *)mbi_pa;

	boot.magic = magic;
	if (magic != MB_BOOT_MAGIC) {
		add_range(1 * MiB, FALLBACK_RAM - 1 * MiB, MB_RAM);
		return;
	}
	note_loader_use(mbi_pa, sizeof(*mbi));
	boot.flags = mbi->flags;
	if (mbi->flags & MBI_MEM) {
		boot.mem_lower_kib = mbi->mem_lower;
		boot.mem_upper_kib = mbi->mem_upper;
	}
	if (mbi->flags & MBI_CMDLINE)
		copy_cmdline(mbi->cmdline);
	if (mbi->flags & MBI_MODS)
		note_modules(mbi->mods_addr, mbi->mods_count);
	if (mbi->flags & MBI_MMAP)
		copy_mmap(mbi->mmap_addr, mbi->mmap_length);
	if (!boot.nr_ranges && (mbi->flags & MBI_MEM))
		ranges_from_mem_fields();
	if (!boot.nr_ranges)
		add_range(1 * MiB, FALLBACK_RAM - 1 * MiB, MB_RAM);
}

u64 mb_ram_range_end(u64 pa)
{
	unsigned int i;

	for (i = 0; i < boot.nr_ranges; i++) {
		const struct mb_range *r = &boot.ranges[i];

		if (r->type == MB_RAM && pa >= r->addr && pa < r->addr + r->len)
			return r->addr + r->len;
	}
	return 0;
}

void mb_print(void)
{
	unsigned int i;

	printf("multiboot: magic %#x flags %#x mem_lower %u KiB mem_upper %u KiB\n",
	       boot.magic, boot.flags, boot.mem_lower_kib, boot.mem_upper_kib);
	for (i = 0; i < boot.nr_ranges; i++)
		printf("  [%#011lx-%#011lx] type %u\n", boot.ranges[i].addr,
		       boot.ranges[i].addr + boot.ranges[i].len - 1,
		       boot.ranges[i].type);
	printf("  RAM: %lu KiB available, ends at %#lx\n", boot.ram_bytes / KiB,
	       boot.ram_end);
}

bool cmdline_has(const char *cmdline, const char *word)
{
	size_t n = strlen(word);
	const char *p = cmdline;

	while (*p) {
		while (*p == ' ')
			p++;
		if (!memcmp(p, word, n) && (p[n] == ' ' || p[n] == '\0'))
			return true;
		while (*p && *p != ' ')
			p++;
	}
	return false;
}
