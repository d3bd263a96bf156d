/* SPDX-License-Identifier: MIT */
/*
 * How braid's virtual board is wired: the ISA IRQ of each device and the
 * I/O APIC input the PIT's reaches. Declared once, for the platform that
 * raises the lines (hv/vplat.c) and for the tables that tell the guest
 * (dm/mptable.c, dm/acpi_tables.c), which must agree.
 */
#ifndef DM_BOARD_H
#define DM_BOARD_H

#define ISA_IRQ_PIT  0
#define ISA_IRQ_COM1 4
#define ISA_IRQ_RTC  8
#define ISA_IRQ_SCI  9 /* the FADT's SCI_INT */
/* The PIT's IRQ 0 reaches I/O APIC input 2, as on PCs (MP spec table
 * 5-2); every other ISA IRQ n reaches input n. */
#define GSI_PIT 2

#endif
