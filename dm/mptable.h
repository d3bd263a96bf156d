/* SPDX-License-Identifier: MIT */
/*
 * An Intel MultiProcessor Specification 1.4 table describing a guest with
 * @nr_cpus CPUs, one ISA bus and one I/O APIC, wired as a PC's (MP spec
 * 5.3, table 5-2): the 8259 PIC's INTR reaches the CPUs through their
 * local APICs' LINT0 and through I/O APIC pin 0, and ISA IRQ n reaches I/O
 * APIC pin n, but for the PIT's IRQ 0, on pin 2. A guest kernel without
 * ACPI tables finds its CPUs and interrupt controllers here; 64-bit Linux
 * then masks LINT0 and takes its ISA interrupts (the PIT's, which
 * check_timer() looks for on pin 2, and COM1's) from the I/O APIC.
 */
#ifndef DM_MPTABLE_H
#define DM_MPTABLE_H

#include "lib/types.h"

#define MPTABLE_LAPIC_GPA  0xfee00000u
#define MPTABLE_IOAPIC_GPA 0xfec00000u /* must match dm/vioapic.h */
/* The I/O APIC's ID. xAPIC systems deliver on the system bus, where I/O
 * APIC IDs need not differ from local APIC IDs (vCPU n has ID n). */
#define MPTABLE_IOAPIC_ID 1
#define MPTABLE_MAX_CPUS  64 /* processor entries fit in MPTABLE_MAX_SIZE */
/* Entries: a processor per CPU, a bus, an I/O APIC, 16 I/O interrupts
 * (ExtINT and ISA IRQs 0, 1, 3..15) and 2 local interrupts. */
#define MPTABLE_IO_INTS		 16
#define MPTABLE_ENTRIES(nr_cpus) ((nr_cpus) + 2 + MPTABLE_IO_INTS + 2)
/* Bytes mptable_build() writes: floating pointer, header, entries. */
#define MPTABLE_SIZE(nr_cpus) \
	(16 + 44 + (nr_cpus)*20 + 8 + 8 + MPTABLE_IO_INTS * 8 + 2 * 8)
#define MPTABLE_MAX_SIZE MPTABLE_SIZE(MPTABLE_MAX_CPUS)

/* Write the floating pointer and, after it, the configuration table for
 * @nr_cpus CPUs (1..MPTABLE_MAX_CPUS; APIC IDs 0..nr_cpus-1, 0 the
 * bootstrap processor) into @buf (MPTABLE_SIZE(nr_cpus) bytes), which the
 * guest will see at guest-physical @gpa (16-byte aligned, below 4 GiB).
 * Returns the bytes written. */
u32 mptable_build(void *buf, u32 gpa, unsigned nr_cpus);

#endif
