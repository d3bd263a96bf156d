/* SPDX-License-Identifier: MIT */
/*
 * The bitmap font braid draws its lines with on a pixel framebuffer
 * (arch/x86_64/fbcon_rgb.c): 8x16 cells, printable ASCII.
 */
#ifndef ARCH_FONT_H
#define ARCH_FONT_H

#include "lib/types.h"

#define FONT_WIDTH  8
#define FONT_HEIGHT 16
#define FONT_FIRST  0x20 /* ' ' */
#define FONT_LAST   0x7e /* '~' */

/* @c's FONT_HEIGHT rows, top first, bit 7 the leftmost pixel; a box for
 * anything outside FONT_FIRST..FONT_LAST. */
const u8 *font_glyph(char c);

#endif
