/* SPDX-License-Identifier: MIT */
/*
 * The Intel MultiProcessor Specification 1.4's structures, chapter 4
 * ("MP Configuration Table"), by the specification's names: the floating
 * pointer a BIOS leaves in low memory, the configuration table it points
 * to, and the table's entries. braid writes one for its guests
 * (dm/mptable.c) and reads the machine's when there is no ACPI MADT
 * (arch/x86_64/mptable_scan.c).
 */
#ifndef ARCH_MPSPEC_H
#define ARCH_MPSPEC_H

#include "lib/types.h"

#define MP_SPEC_REV_1_4 4

/* 4.1, table 4-1. */
struct mp_floating {
	char signature[4]; /* "_MP_" */
	u32 config;	   /* physical address of the configuration table */
	u8 length;	   /* in 16-byte paragraphs: 1 */
	u8 spec_rev;
	u8 checksum; /* all 16 bytes sum to zero */
	u8 feature1; /* 0: a configuration table is present */
	u8 feature2; /* bit 7: IMCRP, PIC mode is implemented; 0 here */
	u8 feature3_5[3];
} __attribute__((packed));

/* 4.2, table 4-2. */
struct mp_config {
	char signature[4]; /* "PCMP" */
	u16 length;	   /* of the base table, header included */
	u8 spec_rev;
	u8 checksum; /* the base table sums to zero */
	char oem_id[8];
	char product_id[12];
	u32 oem_table;
	u16 oem_table_size;
	u16 entry_count;
	u32 lapic; /* memory-mapped address of each CPU's local APIC */
	u16 ext_length;
	u8 ext_checksum;
	u8 reserved;
} __attribute__((packed));

/* 4.3.1, table 4-4. */
struct mp_processor {
	u8 type; /* 0 */
	u8 lapic_id;
	u8 lapic_version;
	u8 flags; /* bit 0: enabled; bit 1: the bootstrap processor */
	u32 signature, features; /* CPUID 1 EAX and EDX; 0 is allowed */
	u32 reserved[2];
} __attribute__((packed));
#define MP_CPU_EN BIT(0)
#define MP_CPU_BP BIT(1)

/* 4.3.2, table 4-7. */
struct mp_bus {
	u8 type; /* 1 */
	u8 bus_id;
	char bus_type[6]; /* blank-padded, table 4-8 */
} __attribute__((packed));

/* 4.3.3, table 4-9. */
struct mp_ioapic {
	u8 type; /* 2 */
	u8 id;
	u8 version; /* of the I/O APIC's IOAPICVER register, bits 7:0 */
	u8 flags;   /* bit 0: enabled */
	u32 address;
} __attribute__((packed));
#define MP_IOAPIC_EN BIT(0)

/* 4.3.4, table 4-10. */
struct mp_io_int {
	u8 type;     /* 3 */
	u8 int_type; /* table 4-11: 0 INT, 3 ExtINT */
	u16 flags;   /* 0: polarity and trigger conform to the bus */
	u8 src_bus, src_irq;
	u8 dst_ioapic;
	u8 dst_intin;
} __attribute__((packed));

/* 4.3.5, table 4-12. */
struct mp_local_int {
	u8 type;     /* 4 */
	u8 int_type; /* table 4-11: 1 NMI, 3 ExtINT */
	u16 flags;   /* 0: polarity and trigger conform to the bus */
	u8 src_bus, src_irq;
	u8 dst_lapic; /* 0xff: every local APIC */
	u8 dst_lint;  /* LINTIN0 or LINTIN1 */
} __attribute__((packed));

enum {
	MP_ENTRY_CPU = 0,
	MP_ENTRY_BUS = 1,
	MP_ENTRY_IOAPIC = 2,
	MP_ENTRY_IO_INT = 3,
	MP_ENTRY_LOCAL_INT = 4,
};
enum { MP_INT_INT = 0, MP_INT_NMI = 1, MP_INT_EXTINT = 3 };

_Static_assert(sizeof(struct mp_floating) == 16, "MP spec table 4-1");
_Static_assert(__builtin_offsetof(struct mp_floating, checksum) == 10,
	       "MP spec table 4-1");
_Static_assert(__builtin_offsetof(struct mp_floating, feature2) == 12,
	       "MP spec table 4-1");
_Static_assert(sizeof(struct mp_config) == 44, "MP spec table 4-2");
_Static_assert(__builtin_offsetof(struct mp_config, entry_count) == 34,
	       "MP spec table 4-2");
_Static_assert(__builtin_offsetof(struct mp_config, lapic) == 36,
	       "MP spec table 4-2");
_Static_assert(sizeof(struct mp_processor) == 20, "MP spec table 4-4");
_Static_assert(sizeof(struct mp_bus) == 8, "MP spec table 4-7");
_Static_assert(sizeof(struct mp_ioapic) == 8, "MP spec table 4-9");
_Static_assert(sizeof(struct mp_io_int) == 8, "MP spec table 4-10");
_Static_assert(sizeof(struct mp_local_int) == 8, "MP spec table 4-12");

#endif
