/* SPDX-License-Identifier: MIT */
/*
 * The firmware tables every guest gets at load time, where a PC's BIOS
 * leaves them: the MP table (dm/mptable.c) and the ACPI tables
 * (dm/acpi_tables.c), both in the "BIOS ROM" area 0xF0000-0xFFFFF, which
 * the guest's memory map reserves.
 *
 *   0x000f0000 +---------------------------+
 *              | MP floating pointer, then |  MP spec 1.4 4.1: an OS scans
 *              | the configuration table   |  0xF0000-0xFFFFF for "_MP_"
 *   0x000f1000 +---------------------------+
 *              | FACS, RSDP (at +0x40),    |  ACPI 6.5 5.2.5.1: an OS scans
 *              | XSDT, RSDT, FADT, DSDT,   |  0xE0000-0xFFFFF for
 *              | MADT                      |  "RSD PTR "
 *              +---------------------------+
 *              | zeros                     |
 *   0x00100000 +---------------------------+
 *
 * No EBDA is used: the BDA's EBDA word (0x40E) stays 0, which tells an OS
 * to search the BIOS area alone.
 */
#ifndef LOADER_FWTABLES_H
#define LOADER_FWTABLES_H

#include "loader/target.h"

#define FW_AREA_GPA    0xf0000 /* the "BIOS ROM", up to 1 MiB */
#define FW_MPTABLE_GPA 0xf0000
#define FW_ACPI_GPA    0xf1000
#define FW_MAX_VCPUS   64

/* Write the MP table and the ACPI tables for @nr_vcpus vCPUs (APIC IDs
 * 0..nr_vcpus-1) into the guest's RAM. Logs and returns an error if the
 * count is out of range or the area lies outside the guest's RAM. */
int fw_tables_write(const struct load_target *t, unsigned nr_vcpus);

#endif
