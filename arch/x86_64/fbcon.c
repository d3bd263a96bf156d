// SPDX-License-Identifier: MIT
/*
 * The EGA text console: a cell is a 16-bit word, character in the low
 * byte and attribute in the high one (IBM VGA Technical Reference,
 * "Alphanumeric Modes"); rows are @pitch bytes apart.
 */
#include "arch/x86_64/fbcon.h"
#include "lib/phys.h"
#include "lib/string.h"

#define ATTR_GREY_ON_BLACK 0x07

static volatile u16 *cells;
static u32 cols, rows, row_words; /* row_words: pitch in cells */
static u32 x, y;

int fbcon_init(const struct boot_fb *fb)
{
	if (fb->type != BOOT_FB_EGA_TEXT || fb->bpp != 16 || !fb->width ||
	    !fb->height || fb->pitch < fb->width * 2)
		return -ENOTSUP;
	cells = pa_to_va(fb->addr);
	cols = fb->width;
	rows = fb->height;
	row_words = fb->pitch / 2;
	x = 0;
	y = rows - 1; /* start at the bottom, below what the loader printed */
	return 0;
}

static void clear_row(u32 r)
{
	for (u32 i = 0; i < cols; i++)
		cells[r * row_words + i] = ATTR_GREY_ON_BLACK << 8 | ' ';
}

/* Move every row up by one and blank the last. */
static void scroll(void)
{
	for (u32 r = 1; r < rows; r++)
		for (u32 i = 0; i < cols; i++)
			cells[(r - 1) * row_words + i] =
				cells[r * row_words + i];
	clear_row(rows - 1);
}

static void newline(void)
{
	x = 0;
	if (y + 1 < rows)
		y++;
	else
		scroll();
}

static void put(char c)
{
	if (c == '\n') {
		newline();
		return;
	}
	if (c == '\r')
		return;
	if (x == cols)
		newline();
	if (x == 0)
		clear_row(y);
	cells[y * row_words + x++] =
		ATTR_GREY_ON_BLACK << 8 | (u8)(c >= 0x20 && c < 0x7f ? c : '?');
}

void fbcon_write(const char *s, size_t n)
{
	if (!cells)
		return;
	while (n--)
		put(*s++);
}
