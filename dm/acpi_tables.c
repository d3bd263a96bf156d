// SPDX-License-Identifier: MIT
/*
 * A guest's ACPI tables (ACPI 6.5 chapter 5.2), laid out as:
 *
 *   gpa + 0x000  FACS  (64 bytes, 5.2.10)   64-byte aligned, no checksum
 *   gpa + 0x040  RSDP  (36 bytes, 5.2.5.3)  revision 2: RSDT and XSDT
 *   then, each on a 16-byte boundary:
 *                XSDT  (5.2.8)   -> FADT, MADT (64-bit addresses)
 *                RSDT  (5.2.7)   -> FADT, MADT (32-bit, for ACPI 1.0 OSes)
 *                FADT  (5.2.9)   -> FACS, DSDT
 *                DSDT  (5.2.11.1) \_S5 only: no devices to name
 *                MADT  (5.2.12)  local APIC at 0xFEE00000, PCAT_COMPAT;
 *                      a Processor Local APIC per CPU (UID = APIC ID = n,
 *                      Enabled); the I/O APIC (ID 1, 0xFEC00000, GSI 0..);
 *                      ISA IRQ 0 -> GSI 2 (the PIT, as dm/mptable.c says);
 *                      ISA IRQ 9 -> GSI 9, level, active high (the SCI);
 *                      NMI on every local APIC's LINT1
 *
 * Why a FADT at all: without one Linux reads the SCI as IRQ 0 and, finding
 * no override for it, rewires IRQ 0 as a level-triggered active-low SCI
 * (arch/x86/kernel/acpi/boot.c, acpi_parse_madt_ioapic_entries); and a
 * FADT must name a DSDT and, unless HW_REDUCED_ACPI, a FACS. HW_REDUCED
 * stays clear: it tells an OS there is no 8259 and no PIT, and braid
 * emulates both. The FADT names the fixed hardware of dm/vpm.c: the PM1a
 * event and control blocks and a 32-bit PM timer (4.8.3), which an OS
 * needs to start its ACPI interpreter (Linux's ACPICA refuses without
 * PM1a blocks); SMI_CMD 0 (always in ACPI mode, SCI_EN reads 1); no PM1b
 * or PM2 blocks, no reset register, no GPEs. Only the timer's TMR_STS,
 * if the OS enables it, raises the SCI. The DSDT names \_S5, so that an
 * OS can turn the guest off (SLP_TYP VPM_SLP_TYP_S5, 7.4.2) and knows no
 * other sleep state. ISA IRQs other than 0 and 9 need no override:
 * without one, IRQ n is GSI n, edge, active high (5.2.12.5), which is how
 * dm/vioapic.c is wired.
 */
#include "arch/x86_64/acpispec.h"
#include "arch/x86_64/mc146818.h"
#include "dm/acpi_tables.h"
#include "dm/board.h"
#include "dm/mptable.h"
#include "dm/vpm.h"
#include "lib/checksum.h"
#include "lib/string.h"

#define NMI_LINT     1
#define NO_C2	     101  /* 5.2.9 P_LVL2_LAT: > 100, no C2 state */
#define NO_C3	     1001 /* 5.2.9 P_LVL3_LAT: > 1000, no C3 state */
#define DSDT_REV     2	  /* its AML's integers are 64-bit */
#define SDT_REVISION 1	  /* of the RSDT and XSDT */
#define GAS_WORD     2	  /* 5.2.3.2 Access Size: 16-bit accesses */
#define GAS_DWORD    3

/*
 * The DSDT's AML (ACPI 6.5 chapter 20): Name (_S5, Package (4) {
 * VPM_SLP_TYP_S5, VPM_SLP_TYP_S5, 0, 0 }), the SLP_TYP values for PM1a
 * and PM1b and two reserved (7.4.2). NameOp, NameString, PackageOp,
 * PkgLength (the bytes after PackageOp), NumElements, then each element
 * as BytePrefix n or ZeroOp (20.2.3, 20.2.5).
 */
/* clang-format off */
static const u8 dsdt_aml[] = {
	0x08, '_', 'S', '5', '_',	/* NameOp "_S5_" */
	0x12, 0x08, 0x04,		/* PackageOp, PkgLength 8, 4 elements */
	0x0a, VPM_SLP_TYP_S5,		/* BytePrefix: SLP_TYP for PM1a */
	0x0a, VPM_SLP_TYP_S5,		/* and for PM1b */
	0x00, 0x00,			/* ZeroOp: reserved */
};
/* clang-format on */

/* Where each table goes, as offsets from the start. */
struct layout {
	u32 rsdp, xsdt, rsdt, fadt, dsdt, madt, end;
};

static u32 madt_length(unsigned nr_cpus)
{
	return sizeof(struct acpi_madt) +
	       nr_cpus * sizeof(struct acpi_madt_lapic) +
	       sizeof(struct acpi_madt_ioapic) +
	       2 * sizeof(struct acpi_madt_int_override) +
	       sizeof(struct acpi_madt_lapic_nmi);
}

static struct layout plan(unsigned nr_cpus)
{
	struct layout l;

	l.rsdp = ACPI_TABLES_RSDP_OFFSET;
	l.xsdt = ALIGN_UP(l.rsdp + sizeof(struct acpi_rsdp), 16);
	l.rsdt =
		ALIGN_UP(l.xsdt + sizeof(struct acpi_table_header) + 2 * 8, 16);
	l.fadt =
		ALIGN_UP(l.rsdt + sizeof(struct acpi_table_header) + 2 * 4, 16);
	l.dsdt = ALIGN_UP(l.fadt + sizeof(struct acpi_fadt), 16);
	l.madt = ALIGN_UP(l.dsdt + sizeof(struct acpi_table_header) +
				  sizeof(dsdt_aml),
			  16);
	l.end = l.madt + madt_length(nr_cpus);
	return l;
}

_Static_assert(sizeof(struct acpi_facs) <= ACPI_TABLES_RSDP_OFFSET, "FACS");

/* The header of a table of @length bytes; its checksum comes last. */
static void header(void *at, const char sig[4], u32 length, u8 revision)
{
	struct acpi_table_header *h = at;

	memset(h, 0, sizeof(*h));
	memcpy(h->signature, sig, 4);
	h->length = length;
	h->revision = revision;
	memcpy(h->oem_id, "BRAID ", 6);
	memcpy(h->oem_table_id, "BRAIDHV ", 8);
	h->oem_revision = 1;
	memcpy(&h->creator_id, "BRAI", 4);
	h->creator_revision = 1;
}

static void finish(void *at)
{
	struct acpi_table_header *h = at;

	h->checksum = byte_checksum(h, h->length);
}

static void build_facs(u8 *buf)
{
	struct acpi_facs *f = (void *)buf;

	memset(f, 0, sizeof(*f));
	memcpy(f->signature, "FACS", 4);
	f->length = sizeof(*f);
	f->version = FACS_VERSION;
}

/* ACPI 6.5 5.2.5.3: the first 20 bytes sum to zero, and all 36 do. */
static void build_rsdp(u8 *buf, u32 gpa, const struct layout *l)
{
	struct acpi_rsdp *r = (void *)(buf + l->rsdp);

	memset(r, 0, sizeof(*r));
	memcpy(r->signature, "RSD PTR ", 8);
	memcpy(r->oem_id, "BRAID ", 6);
	r->revision = ACPI_RSDP_REVISION;
	r->rsdt_address = gpa + l->rsdt;
	r->length = sizeof(*r);
	r->xsdt_address = gpa + l->xsdt;
	r->checksum = byte_checksum(r, ACPI_RSDP_V1_LENGTH);
	r->extended_checksum = byte_checksum(r, sizeof(*r));
}

/* The XSDT and RSDT list the same two tables, FADT first. */
static void build_roots(u8 *buf, u32 gpa, const struct layout *l)
{
	u64 x[2] = { gpa + l->fadt, gpa + l->madt };
	u32 r[2] = { gpa + l->fadt, gpa + l->madt };
	u32 hdr = sizeof(struct acpi_table_header);

	header(buf + l->xsdt, "XSDT", hdr + sizeof(x), SDT_REVISION);
	memcpy(buf + l->xsdt + hdr, x, sizeof(x));
	finish(buf + l->xsdt);
	header(buf + l->rsdt, "RSDT", hdr + sizeof(r), SDT_REVISION);
	memcpy(buf + l->rsdt + hdr, r, sizeof(r));
	finish(buf + l->rsdt);
}

/* An I/O-port Generic Address Structure for a block of @len bytes. */
static struct acpi_gas io_gas(u16 port, u8 len, u8 access_size)
{
	return (struct acpi_gas){
		.address_space_id = ACPI_GAS_SYSTEM_IO,
		.register_bit_width = (u8)(len * 8),
		.access_size = access_size,
		.address = port,
	};
}

/*
 * The PM1a blocks (dm/vpm.h), in both the 32-bit and the X_ GAS forms,
 * which must agree (5.2.9). The PM timer braid models (dm/vpm.c) is not
 * named (PM_TMR_BLK 0: "not supported", 5.2.9): under emulation Linux's
 * watchdog marks the TSC unstable against refined-jiffies before the PM
 * timer registers, and then makes the PM timer its clocksource, an exit
 * per clock read (205,000 of a Linux run's 315,000 exits). It is to be
 * named once the TSC keeps Linux's trust under braid.
 */
static void fadt_pm_blocks(struct acpi_fadt *f)
{
	f->pm1a_evt_blk = VPM_PM1A_EVT_BLK;
	f->pm1a_cnt_blk = VPM_PM1A_CNT_BLK;
	f->pm1_evt_len = PM1_EVT_LEN;
	f->pm1_cnt_len = PM1_CNT_LEN;
	/* PM1_STS, PM1_EN and PM1_CNT are 16-bit registers (4.8.3.1). */
	f->x_pm1a_evt_blk = io_gas(VPM_PM1A_EVT_BLK, PM1_EVT_LEN, GAS_WORD);
	f->x_pm1a_cnt_blk = io_gas(VPM_PM1A_CNT_BLK, PM1_CNT_LEN, GAS_WORD);
}

/* The FADT (see the file comment); the buffer is zeroed already. */
static void build_fadt(u8 *buf, u32 gpa, const struct layout *l)
{
	struct acpi_fadt *f = (void *)(buf + l->fadt);

	header(f, "FACP", sizeof(*f), FADT_REVISION);
	f->fadt_minor_version = FADT_MINOR_VERSION;
	/* X_FIRMWARE_CTRL must be 0 when FIRMWARE_CTRL is set (5.2.9);
	 * X_DSDT, when set, is read instead of DSDT: both name the same. */
	f->firmware_ctrl = gpa;
	f->dsdt = gpa + l->dsdt;
	f->x_dsdt = gpa + l->dsdt;
	f->sci_int = ISA_IRQ_SCI;
	f->p_lvl2_lat = NO_C2;
	f->p_lvl3_lat = NO_C3;
	f->century = RTC_CENTURY; /* dm/vrtc.c keeps it */
	f->iapc_boot_arch = FADT_BOOT_LEGACY_DEVICES | FADT_BOOT_VGA_ABSENT;
	f->flags = FADT_FLAG_WBINVD | FADT_FLAG_PROC_C1 | FADT_FLAG_PWR_BUTTON |
		   FADT_FLAG_SLP_BUTTON;
	fadt_pm_blocks(f);
	finish(f);
}

static void build_dsdt(u8 *buf, const struct layout *l)
{
	u32 hdr = sizeof(struct acpi_table_header);

	header(buf + l->dsdt, "DSDT", hdr + sizeof(dsdt_aml), DSDT_REV);
	memcpy(buf + l->dsdt + hdr, dsdt_aml, sizeof(dsdt_aml));
	finish(buf + l->dsdt);
}

/* One enabled Processor Local APIC entry per CPU. */
static u8 *madt_cpus(u8 *p, unsigned nr_cpus)
{
	unsigned i;

	for (i = 0; i < nr_cpus; i++, p += sizeof(struct acpi_madt_lapic)) {
		struct acpi_madt_lapic e = {
			.type = MADT_TYPE_LAPIC,
			.length = sizeof(e),
			.acpi_processor_uid = (u8)i,
			.apic_id = (u8)i,
			.flags = MADT_LAPIC_ENABLED,
		};

		memcpy(p, &e, sizeof(e));
	}
	return p;
}

static u8 *madt_override(u8 *p, u8 irq, u32 gsi, u16 flags)
{
	struct acpi_madt_int_override e = {
		.type = MADT_TYPE_INT_OVERRIDE,
		.length = sizeof(e),
		.bus = 0,
		.source = irq,
		.global_system_interrupt = gsi,
		.flags = flags,
	};

	memcpy(p, &e, sizeof(e));
	return p + sizeof(e);
}

/* The I/O APIC, the two overrides, the NMI line: the board's wiring. */
static u8 *madt_board(u8 *p)
{
	struct acpi_madt_ioapic io = {
		.type = MADT_TYPE_IOAPIC,
		.length = sizeof(io),
		.io_apic_id = MPTABLE_IOAPIC_ID,
		.io_apic_address = MPTABLE_IOAPIC_GPA,
		.global_system_interrupt_base = 0,
	};
	struct acpi_madt_lapic_nmi nmi = {
		.type = MADT_TYPE_LAPIC_NMI,
		.length = sizeof(nmi),
		.acpi_processor_uid = MADT_ALL_PROCESSORS,
		.flags = 0, /* conforms to the bus: edge, active high */
		.local_apic_lint = NMI_LINT,
	};

	memcpy(p, &io, sizeof(io));
	p = madt_override(p + sizeof(io), ISA_IRQ_PIT, GSI_PIT, 0);
	p = madt_override(p, ISA_IRQ_SCI, ISA_IRQ_SCI,
			  MPS_INTI_POLARITY_HIGH | MPS_INTI_TRIGGER_LEVEL);
	memcpy(p, &nmi, sizeof(nmi));
	return p + sizeof(nmi);
}

static void build_madt(u8 *buf, const struct layout *l, unsigned nr_cpus)
{
	struct acpi_madt *m = (void *)(buf + l->madt);

	header(m, "APIC", madt_length(nr_cpus), MADT_REVISION);
	m->local_apic_address = MPTABLE_LAPIC_GPA;
	m->flags = MADT_PCAT_COMPAT;
	madt_board(madt_cpus((u8 *)(m + 1), nr_cpus));
	finish(m);
}

u32 acpi_tables_build(void *buf, u32 gpa, unsigned nr_cpus)
{
	struct layout l = plan(nr_cpus);

	memset(buf, 0, l.end);
	build_facs(buf);
	build_roots(buf, gpa, &l);
	build_fadt(buf, gpa, &l);
	build_dsdt(buf, &l);
	build_madt(buf, &l, nr_cpus);
	build_rsdp(buf, gpa, &l);
	return l.end;
}
