// SPDX-License-Identifier: MIT
/*
 * braid's lines on the loader's screen, whichever kind it is
 * (fbcon_ega.c, fbcon_rgb.c): a cursor that wraps long lines and scrolls
 * the screen up when it reaches the bottom.
 */
#include "arch/x86_64/fbcon.h"
#include "arch/x86_64/fbcon_screen.h"

static struct fbcon_screen scr;
static bool ready;
static u32 x, y;

/* Blank row @r: what the loader left there, or the copy scrolling left
 * in the last row. */
static void clear_row(u32 r)
{
	for (u32 i = 0; i < scr.cols; i++)
		scr.put(i, r, ' ');
}

int fbcon_init(const struct boot_fb *fb)
{
	int err = -ENOTSUP;

	if (fb->type == BOOT_FB_EGA_TEXT)
		err = fbcon_ega_init(fb, &scr);
	else if (fb->type == BOOT_FB_RGB)
		err = fbcon_rgb_init(fb, &scr);
	if (err)
		return err;
	x = 0;
	y = scr.first_row;
	clear_row(y);
	ready = true;
	return 0;
}

static void newline(void)
{
	x = 0;
	if (y + 1 < scr.rows)
		y++;
	else
		scr.scroll();
	clear_row(y);
}

static void put(char c)
{
	if (c == '\n') {
		newline();
		return;
	}
	if (c == '\r')
		return;
	if (x == scr.cols)
		newline();
	scr.put(x++, y, c);
}

void fbcon_write(const char *s, size_t n)
{
	if (!ready)
		return;
	while (n--)
		put(*s++);
}
