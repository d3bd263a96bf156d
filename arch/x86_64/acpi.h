/* SPDX-License-Identifier: MIT */
/*
 * ACPI table discovery (ACPI 6.5, chapter 5.2): the RSDP, the XSDT or
 * RSDT it points to, and the tables they list, each checked before it is
 * handed out. Layouts are declared here once, by the specification's names.
 */
#ifndef ARCH_ACPI_H
#define ARCH_ACPI_H

#include "boot/bootinfo.h"
#include "lib/types.h"

/* ACPI 6.5 5.2.5.3, Table 5.3: Root System Description Pointer. */
struct acpi_rsdp {
	char signature[8]; /* "RSD PTR " */
	u8 checksum;	   /* of the first 20 bytes (the ACPI 1.0 part) */
	char oem_id[6];
	u8 revision; /* 0: ACPI 1.0, RSDT only; 2: the fields below exist */
	u32 rsdt_address;
	u32 length; /* of the whole RSDP */
	u64 xsdt_address;
	u8 extended_checksum; /* of all @length bytes */
	u8 reserved[3];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_rsdp) == 36, "ACPI 6.5 Table 5.3");
#define ACPI_RSDP_V1_LENGTH 20

/* ACPI 6.5 5.2.6, Table 5.4: the header every description table starts
 * with. */
struct acpi_table_header {
	char signature[4];
	u32 length; /* of the whole table, this header included */
	u8 revision;
	u8 checksum; /* all @length bytes sum to 0 */
	char oem_id[6];
	char oem_table_id[8];
	u32 oem_revision;
	u32 creator_id;
	u32 creator_revision;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_table_header) == 36, "ACPI 6.5 Table 5.4");

/* ACPI 6.5 5.2.3.2, Table 5.1: Generic Address Structure. */
struct acpi_gas {
	u8 address_space_id; /* ACPI_GAS_* */
	u8 register_bit_width;
	u8 register_bit_offset;
	u8 access_size; /* 0 undefined, 1 byte, 2 word, 3 dword, 4 qword */
	u64 address;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_gas) == 12, "ACPI 6.5 Table 5.1");
#define ACPI_GAS_SYSTEM_MEMORY 0
#define ACPI_GAS_SYSTEM_IO     1

/* Find the tables: the RSDP the boot loader handed over in @bi, else the
 * one the BIOS areas hold. Without one, acpi_find() finds nothing. */
void acpi_init(const struct boot_info *bi);
/* The @instance-th (from 0) valid table with signature @sig, or NULL when
 * there is none or it fails its checksum or length checks. */
const struct acpi_table_header *acpi_find(const char sig[4], unsigned instance);

#endif
