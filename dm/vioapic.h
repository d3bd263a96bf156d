/* SPDX-License-Identifier: MIT */
/*
 * A guest's virtual I/O APIC, after the Intel 82093AA I/O APIC datasheet
 * (290566-001), wired to local APICs 0 .. nr_cpus - 1. A pure device
 * model: the caller routes MMIO accesses and input pin levels here, pops
 * the interrupts it raises with vioapic_next() into the local APIC's IRR,
 * and forwards the local APIC's EOIs of level-triggered vectors.
 *
 * 64-bit Linux needs one for its ISA interrupts: given an MP table, it
 * masks LINT0 and expects the PIT on pin 2 and COM1 on pin 4.
 */
#ifndef DM_VIOAPIC_H
#define DM_VIOAPIC_H

#include "arch/x86_64/ioapic.h"
#include "lib/types.h"

#define VIOAPIC_PINS 24 /* an 82093AA's (datasheet 2.0) */

struct vioapic {
	u32 id;	     /* IOAPICID as read: the ID in bits 27:24 */
	u8 ioregsel; /* the register IOWIN accesses */
	u32 line;    /* each input pin's level at the wire */
	u32 edge;    /* edge-triggered pins with an undelivered edge */
	u64 redir[VIOAPIC_PINS]; /* writable bits and Remote IRR */
	unsigned nr_cpus;	 /* local APICs with IDs 0 .. nr_cpus - 1 */
};

/* An interrupt message for the local APICs (datasheet 3.2.4). */
struct vioapic_msg {
	u8 vector;
	bool level_trig;
	bool logical; /* destination mode: @dest is a logical set */
	u8 dest;      /* an APIC ID (0xFF: all), or the logical set */
};

/* Reset (datasheet 3.2.4): every redirection entry masked, the rest 0;
 * the ID register holds @id (4 bits) in bits 27:24. All inputs low. */
void vioapic_reset(struct vioapic *io, u8 id);

/* 32-bit MMIO access at a page offset: IOAPIC_IOREGSEL or IOAPIC_IOWIN.
 * Other offsets read 0 and ignore writes. */
u32 vioapic_read(struct vioapic *io, u32 offset);
void vioapic_write(struct vioapic *io, u32 offset, u32 val);

/* Is input @pin's redirection entry masked (pins >= 24: there is none)? */
bool vioapic_pin_masked(const struct vioapic *io, unsigned pin);

/* Input @pin's level at the wire (high = 1). An entry's polarity bit
 * decides whether that level is "asserted". Pins >= 24 are ignored. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level);

/* Pop one interrupt for the local APIC: returns 1 with its vector and
 * trigger mode, or 0 if none. Call until it returns 0. Edge entries give
 * one interrupt per rising edge of the asserted state seen while they are
 * unmasked; level entries one while asserted and Remote IRR is clear, and
 * set Remote IRR. */
int vioapic_next(struct vioapic *io, u8 *vector, bool *level_trig);
/* The same, with the message's destination, for a machine of several
 * CPUs (vioapic_set_cpus()). */
int vioapic_next_msg(struct vioapic *io, struct vioapic_msg *m);
/* The machine has local APICs 0 .. @nr_cpus - 1 (1 after reset):
 * physical destinations beyond them deliver nothing. */
void vioapic_set_cpus(struct vioapic *io, unsigned nr_cpus);

/* The local APIC got an EOI for level-triggered @vector: clear Remote IRR
 * of the entries with that vector, so a still asserted pin is delivered
 * again by vioapic_next(). */
void vioapic_eoi(struct vioapic *io, u8 vector);

#endif
