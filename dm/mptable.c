// SPDX-License-Identifier: MIT
/*
 * The MP table, after the Intel MultiProcessor Specification 1.4, chapter
 * 4 ("MP Configuration Table"). It is laid out as:
 *
 *   gpa + 0x00  MP floating pointer structure (16 bytes, 4.1)
 *   gpa + 0x10  MP configuration table header (44 bytes, 4.2)
 *               processor entries      (20 bytes, 4.3.1)  APIC 0 (the BSP),
 *                                                         1, .., nr_cpus - 1
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
#include "dm/board.h"
#include "dm/mptable.h"
#include "lib/checksum.h"
#include "lib/string.h"

#define MP_IOAPIC_VERSION 0x11 /* an 82093AA, as dm/vioapic.c models */
#define MP_LAPIC_VERSION  0x14 /* an integrated (xAPIC) local APIC */
#define ISA_IRQS	  16
#define ISA_IRQ_CASC	  2 /* the 8259 cascade: no device behind it */

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
	build_io_int(i++, MP_INT_INT, ISA_IRQ_PIT, GSI_PIT);
	for (irq = 1; irq < ISA_IRQS; irq++)
		if (irq != ISA_IRQ_CASC)
			build_io_int(i++, MP_INT_INT, irq, irq);
}

/* One enabled processor entry per CPU, APIC ID = index; the first boots
 * (4.3.1: exactly one entry has BP set). */
static u8 *build_cpus(u8 *p, unsigned nr_cpus)
{
	unsigned i;

	for (i = 0; i < nr_cpus; i++, p += sizeof(struct mp_processor)) {
		struct mp_processor c = {
			.type = MP_ENTRY_CPU,
			.lapic_id = (u8)i,
			.lapic_version = MP_LAPIC_VERSION,
			.flags = MP_CPU_EN | (i ? 0 : MP_CPU_BP),
		};

		memcpy(p, &c, sizeof(c));
	}
	return p;
}

static u8 *build_bus_ioapic(u8 *p)
{
	struct mp_bus bus = { .type = MP_ENTRY_BUS, .bus_id = 0 };
	struct mp_ioapic io = {
		.type = MP_ENTRY_IOAPIC,
		.id = MPTABLE_IOAPIC_ID,
		.version = MP_IOAPIC_VERSION,
		.flags = MP_IOAPIC_EN,
		.address = MPTABLE_IOAPIC_GPA,
	};

	memcpy(bus.bus_type, "ISA   ", 6);
	memcpy(p, &bus, sizeof(bus));
	memcpy(p + sizeof(bus), &io, sizeof(io));
	return p + sizeof(bus) + sizeof(io);
}

/* The entries in ascending order of type (4.3); returns their end. */
static u8 *build_entries(u8 *p, unsigned nr_cpus)
{
	static const struct mp_local_int lint[2] = {
		{ MP_ENTRY_LOCAL_INT, MP_INT_EXTINT, 0, 0, 0, 0xff, 0 },
		{ MP_ENTRY_LOCAL_INT, MP_INT_NMI, 0, 0, 0, 0xff, 1 },
	};
	struct mp_io_int io_int[MPTABLE_IO_INTS];

	p = build_bus_ioapic(build_cpus(p, nr_cpus));
	build_io_ints(io_int);
	memcpy(p, io_int, sizeof(io_int));
	p += sizeof(io_int);
	memcpy(p, lint, sizeof(lint));
	return p + sizeof(lint);
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

u32 mptable_build(void *buf, u32 gpa, unsigned nr_cpus)
{
	struct mp_floating *mpf = buf;
	struct mp_config *cfg = (void *)(mpf + 1);
	u8 *end = build_entries((u8 *)(cfg + 1), nr_cpus);
	u16 length = (u16)(end - (u8 *)cfg);

	build_config(cfg, MPTABLE_ENTRIES(nr_cpus), length);
	cfg->checksum = byte_checksum(cfg, length);
	memset(mpf, 0, sizeof(*mpf));
	memcpy(mpf->signature, "_MP_", 4);
	mpf->config = gpa + sizeof(*mpf);
	mpf->length = 1;
	mpf->spec_rev = MP_SPEC_REV_1_4;
	mpf->feature2 = 0; /* virtual wire mode, see the file comment */
	mpf->checksum = byte_checksum(mpf, sizeof(*mpf));
	return sizeof(*mpf) + length;
}
