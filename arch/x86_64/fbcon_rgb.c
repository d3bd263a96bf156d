// SPDX-License-Identifier: MIT
/*
 * A linear RGB framebuffer (multiboot2 3.6.12 framebuffer_type 1, what
 * GRUB passes on from UEFI's GOP): braid draws each character from its own
 * font (font8x16.c), light grey on black, in 8x16-pixel cells. Each
 * colour's position and width in a pixel come from the loader's tag, so
 * RGB and BGR orders and 16, 24 or 32 bits a pixel all work.
 */
#include "arch/x86_64/fbcon_screen.h"
#include "arch/x86_64/font.h"
#include "lib/phys.h"
#include "lib/string.h"

/* Cells braid keeps track of: a 3840x2160 screen's worth; a larger
 * screen is used up to that. */
#define RGB_MAX_COLS 480
#define RGB_MAX_ROWS 135
#define GREY	     0xaa /* the VGA's light grey, text attribute 7 */

static volatile u8 *base;
static u32 pitch, pixel_bytes;
static u32 cols, rows;
static u32 fg; /* black is 0 in every layout */
/* What each cell shows: scrolling redraws only the cells that change, and
 * never reads the framebuffer back, which braid maps uncacheable
 * (mm/hostmap.c) and where every read would wait on the device. */
static char shown[RGB_MAX_ROWS][RGB_MAX_COLS];

/* An 8-bit @level scaled to a colour field @size bits wide at bit @pos. */
static u32 field(u8 level, u8 pos, u8 size)
{
	u32 v = level;

	if (!size) /* a layout without this colour */
		return 0;
	v = size >= 8 ? v << (size - 8) : v >> (8 - size);
	return v << pos;
}

static void put_pixel(volatile u8 *p, u32 v)
{
	switch (pixel_bytes) {
	case 4: *(volatile u32 *)p = v; break;
	case 2: *(volatile u16 *)p = (u16)v; break;
	default:
		p[0] = (u8)v;
		p[1] = (u8)(v >> 8);
		p[2] = (u8)(v >> 16);
	}
}

static void draw(u32 col, u32 row, char c)
{
	const u8 *g = font_glyph(c);
	volatile u8 *line = base + (u64)row * FONT_HEIGHT * pitch +
			    (u64)col * FONT_WIDTH * pixel_bytes;

	for (u32 gy = 0; gy < FONT_HEIGHT; gy++, line += pitch)
		for (u32 gx = 0; gx < FONT_WIDTH; gx++)
			put_pixel(line + gx * pixel_bytes,
				  g[gy] & (0x80 >> gx) ? fg : 0);
}

static void rgb_put(u32 col, u32 row, char c)
{
	if (shown[row][col] == c)
		return;
	shown[row][col] = c;
	draw(col, row, c);
}

/* Each row takes the one below it: text lines share much (every braid
 * line starts "braid: "), and blank cells stay blank. */
static void rgb_scroll(void)
{
	for (u32 r = 0; r + 1 < rows; r++)
		for (u32 c = 0; c < cols; c++)
			rgb_put(c, r, shown[r + 1][c]);
}

/* All of it black, the margins right and below the cells too: the
 * firmware's and the loader's text goes. */
static void clear(const struct boot_fb *fb)
{
	volatile u8 *line = base;

	for (u32 y = 0; y < fb->height; y++, line += pitch)
		for (u32 x = 0; x < fb->width; x++)
			put_pixel(line + x * pixel_bytes, 0);
	memset(shown, ' ', sizeof(shown));
}

static u32 bytes_per_pixel(u8 bpp)
{
	switch (bpp) {
	case 32: return 4;
	case 24: return 3;
	case 16:
	case 15: return 2;
	default: return 0;
	}
}

static bool fields_fit(const struct boot_fb *fb)
{
	return fb->red_pos + fb->red_size <= fb->bpp &&
	       fb->green_pos + fb->green_size <= fb->bpp &&
	       fb->blue_pos + fb->blue_size <= fb->bpp;
}

int fbcon_rgb_init(const struct boot_fb *fb, struct fbcon_screen *s)
{
	pixel_bytes = bytes_per_pixel(fb->bpp);
	if (fb->type != BOOT_FB_RGB || !pixel_bytes || !fields_fit(fb) ||
	    fb->width < FONT_WIDTH || fb->height < FONT_HEIGHT ||
	    fb->pitch < (u64)fb->width * pixel_bytes)
		return -ENOTSUP;
	base = pa_to_va(fb->addr);
	pitch = fb->pitch;
	cols = MIN(fb->width / FONT_WIDTH, (u32)RGB_MAX_COLS);
	rows = MIN(fb->height / FONT_HEIGHT, (u32)RGB_MAX_ROWS);
	fg = field(GREY, fb->red_pos, fb->red_size) |
	     field(GREY, fb->green_pos, fb->green_size) |
	     field(GREY, fb->blue_pos, fb->blue_size);
	clear(fb);
	*s = (struct fbcon_screen){ cols, rows, 0, rgb_put, rgb_scroll };
	return 0;
}
