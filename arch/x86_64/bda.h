/* SPDX-License-Identifier: MIT */
/*
 * The PC BIOS data area at physical 0x400, the two words of it braid
 * reads to find firmware tables in low memory (the ACPI RSDP, the MP
 * floating pointer): where the extended BIOS data area starts, and how
 * much base memory there is below it (IBM PC/AT Technical Reference;
 * ACPI 6.5 5.2.5.1 and MP spec 1.4 4.1 name the same two words).
 */
#ifndef ARCH_BDA_H
#define ARCH_BDA_H

#define BDA_EBDA_SEGMENT 0x40e /* u16: the EBDA's real-mode segment */
#define BDA_BASE_MEM_KIB 0x413 /* u16: base memory, in KiB (e.g. 639) */

#endif
