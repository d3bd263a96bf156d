// SPDX-License-Identifier: MIT
/*
 * arch/x86_64/fbcon*.c and font8x16.c: text drawn on small fake screens,
 * read back cell by cell.
 */
#include <string.h>

#include "arch/x86_64/fbcon.h"
#include "arch/x86_64/font.h"
#include "tests/unit/fake_phys.h"
#include "tests/unit/unit.h"

#define FB_PA 0x100000

static struct boot_fb fb;

/* An RGB screen of @cols x @rows cells, each row padded by 12 bytes,
 * filled with 0xff first so that what braid clears shows. */
static void rgb(u32 cols, u32 rows, u8 bpp, const u8 fields[6])
{
	fb = (struct boot_fb){ .addr = FB_PA,
			       .width = cols * FONT_WIDTH,
			       .height = rows * FONT_HEIGHT,
			       .bpp = bpp,
			       .type = BOOT_FB_RGB };
	fb.pitch = fb.width * ((bpp + 7) / 8) + 12;
	fb.red_pos = fields[0], fb.red_size = fields[1];
	fb.green_pos = fields[2], fb.green_size = fields[3];
	fb.blue_pos = fields[4], fb.blue_size = fields[5];
	fake_phys_fill(FB_PA, (u64)fb.pitch * fb.height, 0xff);
}

static const u8 xrgb8888[6] = { 16, 8, 8, 8, 0, 8 };
#define GREY32 0xaaaaaa /* light grey in xrgb8888 */

/* braid's console on a 32-bit screen of @cols x @rows cells. */
static void console32(u32 cols, u32 rows)
{
	rgb(cols, rows, 32, xrgb8888);
	assert_int_equal(fbcon_init(&fb), 0);
}

static u32 pixel(u32 x, u32 y)
{
	const u8 *p = fake_phys_ptr(FB_PA + (u64)y * fb.pitch +
				    (u64)x * ((fb.bpp + 7) / 8));
	u32 v = 0;

	memcpy(&v, p, (fb.bpp + 7) / 8);
	return v;
}

/* The cell shows @c's glyph in @fg on black. */
static void assert_cell(u32 col, u32 row, char c, u32 fg)
{
	const u8 *g = font_glyph(c);

	for (u32 y = 0; y < FONT_HEIGHT; y++)
		for (u32 x = 0; x < FONT_WIDTH; x++)
			assert_int_equal(pixel(col * FONT_WIDTH + x,
					       row * FONT_HEIGHT + y),
					 g[y] & (0x80 >> x) ? fg : 0);
}

/* Row @row shows @text, blank to the end of the screen. */
static void assert_row(u32 row, const char *text, u32 fg)
{
	for (u32 c = 0; c < fb.width / FONT_WIDTH; c++)
		assert_cell(c, row, c < strlen(text) ? text[c] : ' ', fg);
}

static void test_font_shapes(void **state)
{
	(void)state;
	for (int c = FONT_FIRST; c <= FONT_LAST; c++) {
		const u8 *g = font_glyph((char)c);
		u8 all = 0;

		for (int y = 0; y < FONT_HEIGHT; y++)
			all |= g[y];
		/* The eighth column separates neighbours. */
		assert_int_equal(all & 1, 0);
		assert_true(c == ' ' || all);
		/* Distinct, so the screen reads back unambiguously
		 * (tests/integration/screentext.c). */
		for (int d = FONT_FIRST; d < c; d++)
			assert_memory_not_equal(g, font_glyph((char)d),
						FONT_HEIGHT);
	}
}

static void test_font_box(void **state)
{
	const u8 *box = font_glyph('\t');

	(void)state;
	assert_ptr_equal(font_glyph((char)0x7f), box);
	assert_ptr_equal(font_glyph((char)0xe9), box);
	for (int c = FONT_FIRST; c <= FONT_LAST; c++)
		assert_memory_not_equal(box, font_glyph((char)c), FONT_HEIGHT);
}

static void test_rgb_draws_and_clears(void **state)
{
	(void)state;
	console32(6, 2);
	fbcon_write("Hi!", 3);
	assert_row(0, "Hi!", GREY32);
	assert_row(1, "", GREY32);
	/* The padding past the visible width is the device's, not drawn. */
	assert_int_equal(*(u8 *)fake_phys_ptr(FB_PA + fb.width * 4), 0xff);
}

/* Long lines wrap; at the bottom the screen moves up a row. */
static void test_rgb_wraps_and_scrolls(void **state)
{
	(void)state;
	console32(5, 3);
	fbcon_write("abcdefg\nxy\r\nz\nq", 15);
	for (u32 r = 0; r < 3; r++)
		assert_row(r, (const char *[]){ "xy", "z", "q" }[r], GREY32);
	fbcon_write("\n\n", 2);
	for (u32 r = 0; r < 3; r++)
		assert_row(r, r ? "" : "q", GREY32);
}

/* Colour fields as the tag gives them: 5:6:5 and packed 24-bit. */
static void test_rgb_layouts(void **state)
{
	static const u8 rgb565[6] = { 11, 5, 5, 6, 0, 5 };
	static const u8 bgr888[6] = { 0, 8, 8, 8, 16, 8 };

	(void)state;
	rgb(3, 1, 16, rgb565);
	assert_int_equal(fbcon_init(&fb), 0);
	fbcon_write("M~", 2);
	assert_row(0, "M~", 21 << 11 | 42 << 5 | 21);
	rgb(3, 1, 24, bgr888);
	fb.blue_size = 0; /* no blue at all: grey becomes yellow */
	assert_int_equal(fbcon_init(&fb), 0);
	fbcon_write("@", 1);
	assert_row(0, "@", 0x00aaaa);
}

static void test_rgb_refuses(void **state)
{
	(void)state;
	rgb(3, 1, 8, xrgb8888);
	assert_int_equal(fbcon_init(&fb), -ENOTSUP);
	rgb(3, 1, 32, xrgb8888);
	fb.red_pos = 28; /* 28 + 8 bits do not fit a 32-bit pixel */
	assert_int_equal(fbcon_init(&fb), -ENOTSUP);
	rgb(3, 1, 32, xrgb8888);
	fb.pitch = fb.width * 4 - 1;
	assert_int_equal(fbcon_init(&fb), -ENOTSUP);
	rgb(3, 1, 32, xrgb8888);
	fb.type = BOOT_FB_INDEXED;
	assert_int_equal(fbcon_init(&fb), -ENOTSUP);
}

/* EGA text: lines start on the bottom row, below the loader's. */
static void test_ega(void **state)
{
	const u16 *cell = fake_phys_ptr(FB_PA);

	(void)state;
	fb = (struct boot_fb){ .addr = FB_PA,
			       .width = 4,
			       .height = 2,
			       .pitch = 10,
			       .bpp = 16,
			       .type = BOOT_FB_EGA_TEXT };
	fake_phys_fill(FB_PA, 20, 0x41);
	assert_int_equal(fbcon_init(&fb), 0);
	fbcon_write("ab\ncd\x01", 6);
	/* "ab" went up a row when the second line began. */
	assert_int_equal(cell[0], 0x0700 | 'a');
	assert_int_equal(cell[1], 0x0700 | 'b');
	assert_int_equal(cell[2], 0x0700 | ' ');
	assert_int_equal(cell[4], 0x4141); /* pitch padding untouched */
	assert_int_equal(cell[5], 0x0700 | 'c');
	assert_int_equal(cell[6], 0x0700 | 'd');
	assert_int_equal(cell[7], 0x0700 | '?');
	assert_int_equal(cell[8], 0x0700 | ' ');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_font_shapes),
		T(test_font_box),
		T(test_rgb_draws_and_clears),
		T(test_rgb_wraps_and_scrolls),
		T(test_rgb_layouts),
		T(test_rgb_refuses),
		T(test_ega),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
