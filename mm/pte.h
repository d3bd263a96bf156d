/* SPDX-License-Identifier: MIT */
/*
 * Page-table entry bits, by the manuals' names.
 *
 * x86-64 4-level paging (SDM Vol. 3A 4.5, tables 4-14..4-20; AMD NPT uses
 * the very same format, APM Vol. 2 15.25.5):
 *
 *   63  62:52   51:12              11:9  8  7  6  5  4   3   2  1  0
 *   NX  ignored physical address   avl   G  PS D  A  PCD PWT US RW P
 *
 * EPT (SDM Vol. 3C 29.3.2, tables 29-1..29-6):
 *
 *   51:12              11  10  9  8  7   6     5:3  2  1  0
 *   physical address   --  UX  D  A  PS  IPAT  MT   X  W  R
 *
 * A virtual address splits into four 9-bit indices and a 12-bit offset:
 *
 *   47      39 38     30 29     21 20     12 11         0
 *   | PML4    | PDPT    | PD      | PT      | offset     |
 *   level 4    level 3   level 2   level 1
 */
#ifndef MM_PTE_H
#define MM_PTE_H

#include "lib/types.h"

#define X86_PTE_P   BIT(0)  /* present */
#define X86_PTE_RW  BIT(1)  /* writable */
#define X86_PTE_US  BIT(2)  /* user */
#define X86_PTE_PWT BIT(3)  /* write-through */
#define X86_PTE_PCD BIT(4)  /* cache disable */
#define X86_PTE_A   BIT(5)  /* accessed */
#define X86_PTE_D   BIT(6)  /* dirty (leaf only) */
#define X86_PTE_PS  BIT(7)  /* page size: leaf at level 2 or 3 */
#define X86_PTE_G   BIT(8)  /* global */
#define X86_PTE_NX  BIT(63) /* no execute (needs EFER.NXE) */

#define EPT_R	     BIT(0) /* read */
#define EPT_W	     BIT(1) /* write */
#define EPT_X	     BIT(2) /* execute */
#define EPT_MT_SHIFT 3	    /* memory type, leaf only */
#define EPT_MT_UC    0ull
#define EPT_MT_WB    6ull
#define EPT_MT_MASK  (7ull << EPT_MT_SHIFT)
#define EPT_IPAT     BIT(6) /* ignore guest PAT */
#define EPT_PS	     BIT(7) /* page size: leaf at level 2 or 3 */
#define EPT_A	     BIT(8) /* accessed (EPTP bit 6 enables) */
#define EPT_D	     BIT(9) /* dirty */

#define PTE_ADDR_MASK 0x000ffffffffff000ull /* bits 51:12 */

#define PT_LEVELS	  4
#define PT_ENTRIES	  512
#define PT_LEVEL_SHIFT(l) (12 + 9 * ((l)-1))
#define PT_LEVEL_SIZE(l)  (1ull << PT_LEVEL_SHIFT(l))
#define PT_INDEX(va, l)	  (((va) >> PT_LEVEL_SHIFT(l)) & 0x1ff)

#endif
