// SPDX-License-Identifier: MIT
/*
 * The MP table, after the Intel MultiProcessor Specification 1.4, chapter
 * 4 ("MP Configuration Table"). It is laid out as:
 *
 *   gpa + 0x00  MP floating pointer structure (16 bytes, 4.1)
 *   gpa + 0x10  MP configuration table header (44 bytes, 4.2)
 *               processor entry        (20 bytes, 4.3.1)  APIC 0, the BSP
 *               bus entry              ( 8 bytes, 4.3.2)  bus 0, "ISA"
 *               I/O APIC entry         ( 8 bytes, 4.3.3)  ID 1, 0xFEC00000
 *               I/O interrupt entries  (16 x 8 bytes, 4.3.4), from bus 0:
 *                 ExtINT          -> I/O APIC pin 0 (the 8259's INTR)
 *                 INT ISA IRQ 0   -> pin 2 (the PIT)
 *                 INT ISA IRQ n   -> pin n, n = 1, 3..15
 *               local interrupt entry  ( 8 bytes, 4.3.5)  ExtINT -> LINT0
 *               local interrupt entry  ( 8 bytes, 4.3.5)  NMI -> LINT1
 *
 * Entries appear in ascending order of type, as 4.3 requires. This is
 * the wiring of the default configurations (5.3, table 5-2), spelled out
 * as a table must: one entry per connected I/O APIC input (4.3.4). ISA
 * IRQ 2 has no entry: on the PIC it is the cascade, and no device drives
 * it. The interrupt entries' flags are 0, "conforms to the bus": ISA
 * interrupts are edge-triggered and active high.
 *
 * IMCRP is clear: the guest starts in virtual wire mode (3.6.2.2), its
 * local APIC enabled with the PIC on LINT0 as ExtINT, not in PIC mode
 * behind an IMCR (3.6.2.1). 64-bit Linux ignores the bit either way.
 */
#include "dm/mptable.h"
#include "lib/string.h"

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
#define MP_IOAPIC_EN	  BIT(0)
#define MP_IOAPIC_VERSION 0x11 /* an 82093AA, as dm/vioapic.c models */

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
#define ISA_IRQS     16
#define ISA_IRQ_PIT  0
#define PIT_INTIN    2 /* table 5-2 */
#define ISA_IRQ_CASC 2 /* the 8259 cascade: no device behind it */

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

/* The contents after the header, in the order of the file comment. */
struct mp_entries {
	struct mp_processor cpu;
	struct mp_bus bus;
	struct mp_ioapic ioapic;
	struct mp_io_int io_int[MPTABLE_IO_INTS];
	struct mp_local_int lint[2];
} __attribute__((packed));

_Static_assert(sizeof(struct mp_floating) + sizeof(struct mp_config) +
			       sizeof(struct mp_entries) ==
		       MPTABLE_SIZE,
	       "MPTABLE_SIZE");

/* The byte that makes @len bytes at @p sum to zero (mod 256). */
static u8 checksum(const void *p, u32 len)
{
	const u8 *b = p;
	u8 sum = 0;

	while (len--)
		sum += *b++;
	return (u8)-sum;
}

static void build_io_int(struct mp_io_int *i, u8 type, u8 irq, u8 intin)
{
	i->type = MP_ENTRY_IO_INT;
	i->int_type = type;
	i->flags = 0;
	i->src_bus = 0;
	i->src_irq = irq;
	i->dst_ioapic = MPTABLE_IOAPIC_ID;
	i->dst_intin = intin;
}

_Static_assert(MPTABLE_IO_INTS == 2 + ISA_IRQS - 2, "ExtINT, PIT, 1, 3..15");

/* ISA IRQs to I/O APIC pins as on a PC (table 5-2). The ExtINT entry
 * tells Linux where the 8259 is (pin 0), which its check_timer() falls
 * back to if the PIT's pin 2 stays silent. */
static void build_io_ints(struct mp_io_int *i)
{
	u8 irq;

	build_io_int(i++, MP_INT_EXTINT, 0, 0);
	build_io_int(i++, MP_INT_INT, ISA_IRQ_PIT, PIT_INTIN);
	for (irq = 1; irq < ISA_IRQS; irq++)
		if (irq != ISA_IRQ_CASC)
			build_io_int(i++, MP_INT_INT, irq, irq);
}

static void build_entries(struct mp_entries *e)
{
	static const struct mp_local_int lint[2] = {
		{ MP_ENTRY_LOCAL_INT, MP_INT_EXTINT, 0, 0, 0, 0xff, 0 },
		{ MP_ENTRY_LOCAL_INT, MP_INT_NMI, 0, 0, 0, 0xff, 1 },
	};

	memset(e, 0, sizeof(*e));
	e->cpu.type = MP_ENTRY_CPU;
	e->cpu.lapic_id = 0;
	e->cpu.lapic_version = 0x14; /* an integrated (xAPIC) local APIC */
	e->cpu.flags = MP_CPU_EN | MP_CPU_BP;
	e->bus.type = MP_ENTRY_BUS;
	e->bus.bus_id = 0;
	memcpy(e->bus.bus_type, "ISA   ", 6);
	e->ioapic.type = MP_ENTRY_IOAPIC;
	e->ioapic.id = MPTABLE_IOAPIC_ID;
	e->ioapic.version = MP_IOAPIC_VERSION;
	e->ioapic.flags = MP_IOAPIC_EN;
	e->ioapic.address = MPTABLE_IOAPIC_GPA;
	build_io_ints(e->io_int);
	memcpy(e->lint, lint, sizeof(lint));
}

static void build_config(struct mp_config *c, u16 entries, u16 length)
{
	memset(c, 0, sizeof(*c));
	memcpy(c->signature, "PCMP", 4);
	c->length = length;
	c->spec_rev = MP_SPEC_REV_1_4;
	memcpy(c->oem_id, "BRAID   ", 8);
	memcpy(c->product_id, "BRAIDHV     ", 12);
	c->entry_count = entries;
	c->lapic = MPTABLE_LAPIC_GPA;
}

u32 mptable_build(void *buf, u32 gpa)
{
	struct mp_floating *mpf = buf;
	struct mp_config *cfg = (void *)(mpf + 1);
	struct mp_entries *e = (void *)(cfg + 1);
	u16 length = sizeof(*cfg) + sizeof(*e);

	build_entries(e);
	build_config(cfg, MPTABLE_ENTRIES, length);
	cfg->checksum = checksum(cfg, length);
	memset(mpf, 0, sizeof(*mpf));
	memcpy(mpf->signature, "_MP_", 4);
	mpf->config = gpa + sizeof(*mpf);
	mpf->length = 1;
	mpf->spec_rev = MP_SPEC_REV_1_4;
	mpf->feature2 = 0; /* virtual wire mode, see the file comment */
	mpf->checksum = checksum(mpf, sizeof(*mpf));
	return MPTABLE_SIZE;
}
