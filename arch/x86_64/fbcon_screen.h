/* SPDX-License-Identifier: MIT */
/*
 * What arch/x86_64/fbcon.c needs from a kind of screen: a grid of
 * character cells it can set one at a time and move up by one row. The
 * cursor, line wrapping and scrolling policy live in fbcon.c, once.
 */
#ifndef ARCH_FBCON_SCREEN_H
#define ARCH_FBCON_SCREEN_H

#include "boot/bootinfo.h"

struct fbcon_screen {
	u32 cols, rows;
	u32 first_row; /* where the first line goes */
	/* Show @c (printable ASCII or anything, shown as the screen can) in
	 * the cell at @col, @row. */
	void (*put)(u32 col, u32 row, char c);
	/* Move every row up by one; the last row's contents are left to
	 * be overwritten. */
	void (*scroll)(void);
};

/* Fill @s for @fb, or -ENOTSUP if it is not this kind of screen. */
int fbcon_ega_init(const struct boot_fb *fb, struct fbcon_screen *s);
int fbcon_rgb_init(const struct boot_fb *fb, struct fbcon_screen *s);

#endif
