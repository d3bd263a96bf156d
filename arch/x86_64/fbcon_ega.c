// SPDX-License-Identifier: MIT
/*
 * The EGA text screen: a cell is a 16-bit word, character in the low byte
 * and attribute in the high one (IBM VGA Technical Reference,
 * "Alphanumeric Modes"); rows are @pitch bytes apart.
 */
#include "arch/x86_64/fbcon_screen.h"
#include "lib/phys.h"

#define ATTR_GREY_ON_BLACK 0x07

static volatile u16 *cells;
static u32 cols, rows, row_words; /* row_words: pitch in cells */

/* The VGA's own font has glyphs for every byte; braid shows only
 * printable ASCII and marks the rest. */
static void ega_put(u32 col, u32 row, char c)
{
	u8 ch = c >= 0x20 && c < 0x7f ? (u8)c : '?';

	cells[row * row_words + col] = ATTR_GREY_ON_BLACK << 8 | ch;
}

static void ega_scroll(void)
{
	for (u32 r = 1; r < rows; r++)
		for (u32 i = 0; i < cols; i++)
			cells[(r - 1) * row_words + i] =
				cells[r * row_words + i];
}

int fbcon_ega_init(const struct boot_fb *fb, struct fbcon_screen *s)
{
	if (fb->type != BOOT_FB_EGA_TEXT || fb->bpp != 16 || !fb->width ||
	    !fb->height || fb->pitch < fb->width * 2)
		return -ENOTSUP;
	cells = pa_to_va(fb->addr);
	cols = fb->width;
	rows = fb->height;
	row_words = fb->pitch / 2;
	/* Start at the bottom, below what the loader printed. */
	*s = (struct fbcon_screen){ cols, rows, rows - 1, ega_put, ega_scroll };
	return 0;
}
