/* SPDX-License-Identifier: MIT */
/*
 * The ACPI 6.5 tables' layouts (chapter 5.2), by the specification's
 * names, declared once: braid reads the machine's (acpi.c,
 * acpi_platform.c, spcr.c) and writes its guests' (dm/acpi_tables.c).
 */
#ifndef ARCH_ACPISPEC_H
#define ARCH_ACPISPEC_H

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
#define ACPI_RSDP_REVISION  2 /* ACPI 2.0 and later */

/* ACPI 6.5 5.2.6, Table 5.4: the header every description table starts
 * with. The RSDT (5.2.7) and XSDT (5.2.8) are this header followed by
 * 32-bit or 64-bit physical addresses of the other tables. */
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

/* ACPI 6.5 5.2.9, Table 5.9: the Fixed ACPI Description Table ("FACP").
 * A table shorter than a field's end lacks it (older revisions). */
struct acpi_fadt {
	struct acpi_table_header header;
	u32 firmware_ctrl; /* the FACS, 32-bit */
	u32 dsdt;
	u8 reserved0; /* INT_MODEL in ACPI 1.0 */
	u8 preferred_pm_profile;
	u16 sci_int; /* the SCI's ISA IRQ (8259 mode) */
	u32 smi_cmd; /* 0: no SMM, the system is always in ACPI mode */
	u8 acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	u32 pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk;
	u32 pm2_cnt_blk;
	u32 pm_tmr_blk; /* PM timer I/O port */
	u32 gpe0_blk, gpe1_blk;
	u8 pm1_evt_len, pm1_cnt_len, pm2_cnt_len;
	u8 pm_tmr_len; /* 4 if there is a PM timer */
	u8 gpe0_blk_len, gpe1_blk_len, gpe1_base, cst_cnt;
	u16 p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	u8 duty_offset, duty_width, day_alrm, mon_alrm, century;
	u16 iapc_boot_arch; /* FADT_BOOT_* */
	u8 reserved1;
	u32 flags; /* FADT_FLAG_* */
	struct acpi_gas reset_reg;
	u8 reset_value;
	u16 arm_boot_arch;
	u8 fadt_minor_version;
	u64 x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk;
	struct acpi_gas x_pm1a_cnt_blk, x_pm1b_cnt_blk;
	struct acpi_gas x_pm2_cnt_blk, x_pm_tmr_blk;
	struct acpi_gas x_gpe0_blk, x_gpe1_blk;
	struct acpi_gas sleep_control_reg, sleep_status_reg;
	u64 hypervisor_vendor_identity;
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_fadt) == 276, "ACPI 6.5 Table 5.9");
#define FADT_REVISION	   6 /* ACPI 6.5: major 6, minor 5 */
#define FADT_MINOR_VERSION 5
#define FADT_PM_TMR_BLK	   __builtin_offsetof(struct acpi_fadt, pm_tmr_blk)
#define FADT_PM_TMR_LEN	   __builtin_offsetof(struct acpi_fadt, pm_tmr_len)
#define FADT_FLAGS	   __builtin_offsetof(struct acpi_fadt, flags)
#define FADT_RESET_REG	   __builtin_offsetof(struct acpi_fadt, reset_reg)
#define FADT_RESET_VALUE   __builtin_offsetof(struct acpi_fadt, reset_value)
#define FADT_X_PM_TMR_BLK  __builtin_offsetof(struct acpi_fadt, x_pm_tmr_blk)
_Static_assert(FADT_PM_TMR_BLK == 76 && FADT_PM_TMR_LEN == 91 &&
		       FADT_FLAGS == 112 && FADT_RESET_REG == 116 &&
		       FADT_RESET_VALUE == 128 && FADT_X_PM_TMR_BLK == 208,
	       "ACPI 6.5 Table 5.9");
/* 5.2.9, the Fixed Feature Flags. */
#define FADT_FLAG_WBINVD	BIT(0)	/* WBINVD flushes all caches */
#define FADT_FLAG_PROC_C1	BIT(2)	/* C1 (HLT) works on every CPU */
#define FADT_FLAG_PWR_BUTTON	BIT(4)	/* no fixed power button */
#define FADT_FLAG_SLP_BUTTON	BIT(5)	/* no fixed sleep button */
#define FADT_FLAG_TMR_VAL_EXT	BIT(8)	/* the PM timer has 32 bits, not 24 */
#define FADT_FLAG_RESET_REG_SUP BIT(10) /* RESET_REG works */
#define FADT_FLAG_HW_REDUCED	BIT(20) /* no fixed hardware at all */
/* 5.2.9.3: IA-PC Boot Architecture Flags. */
#define FADT_BOOT_LEGACY_DEVICES BIT(0) /* ISA/LPC devices (RTC, UART) */
#define FADT_BOOT_8042		 BIT(1) /* a keyboard controller */
#define FADT_BOOT_VGA_ABSENT	 BIT(2)
#define ACPI_PM_TIMER_HZ	 3579545 /* 5.2.9: "3.579545 MHz" */

/* ACPI 6.5 4.8.3.1, Tables 4.11-4.12: PM1 Status and Enable, the two
 * 16-bit halves of a PM1 event block (PM1_STS first). */
#define PM1_STS_TMR	    BIT(0)  /* the PM timer's top bit changed */
#define PM1_STS_BM	    BIT(4)  /* bus master activity */
#define PM1_STS_GBL	    BIT(5)  /* the BIOS released the global lock */
#define PM1_STS_PWRBTN	    BIT(8)  /* power button pressed */
#define PM1_STS_SLPBTN	    BIT(9)  /* sleep button pressed */
#define PM1_STS_RTC	    BIT(10) /* RTC alarm */
#define PM1_STS_PCIEXP_WAKE BIT(14) /* PCIe wake event */
#define PM1_STS_WAK	    BIT(15) /* woke from a sleeping state */
#define PM1_EN_TMR	    BIT(0)
#define PM1_EN_GBL	    BIT(5)
#define PM1_EN_PWRBTN	    BIT(8)
#define PM1_EN_SLPBTN	    BIT(9)
#define PM1_EN_RTC	    BIT(10)
#define PM1_EN_PCIEXP_WAKE  BIT(14) /* PCIEXP_WAKE_DIS: 1 disables */
/* ACPI 6.5 4.8.3.2.1, Table 4.13: PM1 Control. */
#define PM1_CNT_SCI_EN	      BIT(0)	 /* 1: ACPI mode (events raise SCIs) */
#define PM1_CNT_BM_RLD	      BIT(1)	 /* bus master wakes from C3 */
#define PM1_CNT_GBL_RLS	      BIT(2)	 /* write-only: release the lock */
#define PM1_CNT_SLP_TYP	      (7u << 10) /* the _Sx value to enter */
#define PM1_CNT_SLP_TYP_SHIFT 10
#define PM1_CNT_SLP_EN	      BIT(13) /* write-only: enter SLP_TYP */
#define PM1_EVT_LEN	      4	      /* FADT PM1_EVT_LEN: PM1_STS + PM1_EN */
#define PM1_CNT_LEN	      2
#define PM_TMR_LEN	      4

/* ACPI 6.5 5.2.10: the Firmware ACPI Control Structure, on a
 * 64-byte boundary; it has no header and no checksum. */
struct acpi_facs {
	char signature[4]; /* "FACS" */
	u32 length;	   /* 64 */
	u32 hardware_signature;
	u32 firmware_waking_vector;
	u32 global_lock;
	u32 flags;
	u64 x_firmware_waking_vector;
	u8 version;
	u8 reserved0[3];
	u32 ospm_flags;
	u8 reserved1[24];
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_facs) == 64, "ACPI 6.5 5.2.10");
#define FACS_VERSION 2

/* ACPI 6.5 5.2.12, Table 5.43: the MADT ("APIC"): the local APIC address
 * and flags after the header, then entries of (type, length). */
struct acpi_madt {
	struct acpi_table_header header;
	u32 local_apic_address;
	u32 flags; /* MADT_PCAT_COMPAT */
} __attribute__((packed));
_Static_assert(sizeof(struct acpi_madt) == 44, "ACPI 6.5 Table 5.43");
#define MADT_ENTRIES	 sizeof(struct acpi_madt)
#define MADT_REVISION	 5	/* Local APIC flags know Online Capable */
#define MADT_PCAT_COMPAT BIT(0) /* there are 8259s too; mask them first */

/* The entry types (5.2.12). */
#define MADT_TYPE_LAPIC	       0 /* Processor Local APIC */
#define MADT_TYPE_IOAPIC       1
#define MADT_TYPE_INT_OVERRIDE 2 /* Interrupt Source Override */
#define MADT_TYPE_LAPIC_NMI    4
#define MADT_TYPE_X2APIC       9

/* 5.2.12.2: Processor Local APIC Structure (Table 5.47). */
struct acpi_madt_lapic {
	u8 type, length; /* 0, 8 */
	u8 acpi_processor_uid;
	u8 apic_id;
	u32 flags;
} __attribute__((packed));
#define MADT_LAPIC_ENABLED	  BIT(0)
#define MADT_LAPIC_ONLINE_CAPABLE BIT(1)

/* 5.2.12.3: I/O APIC Structure. */
struct acpi_madt_ioapic {
	u8 type, length; /* 1, 12 */
	u8 io_apic_id;
	u8 reserved;
	u32 io_apic_address;
	u32 global_system_interrupt_base; /* of its pin 0 */
} __attribute__((packed));

/* 5.2.12.5: Interrupt Source Override Structure. An ISA IRQ without one
 * is identity-mapped to the GSI of the same number, edge, active high. */
struct acpi_madt_int_override {
	u8 type, length; /* 2, 10 */
	u8 bus;		 /* 0: ISA */
	u8 source;	 /* the ISA IRQ */
	u32 global_system_interrupt;
	u16 flags; /* MPS INTI flags (5.2.12.5) */
} __attribute__((packed));
#define MPS_INTI_POLARITY_HIGH BIT(0) /* bits 1:0 = 01 */
#define MPS_INTI_TRIGGER_LEVEL (3 << 2)

/* 5.2.12.7: Local APIC NMI Structure. */
struct acpi_madt_lapic_nmi {
	u8 type, length;       /* 4, 6 */
	u8 acpi_processor_uid; /* 0xff: every processor */
	u16 flags;	       /* MPS INTI flags; 0: conforms to the bus */
	u8 local_apic_lint;    /* LINT0 or LINT1 */
} __attribute__((packed));
#define MADT_ALL_PROCESSORS 0xff

_Static_assert(sizeof(struct acpi_madt_lapic) == 8, "ACPI 6.5 5.2.12.2");
_Static_assert(sizeof(struct acpi_madt_ioapic) == 12, "ACPI 6.5 5.2.12.3");
_Static_assert(sizeof(struct acpi_madt_int_override) == 10,
	       "ACPI 6.5 5.2.12.5");
_Static_assert(sizeof(struct acpi_madt_lapic_nmi) == 6, "ACPI 6.5 5.2.12.7");

#endif
