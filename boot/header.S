/* SPDX-License-Identifier: MIT */
/*
 * Boot headers. GRUB looks for a multiboot2 header in the first 32 KiB of
 * the image and a multiboot (v1) header in the first 8 KiB; we carry both so
 * that loaders speaking only v1 can boot us too. The ELF entry point is
 * used in both cases, so no address fields are needed.
 * See the Multiboot2 spec section 3.1 and the Multiboot 0.6.96 spec 3.1.
 */
#define MB2_MAGIC 0xe85250d6
#define MB2_ARCH_I386 0
#define MB2_HEADER_TAG_FRAMEBUFFER 5 /* 3.1.10 */
#define MB2_HEADER_TAG_OPTIONAL 1 /* flags bit 0: boot us without it */
#define MB1_MAGIC 0x1badb002
#define MB1_FLAGS ((1 << 0) | (1 << 1)) /* page-aligned modules, mem info */

	.section .multiboot, "a"
	.balign 8
mb2_header:
	.long MB2_MAGIC
	.long MB2_ARCH_I386
	.long mb2_header_end - mb2_header
	.long -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	/* Tag 6: align modules on page boundaries. */
	.balign 8
	.short 6, 0
	.long 8
	/* Tag 5 (Multiboot2 3.1.10): a framebuffer, width, height and
	 * depth 0 for no preference, optional so that a loader without
	 * graphics boots us all the same. Under UEFI the loader then
	 * hands over the GOP's linear framebuffer, which braid draws on;
	 * under BIOS, GRUB would switch to a graphics mode, which
	 * tools/mkiso.sh's "set gfxpayload=text" prevents (EGA text). */
	.balign 8
	.short MB2_HEADER_TAG_FRAMEBUFFER, MB2_HEADER_TAG_OPTIONAL
	.long 20
	.long 0, 0, 0
	/* End tag. */
	.balign 8
	.short 0, 0
	.long 8
mb2_header_end:

	.balign 4
mb1_header:
	.long MB1_MAGIC
	.long MB1_FLAGS
	.long -(MB1_MAGIC + MB1_FLAGS)
