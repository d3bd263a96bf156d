/* SPDX-License-Identifier: MIT */
/*
 * An Intel MultiProcessor Specification 1.4 table describing a guest with
 * one CPU, one ISA bus and one I/O APIC, wired as a PC's (MP spec 5.3,
 * table 5-2): the 8259 PIC's INTR reaches the CPU through its local
 * APIC's LINT0 and through I/O APIC pin 0, and ISA IRQ n reaches I/O APIC
 * pin n, but for the PIT's IRQ 0, on pin 2. A guest kernel without ACPI
 * tables finds its interrupt controllers here; 64-bit Linux then masks
 * LINT0 and takes its ISA interrupts (the PIT's, which check_timer() looks
 * for on pin 2, and COM1's) from the I/O APIC.
 */
#ifndef DM_MPTABLE_H
#define DM_MPTABLE_H

#include "lib/types.h"

/* Guest-physical address of the table; Linux scans 0xF0000-0xFFFFF for
 * the floating pointer (MP spec 4: "BIOS ROM address space"). */
#define MPTABLE_GPA	   0xf0000
#define MPTABLE_LAPIC_GPA  0xfee00000u
#define MPTABLE_IOAPIC_GPA 0xfec00000u /* must match dm/vioapic.h */
#define MPTABLE_IOAPIC_ID  1	       /* the local APIC has ID 0 */
/* Entries: a processor, a bus, an I/O APIC, 16 I/O interrupts (ExtINT and
 * ISA IRQs 0, 1, 3..15) and 2 local interrupts. */
#define MPTABLE_IO_INTS 16
#define MPTABLE_ENTRIES (3 + MPTABLE_IO_INTS + 2)
/* Bytes mptable_build() writes: floating pointer, header, entries. */
#define MPTABLE_SIZE (16 + 44 + 20 + 8 + 8 + MPTABLE_IO_INTS * 8 + 2 * 8)

/* Write the floating pointer and, after it, the configuration table into
 * @buf (MPTABLE_SIZE bytes), which the guest will see at guest-physical
 * @gpa (16-byte aligned, below 4 GiB). Returns the bytes written. */
u32 mptable_build(void *buf, u32 gpa);

#endif
