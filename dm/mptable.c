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
#include "arch/x86_64/mpspec.h"
#include "dm/mptable.h"
#include "lib/string.h"

#define MP_IOAPIC_VERSION 0x11 /* an 82093AA, as dm/vioapic.c models */
#define ISA_IRQS	  16
#define ISA_IRQ_PIT	  0
#define PIT_INTIN	  2 /* table 5-2 */
#define ISA_IRQ_CASC	  2 /* the 8259 cascade: no device behind it */

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
