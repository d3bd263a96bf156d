// SPDX-License-Identifier: MIT
/*
 * Read back what braid drew on a graphics screen: QEMU's "screendump"
 * writes a binary PPM (netpbm's P6: "P6 width height 255", then RGB
 * bytes); each 8x16 cell from the top left is matched, pixel for pixel,
 * against braid's own font (arch/x86_64/font8x16.c, linked in), and the
 * screen is printed as text, a cell that is no glyph as '?'.
 *
 *   screentext FILE.ppm
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86_64/font.h"

/* A pixel is lit if any colour is brighter than a quarter. */
static int lit(const unsigned char *rgb)
{
	return rgb[0] > 0x40 || rgb[1] > 0x40 || rgb[2] > 0x40;
}

static char cell_char(const unsigned char *img, unsigned w, unsigned col,
		      unsigned row)
{
	unsigned char bits[FONT_HEIGHT] = { 0 };

	for (unsigned y = 0; y < FONT_HEIGHT; y++)
		for (unsigned x = 0; x < FONT_WIDTH; x++) {
			size_t px = (size_t)(row * FONT_HEIGHT + y) * w +
				    col * FONT_WIDTH + x;

			if (lit(img + 3 * px))
				bits[y] |= 0x80 >> x;
		}
	for (int c = FONT_FIRST; c <= FONT_LAST; c++)
		if (!memcmp(bits, font_glyph((char)c), FONT_HEIGHT))
			return (char)c;
	return '?';
}

static void print_row(const unsigned char *img, unsigned w, unsigned row)
{
	char line[1024];
	unsigned cols = w / FONT_WIDTH, n = 0;

	for (unsigned c = 0; c < cols && c < sizeof(line) - 1; c++) {
		line[c] = cell_char(img, w, c, row);
		if (line[c] != ' ')
			n = c + 1;
	}
	line[n] = '\0';
	puts(line);
}

int main(int argc, char **argv)
{
	unsigned w, h, max;
	unsigned char *img;
	FILE *f;

	if (argc != 2 || !(f = fopen(argv[1], "rb"))) {
		fprintf(stderr, "usage: screentext FILE.ppm\n");
		return 2;
	}
	if (fscanf(f, "P6 %u %u %u", &w, &h, &max) != 3 || max != 255 ||
	    fgetc(f) == EOF || !(img = malloc((size_t)w * h * 3)) ||
	    fread(img, 3, (size_t)w * h, f) != (size_t)w * h) {
		fprintf(stderr, "screentext: %s is not a 24-bit P6 PPM\n",
			argv[1]);
		return 1;
	}
	for (unsigned r = 0; r < h / FONT_HEIGHT; r++)
		print_row(img, w, r);
	return 0;
}
