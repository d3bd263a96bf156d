/* SPDX-License-Identifier: MIT */
/*
 * The I/O APIC (Intel 82093AA data sheet): its two MMIO registers, the
 * registers behind IOREGSEL and the fields of a redirection table entry.
 * braid's host leaves its I/O APIC alone; the guest's virtual one
 * (dm/vioapic.c) uses these names.
 */
#ifndef ARCH_IOAPIC_H
#define ARCH_IOAPIC_H

#include "lib/types.h"

/* Where a PC has it (MP spec 1.4 ch. 5, default configurations). */
#define IOAPIC_DEFAULT_BASE 0xfec00000ull
/* The registers are IOREGSEL at 0x00 and IOWIN at 0x10, accessed as
 * 32-bit words (datasheet 3.1), in one page. */
#define IOAPIC_MMIO_SIZE 0x1000ull
#define IOAPIC_IOREGSEL	 0x00
#define IOAPIC_IOWIN	 0x10

/* Register indexes behind IOREGSEL (datasheet 3.2, table 2). */
#define IOAPIC_REG_ID	 0x00
#define IOAPIC_REG_VER	 0x01
#define IOAPIC_REG_ARB	 0x02
#define IOAPIC_REG_REDIR 0x10 /* entry n: low 0x10 + 2n, high 0x11 + 2n */

/* Redirection table entry fields (datasheet 3.2.4). */
#define IOAPIC_RTE_VECTOR     0xffull
#define IOAPIC_RTE_DM_SHIFT   8
#define IOAPIC_DM_FIXED	      0
#define IOAPIC_DM_LOWPRI      1
#define IOAPIC_DM_SMI	      2
#define IOAPIC_DM_NMI	      4
#define IOAPIC_DM_INIT	      5
#define IOAPIC_DM_EXTINT      7
#define IOAPIC_RTE_LOGICAL    BIT(11)
#define IOAPIC_RTE_DELIVS     BIT(12) /* delivery status, read-only */
#define IOAPIC_RTE_POL_LOW    BIT(13)
#define IOAPIC_RTE_REMOTE_IRR BIT(14) /* read-only */
#define IOAPIC_RTE_LEVEL      BIT(15)
#define IOAPIC_RTE_MASKED     BIT(16)
#define IOAPIC_RTE_DEST_SHIFT 56

#endif
