/* SPDX-License-Identifier: MIT */
/*
 * braid's lines on the screen the boot loader left: an EGA/VGA text
 * buffer (multiboot2 framebuffer type 2, BIOS) or a linear RGB
 * framebuffer (type 1, UEFI's GOP), drawn with braid's own font.
 */
#ifndef ARCH_FBCON_H
#define ARCH_FBCON_H

#include "boot/bootinfo.h"

/* Take over @fb; -ENOTSUP for a kind braid cannot draw on. */
int fbcon_init(const struct boot_fb *fb);
/* Print @n bytes: newlines start a line, the screen scrolls when full. */
void fbcon_write(const char *s, size_t n);

#endif
