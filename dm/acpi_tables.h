/* SPDX-License-Identifier: MIT */
/*
 * The ACPI tables a PC's firmware leaves for its operating system,
 * describing a guest's virtual platform (hv/vplat.h) with @nr_cpus CPUs:
 * the RSDP, an XSDT and an RSDT (for ACPI 1.0 readers), the MADT (the
 * CPUs' local APICs, the I/O APIC and how ISA IRQs reach it), and the
 * FADT with the FACS and a DSDT (naming only \_S5) it must point to, and
 * the ACPI fixed hardware of dm/vpm.h. An OS looks for
 * its CPUs in the MADT before the MP table (dm/mptable.c); both say the
 * same.
 */
#ifndef DM_ACPI_TABLES_H
#define DM_ACPI_TABLES_H

#include "lib/types.h"

#define ACPI_TABLES_MAX_CPUS 64
/* Where the RSDP sits in what acpi_tables_build() writes (after the FACS,
 * which wants 64-byte alignment, ACPI 6.5 5.2.10). */
#define ACPI_TABLES_RSDP_OFFSET 64
/* Bytes acpi_tables_build() writes at most (for ACPI_TABLES_MAX_CPUS). */
#define ACPI_TABLES_MAX_SIZE 1536

/* Write the tables for @nr_cpus CPUs (1..ACPI_TABLES_MAX_CPUS; vCPU n has
 * APIC ID and ACPI processor UID n) into @buf, which the guest will see at
 * guest-physical @gpa (64-byte aligned, below 4 GiB). The RSDP is at
 * @gpa + ACPI_TABLES_RSDP_OFFSET. Returns the bytes written. */
u32 acpi_tables_build(void *buf, u32 gpa, unsigned nr_cpus);

#endif
