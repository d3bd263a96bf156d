/* SPDX-License-Identifier: MIT */
/*
 * GDT layout shared by entry.S (which owns the table) and cpu.c (which
 * fills in the TSS descriptor). Usable from C and assembly.
 *
 *   0x00  null
 *   0x08  kernel code, 64-bit (L=1)
 *   0x10  kernel data
 *   0x18  kernel code, 32-bit (only while booting)
 *   0x20  user data   (DPL 3)
 *   0x28  user code, 64-bit (DPL 3)
 *   0x30  TSS, 16-byte system descriptor (SDM Vol. 3A 8.2.3)
 */
#ifndef GUEST_SEGMENTS_H
#define GUEST_SEGMENTS_H

#define SEL_KCODE   0x08
#define SEL_KDATA   0x10
#define SEL_KCODE32 0x18
#define SEL_UDATA   0x20
#define SEL_UCODE   0x28
#define SEL_TSS	    0x30
#define GDT_ENTRIES 8

#define RPL3 3

/* Vector a ring-3 function uses to come back (gate DPL 3). */
#define USER_RETURN_VECTOR 0x80

/* Multiboot v1 (Multiboot Specification 0.6.96, 3.1 and 3.2). */
#define MB_HEADER_MAGIC 0x1badb002
#define MB_BOOT_MAGIC	0x2badb002

#endif
