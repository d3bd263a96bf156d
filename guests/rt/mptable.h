/* SPDX-License-Identifier: MIT */
/*
 * Finding the CPUs the way an OS does on a PC without ACPI: the MP
 * floating pointer structure and the MP configuration table of the Intel
 * MultiProcessor Specification 1.4, chapter 4. The structures are the
 * spec's, read-only here (braid writes its own in dm/mptable.c).
 */
#ifndef GUEST_MPTABLE_H
#define GUEST_MPTABLE_H

#include "types.h"

#define MP_MAX_CPUS 16

/* 4.1, table 4-1: found on a 16-byte boundary in the areas of 4.0. */
struct mp_floating_pointer {
	char signature[4];	      /* "_MP_" */
	u32 physical_address_pointer; /* of the configuration table */
	u8 length;		      /* in 16-byte paragraphs */
	u8 spec_rev;
	u8 checksum;   /* all bytes sum to zero */
	u8 feature[5]; /* feature[0] != 0: a default config */
} __packed;

/* 4.2, table 4-2. */
struct mp_config_header {
	char signature[4]; /* "PCMP" */
	u16 base_table_length;
	u8 spec_rev;
	u8 checksum;
	char oem_id[8];
	char product_id[12];
	u32 oem_table_pointer;
	u16 oem_table_size;
	u16 entry_count;
	u32 lapic_address;
	u16 extended_table_length;
	u8 extended_table_checksum;
	u8 reserved;
} __packed;

/* 4.3.1, table 4-4: entry type 0, 20 bytes; every other base entry is 8. */
struct mp_processor_entry {
	u8 entry_type;
	u8 lapic_id;
	u8 lapic_version;
	u8 cpu_flags; /* bit 0 EN: usable; bit 1 BP: the bootstrap CPU */
	u32 cpu_signature;
	u32 feature_flags;
	u32 reserved[2];
} __packed;

#define MP_ENTRY_PROCESSOR 0
#define MP_CPU_FLAG_EN	   BIT(0)
#define MP_CPU_FLAG_BP	   BIT(1)

/* What a firmware table (MP table or MADT) says about the processors. */
struct mp_cpus {
	const char *source; /* "MADT" or "MP table" */
	u64 table_pa;	    /* of the MADT or floating pointer; 0: none found */
	u32 lapic_address;
	unsigned int n; /* enabled processors, at most MP_MAX_CPUS */
	u8 apic_id[MP_MAX_CPUS];
	int bsp; /* index of the one flagged BP, or -1 */
};

/* Fill *out from the MP table; false (out->n == 0) if there is none. */
bool mp_find_cpus(struct mp_cpus *out);

#endif
