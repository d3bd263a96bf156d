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

/* ACPI 6.5 5.2.9, Table 5.9: the Fixed ACPI Description Table ("FACP"),
 * the fields braid reads, at their offsets. A table shorter than a field's
 * end lacks it (older revisions). */
#define FADT_PM_TMR_BLK		76	/* u32: PM timer I/O port */
#define FADT_PM_TMR_LEN		91	/* u8: 4 if there is a PM timer */
#define FADT_FLAGS		112	/* u32 */
#define FADT_FLAG_TMR_VAL_EXT	BIT(8)	/* the PM timer has 32 bits, not 24 */
#define FADT_FLAG_RESET_REG_SUP BIT(10) /* RESET_REG works */
#define FADT_RESET_REG		116	/* struct acpi_gas */
#define FADT_RESET_VALUE	128	/* u8 */
#define FADT_X_PM_TMR_BLK	208	/* struct acpi_gas */
#define ACPI_PM_TIMER_HZ	3579545 /* 5.2.9: "3.579545 MHz" */

/* ACPI 6.5 5.2.12, Table 5.43: the MADT ("APIC") after its header: the
 * local APIC address and flags, then entries of (type, length). */
#define MADT_ENTRIES		  44
#define MADT_TYPE_LAPIC		  0 /* Table 5.47 */
#define MADT_TYPE_X2APIC	  9 /* Table 5.60 */
#define MADT_LAPIC_ENABLED	  BIT(0)
#define MADT_LAPIC_ONLINE_CAPABLE BIT(1)

/* What braid uses of the FADT and MADT (arch/x86_64/acpi_platform.c). */
struct acpi_platform {
	u16 pm_timer_port; /* 0: none */
	bool pm_timer_32bit;
	bool has_reset_reg;
	struct acpi_gas reset_reg;
	u8 reset_value;
	unsigned nr_cpus; /* enabled or online-capable, this one too */
};
extern struct acpi_platform acpi_platform;
/* Fill acpi_platform from the tables acpi_init() found. */
void acpi_platform_init(void);
/* The APIC IDs of the CPUs the MADT lists as usable, up to @max; returns
 * how many there are. */
unsigned acpi_cpu_ids(u32 *ids, unsigned max);

/* Find the tables: the RSDP the boot loader handed over in @bi, else the
 * one the BIOS areas hold. Without one, acpi_find() finds nothing. */
void acpi_init(const struct boot_info *bi);
/* The @instance-th (from 0) valid table with signature @sig, or NULL when
 * there is none or it fails its checksum or length checks. */
const struct acpi_table_header *acpi_find(const char sig[4], unsigned instance);

#endif
