// SPDX-License-Identifier: MIT
/*
 * A virtual 82093AA I/O APIC (Intel 82093AA I/O APIC datasheet) feeding a
 * single local APIC. Simplifications, all invisible to a one-CPU guest:
 *
 *  - Destination: the only local APIC has APIC ID 0. A physical entry
 *    reaches it for destination 0 or 0xFF (broadcast), a logical entry for
 *    any destination bit set: the vLAPIC's LDR/DFR are not consulted, as
 *    a lone CPU is in every non-empty logical set a guest would program.
 *  - Delivery modes: fixed and lowest priority put the vector in the
 *    local APIC's IRR. ExtINT entries deliver nothing: in braid the 8259's
 *    INTR reaches the CPU through LINT0, which does the INTA cycle itself.
 *    SMI, NMI and INIT entries are ignored (no guest of braid uses them
 *    for I/O interrupts; the NMI source is LINT1).
 *  - Edges are only seen when a pin's level changes: unmasking a pin, or
 *    flipping its polarity, while its input is asserted raises nothing.
 *  - There is no APIC bus: a message is "accepted" when vioapic_next()
 *    pops it, so Delivery Status reads 1 from the edge (or level) until
 *    then.
 */
#include "dm/vioapic.h"
#include "lib/string.h"

#define VIOAPIC_VERSION 0x11 /* 82093AA (datasheet 3.2.2) */
#define VER_VALUE	((u32)(VIOAPIC_PINS - 1) << 16 | VIOAPIC_VERSION)
#define ID_MASK		0x0f000000u /* IOAPICID bits 27:24 (3.2.1) */

/* Bits software may write (datasheet 3.2.4): vector, delivery mode,
 * destination mode, polarity, trigger mode, mask, destination. Delivery
 * Status and Remote IRR are read-only; the rest is reserved. */
#define RTE_WRITABLE                                                  \
	(IOAPIC_RTE_VECTOR | 7ull << IOAPIC_RTE_DM_SHIFT |            \
	 IOAPIC_RTE_LOGICAL | IOAPIC_RTE_POL_LOW | IOAPIC_RTE_LEVEL | \
	 IOAPIC_RTE_MASKED | 0xffull << IOAPIC_RTE_DEST_SHIFT)

/* --- One redirection entry ------------------------------------------ */

static unsigned rte_mode(u64 e)
{
	return (e >> IOAPIC_RTE_DM_SHIFT) & 7;
}

/* Does @e send a vector to a local APIC there is: APIC IDs 0 to
 * nr_cpus - 1, or all (physical 0xFF), or some logical set (the caller
 * matches it against the APICs' LDRs)? */
static bool rte_targets_cpu(const struct vioapic *io, u64 e)
{
	u8 dest = e >> IOAPIC_RTE_DEST_SHIFT;
	unsigned mode = rte_mode(e);

	if (e & IOAPIC_RTE_MASKED)
		return false;
	if (mode != IOAPIC_DM_FIXED && mode != IOAPIC_DM_LOWPRI)
		return false;
	if (e & IOAPIC_RTE_LOGICAL)
		return dest != 0;
	return dest < io->nr_cpus || dest == 0xff;
}

/* The input as the entry's polarity (bit 13) reads it. */
static bool pin_asserted(const struct vioapic *io, unsigned pin)
{
	bool high = io->line & (1u << pin);

	return io->redir[pin] & IOAPIC_RTE_POL_LOW ? !high : high;
}

/* A level entry requests delivery while asserted, until the local APIC's
 * EOI clears Remote IRR (datasheet 3.2.4, bit 14). */
static bool level_ready(const struct vioapic *io, unsigned pin)
{
	u64 e = io->redir[pin];

	return (e & IOAPIC_RTE_LEVEL) && !(e & IOAPIC_RTE_REMOTE_IRR) &&
	       rte_targets_cpu(io, e) && pin_asserted(io, pin);
}

static bool pin_ready(const struct vioapic *io, unsigned pin)
{
	return (io->edge & (1u << pin)) || level_ready(io, pin);
}

/* --- Registers ------------------------------------------------------- */

static u32 reg_read(const struct vioapic *io, u8 reg)
{
	unsigned pin;
	u64 e;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB: /* loaded from the ID (3.2.3) */ return io->id;
	case IOAPIC_REG_VER: return VER_VALUE;
	}
	pin = (reg - IOAPIC_REG_REDIR) / 2u;
	if (reg < IOAPIC_REG_REDIR || pin >= VIOAPIC_PINS)
		return 0;
	e = io->redir[pin];
	if (pin_ready(io, pin))
		e |= IOAPIC_RTE_DELIVS;
	return reg & 1 ? e >> 32 : (u32)e;
}

/* A new entry value. An edge latched under the old one survives only if
 * the new one still delivers it as an edge: a masked pin holds no edge
 * pending (3.2.4, bit 16). Remote IRR means nothing for edge entries
 * (bit 14), and Linux rewrites a stuck level entry as edge to clear it. */
static void rte_update(struct vioapic *io, unsigned pin, u64 val)
{
	u64 e = (io->redir[pin] & ~RTE_WRITABLE) | (val & RTE_WRITABLE);

	if (!(e & IOAPIC_RTE_LEVEL))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	if ((e & IOAPIC_RTE_LEVEL) || !rte_targets_cpu(io, e))
		io->edge &= ~(1u << pin);
	io->redir[pin] = e;
}

static void reg_write(struct vioapic *io, u8 reg, u32 val)
{
	unsigned pin = (reg - IOAPIC_REG_REDIR) / 2u;
	u64 e;

	if (reg == IOAPIC_REG_ID)
		io->id = val & ID_MASK;
	if (reg < IOAPIC_REG_REDIR || pin >= VIOAPIC_PINS)
		return; /* VER and ARB are read-only */
	e = io->redir[pin];
	if (reg & 1)
		e = (e & 0xffffffffull) | (u64)val << 32;
	else
		e = (e & ~0xffffffffull) | val;
	rte_update(io, pin, e);
}

/* --- Interface ------------------------------------------------------- */

void vioapic_reset(struct vioapic *io, u8 id)
{
	unsigned pin;

	memset(io, 0, sizeof(*io));
	io->id = ((u32)id << 24) & ID_MASK;
	io->nr_cpus = 1;
	for (pin = 0; pin < VIOAPIC_PINS; pin++)
		io->redir[pin] = IOAPIC_RTE_MASKED;
}

u32 vioapic_read(struct vioapic *io, u32 offset)
{
	switch (offset) {
	case IOAPIC_IOREGSEL: return io->ioregsel;
	case IOAPIC_IOWIN: return reg_read(io, io->ioregsel);
	}
	return 0;
}

void vioapic_write(struct vioapic *io, u32 offset, u32 val)
{
	switch (offset) {
	case IOAPIC_IOREGSEL:
		io->ioregsel = val; /* bits 7:0; 31:8 are reserved (3.1.1) */
		break;
	case IOAPIC_IOWIN: reg_write(io, io->ioregsel, val); break;
	}
}

/* An edge entry latches a rising edge of its asserted state; while it is
 * masked (or delivers no vector) the edge is lost, not held (3.2.4). */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level)
{
	u32 bit = 1u << pin;
	u64 e;
	bool was;

	if (pin >= VIOAPIC_PINS)
		return;
	e = io->redir[pin];
	was = pin_asserted(io, pin);
	io->line = level ? io->line | bit : io->line & ~bit;
	if (!(e & IOAPIC_RTE_LEVEL) && rte_targets_cpu(io, e) && !was &&
	    pin_asserted(io, pin))
		io->edge |= bit;
}

/* Lowest pin first: the local APIC orders the vectors by priority anyway.
 * A level message counts as accepted here, which sets Remote IRR. */
int vioapic_next_msg(struct vioapic *io, struct vioapic_msg *m)
{
	unsigned pin;

	for (pin = 0; pin < VIOAPIC_PINS; pin++) {
		u64 e = io->redir[pin];

		if (!pin_ready(io, pin))
			continue;
		io->edge &= ~(1u << pin);
		m->vector = e & IOAPIC_RTE_VECTOR;
		m->level_trig = e & IOAPIC_RTE_LEVEL;
		m->logical = e & IOAPIC_RTE_LOGICAL;
		m->dest = (u8)(e >> IOAPIC_RTE_DEST_SHIFT);
		if (m->level_trig)
			io->redir[pin] |= IOAPIC_RTE_REMOTE_IRR;
		return 1;
	}
	return 0;
}

int vioapic_next(struct vioapic *io, u8 *vector, bool *level_trig)
{
	struct vioapic_msg m;

	if (!vioapic_next_msg(io, &m))
		return 0;
	*vector = m.vector;
	*level_trig = m.level_trig;
	return 1;
}

void vioapic_set_cpus(struct vioapic *io, unsigned nr_cpus)
{
	io->nr_cpus = nr_cpus;
}

/* The EOI message (3.2.4, bit 14): every entry with a matching vector has
 * its Remote IRR cleared; vioapic_next() then redelivers an asserted one. */
void vioapic_eoi(struct vioapic *io, u8 vector)
{
	unsigned pin;

	for (pin = 0; pin < VIOAPIC_PINS; pin++)
		if ((io->redir[pin] & IOAPIC_RTE_VECTOR) == vector)
			io->redir[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
}

bool vioapic_pin_masked(const struct vioapic *io, unsigned pin)
{
	return pin >= VIOAPIC_PINS || (io->redir[pin] & IOAPIC_RTE_MASKED);
}
