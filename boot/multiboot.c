// SPDX-License-Identifier: MIT
/*
 * Parsing of the multiboot (v1) and multiboot2 boot information into one
 * loader-neutral struct boot_info. Every length the loader gives is checked
 * before it is followed, so a malformed block is reported, never walked off.
 */
#include "boot/bootinfo.h"
#include "lib/string.h"
#include "lib/phys.h"

/* Multiboot 0.6.96, section 3.3: the v1 information structure. */
struct mb1_info {
	u32 flags;
	u32 mem_lower, mem_upper;
	u32 boot_device;
	u32 cmdline;
	u32 mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __attribute__((packed));
#define MB1_INFO_CMDLINE BIT(2)
#define MB1_INFO_MODS	 BIT(3)
#define MB1_INFO_MMAP	 BIT(6)

struct mb1_module {
	u32 start, end, string, reserved;
} __attribute__((packed));

struct mb1_mmap_entry {
	u32 size; /* of the rest of the entry, not counting this field */
	u64 base, len;
	u32 type;
} __attribute__((packed));

/* Multiboot2, section 3.6: a fixed header followed by 8-aligned tags. */
struct mb2_tag {
	u32 type, size;
};
#define MB2_TAG_END	  0
#define MB2_TAG_CMDLINE	  1
#define MB2_TAG_MODULE	  3
#define MB2_TAG_MMAP	  6
#define MB2_TAG_FB	  8
#define MB2_TAG_ACPI_OLD  14
#define MB2_TAG_ACPI_NEW  15
#define MB2_MAX_INFO_SIZE (1u << 20)

struct mb2_mmap_entry {
	u64 base, len;
	u32 type, reserved;
};

/* Copy at most @max bytes of @src; true if it had to be cut to fit @size
 * (a string of @size - 1 bytes or fewer, or one bounded by @max < @size,
 * is copied whole). */
static bool copy_string(char *dst, size_t size, const char *src, size_t max)
{
	size_t n = strnlen(src, max);
	bool cut = n >= size;

	if (cut)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return cut;
}

static void add_range(struct boot_info *bi, u64 base, u64 len, u32 type)
{
	if (bi->nr_mmap == BOOT_MAX_MMAP) {
		bi->truncated++;
		return;
	}
	bi->mmap[bi->nr_mmap++] = (struct boot_mem_range){ base, len, type };
}

static void add_module(struct boot_info *bi, u64 start, u64 end,
		       const char *cmd, size_t max)
{
	struct boot_module *m;

	if (bi->nr_modules == BOOT_MAX_MODULES) {
		bi->truncated++;
		return;
	}
	m = &bi->modules[bi->nr_modules++];
	m->start = start;
	m->end = end;
	m->truncated = copy_string(m->cmdline, sizeof(m->cmdline),
				   cmd ? cmd : "", max);
}

static int fail(struct boot_info *bi, const char *why)
{
	bi->error = why;
	return -EINVAL;
}

static int parse_mb1(phys_t info, struct boot_info *bi)
{
	const struct mb1_info *mbi = pa_to_va(info);
	u32 i, off;

	if (mbi->flags & MB1_INFO_CMDLINE)
		bi->cmdline_truncated =
			copy_string(bi->cmdline, sizeof(bi->cmdline),
				    pa_to_va(mbi->cmdline), BOOT_CMDLINE_MAX);
	if (!(mbi->flags & MB1_INFO_MMAP))
		return fail(bi, "multiboot info has no memory map");
	for (off = 0; off + sizeof(u32) <= mbi->mmap_length;) {
		const struct mb1_mmap_entry *e =
			pa_to_va(mbi->mmap_addr + (u64)off);

		if (e->size < 20 || (u64)off + e->size + 4 > mbi->mmap_length)
			return fail(
				bi,
				"multiboot memory map entry overruns the map");
		add_range(bi, e->base, e->len, e->type);
		off += e->size + 4;
	}
	if (!(mbi->flags & MB1_INFO_MODS))
		return 0;
	for (i = 0; i < mbi->mods_count; i++) {
		const struct mb1_module *m =
			pa_to_va(mbi->mods_addr + (u64)i * sizeof(*m));

		if (m->end < m->start)
			return fail(bi,
				    "multiboot module ends before it starts");
		add_module(bi, m->start, m->end,
			   m->string ? pa_to_va(m->string) : NULL,
			   BOOT_MODLINE_MAX);
	}
	return 0;
}

static int parse_mb2_mmap(const struct mb2_tag *tag, struct boot_info *bi)
{
	const u32 *hdr = (const u32 *)(tag + 1);
	const u8 *p = (const u8 *)(hdr + 2);
	const u8 *end = (const u8 *)tag + tag->size;
	u32 entry_size;

	if (tag->size < 16)
		return fail(bi, "multiboot2 memory map tag is malformed");
	entry_size = hdr[0];
	if (entry_size < sizeof(struct mb2_mmap_entry))
		return fail(bi, "multiboot2 memory map tag is malformed");
	for (; p + entry_size <= end; p += entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;

		add_range(bi, e->base, e->len, e->type);
	}
	return 0;
}

/* Tags 14 and 15 carry a copy of the RSDP itself; keep ours, since the
 * loader's memory is handed to the frame allocator. The newer (ACPI 2.0+)
 * copy wins over the old one whatever their order. */
static void parse_mb2_rsdp(const struct mb2_tag *tag, struct boot_info *bi)
{
	size_t n = MIN(tag->size - sizeof(*tag), (size_t)BOOT_RSDP_MAX);

	if (tag->type == MB2_TAG_ACPI_OLD && bi->rsdp_len > 20)
		return;
	memcpy(bi->rsdp, tag + 1, n);
	bi->rsdp_len = n;
}

/* Multiboot2 3.6.12: the framebuffer info tag; the colour fields follow
 * only for framebuffer_type 1 (RGB). */
struct mb2_tag_framebuffer {
	u32 type, size;
	u64 framebuffer_addr;
	u32 framebuffer_pitch;
	u32 framebuffer_width;
	u32 framebuffer_height;
	u8 framebuffer_bpp;
	u8 framebuffer_type;
	u16 reserved;
	u8 framebuffer_red_field_position;
	u8 framebuffer_red_mask_size;
	u8 framebuffer_green_field_position;
	u8 framebuffer_green_mask_size;
	u8 framebuffer_blue_field_position;
	u8 framebuffer_blue_mask_size;
} __attribute__((packed));
_Static_assert(sizeof(struct mb2_tag_framebuffer) == 38, "Multiboot2 3.6.12");
#define MB2_FB_COMMON_SIZE \
	offsetof(struct mb2_tag_framebuffer, framebuffer_red_field_position)

static int parse_mb2_fb(const struct mb2_tag *tag, struct boot_info *bi)
{
	const struct mb2_tag_framebuffer *t = (const void *)tag;
	struct boot_fb *fb = &bi->fb;

	if (tag->size < MB2_FB_COMMON_SIZE)
		return fail(bi, "multiboot2 framebuffer tag is malformed");
	fb->addr = t->framebuffer_addr;
	fb->pitch = t->framebuffer_pitch;
	fb->width = t->framebuffer_width;
	fb->height = t->framebuffer_height;
	fb->bpp = t->framebuffer_bpp;
	fb->type = t->framebuffer_type;
	if (fb->type == BOOT_FB_RGB) {
		if (tag->size < sizeof(*t))
			return fail(bi,
				    "multiboot2 framebuffer tag is malformed");
		fb->red_pos = t->framebuffer_red_field_position;
		fb->red_size = t->framebuffer_red_mask_size;
		fb->green_pos = t->framebuffer_green_field_position;
		fb->green_size = t->framebuffer_green_mask_size;
		fb->blue_pos = t->framebuffer_blue_field_position;
		fb->blue_size = t->framebuffer_blue_mask_size;
	}
	bi->has_fb = true;
	return 0;
}

static int parse_mb2_tag(const struct mb2_tag *tag, struct boot_info *bi)
{
	const u32 *w = (const u32 *)(tag + 1);
	size_t payload = tag->size - sizeof(*tag);

	switch (tag->type) {
	case MB2_TAG_CMDLINE:
		bi->cmdline_truncated =
			copy_string(bi->cmdline, sizeof(bi->cmdline),
				    (const char *)w, payload);
		return 0;
	case MB2_TAG_MODULE:
		if (payload < 8 || w[1] < w[0])
			return fail(bi, "multiboot2 module tag is malformed");
		add_module(bi, w[0], w[1], (const char *)(w + 2), payload - 8);
		return 0;
	case MB2_TAG_MMAP: return parse_mb2_mmap(tag, bi);
	case MB2_TAG_FB: return parse_mb2_fb(tag, bi);
	case MB2_TAG_ACPI_OLD:
	case MB2_TAG_ACPI_NEW: parse_mb2_rsdp(tag, bi); return 0;
	default: return 0; /* tags we do not need are skipped */
	}
}

static int parse_mb2(phys_t info, struct boot_info *bi)
{
	const u8 *base = pa_to_va(info);
	u32 total = *(const u32 *)base;
	u32 off = 8;
	bool have_mmap = false;

	if (total < 16 || total > MB2_MAX_INFO_SIZE)
		return fail(bi, "multiboot2 info has an impossible size");
	while (off + sizeof(struct mb2_tag) <= total) {
		const struct mb2_tag *tag = (const void *)(base + off);
		int err;

		if (tag->type == MB2_TAG_END)
			break;
		if (tag->size < sizeof(*tag) || tag->size > total - off)
			return fail(bi,
				    "multiboot2 tag overruns the info block");
		err = parse_mb2_tag(tag, bi);
		if (err)
			return err;
		have_mmap |= tag->type == MB2_TAG_MMAP;
		off += ALIGN_UP((u64)tag->size, 8);
	}
	if (!have_mmap)
		return fail(bi, "multiboot2 info has no memory map");
	return 0;
}

int bootinfo_parse(u32 magic, phys_t info, struct boot_info *bi)
{
	memset(bi, 0, sizeof(*bi));
	if (magic == MB1_BOOTLOADER_MAGIC) {
		bi->protocol = 1;
		return parse_mb1(info, bi);
	}
	if (magic == MB2_BOOTLOADER_MAGIC) {
		bi->protocol = 2;
		return parse_mb2(info, bi);
	}
	return fail(bi, "not started by a multiboot loader (bad EAX magic)");
}
