/* SPDX-License-Identifier: MIT */
/*
 * Finding the CPUs through ACPI, as a modern OS does first: the RSDP, the
 * RSDT or XSDT it points to, and the MADT's Processor Local APIC entries
 * (ACPI 6.4, 5.2.5, 5.2.7, 5.2.8 and 5.2.12). The structures are the
 * spec's, read-only.
 */
#ifndef GUEST_MADT_H
#define GUEST_MADT_H

#include "mptable.h"
#include "types.h"

/* 5.2.5.3, table 5.27. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	u8 checksum;	   /* of the first 20 bytes */
	char oem_id[6];
	u8 revision; /* 0: ACPI 1.0, RSDT only; 2: XSDT fields follow */
	u32 rsdt_address;
	u32 length;
	u64 xsdt_address;
	u8 extended_checksum;
	u8 reserved[3];
} __packed;

/* 5.2.6, table 5.28: the header every system description table starts with. */
struct acpi_sdt_header {
	char signature[4];
	u32 length; /* header included */
	u8 revision;
	u8 checksum;
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __packed;

/* 5.2.12, table 5.43: the MADT's fixed part; entries follow. */
struct acpi_madt {
	struct acpi_sdt_header header; /* "APIC" */
	u32 local_apic_address;
	u32 flags;
} __packed;

/* 5.2.12.2, table 5.46: entry type 0. */
struct acpi_madt_local_apic {
	u8 type;
	u8 length;
	u8 acpi_processor_uid;
	u8 apic_id;
	u32 flags; /* bit 0: Enabled */
} __packed;

#define MADT_TYPE_LOCAL_APIC 0
#define MADT_LAPIC_ENABLED   BIT(0)

/* Fill *out from the MADT (bsp stays -1: the MADT does not name it);
 * false (out->n == 0) if there is none. */
bool madt_find_cpus(struct mp_cpus *out);

#endif
