/* SPDX-License-Identifier: MIT */
/*
 * A guest's virtual I/O APIC, after the Intel 82093AA I/O APIC datasheet
 * (290566-001), wired to a single local APIC with APIC ID 0. A pure device
 * model: the caller routes MMIO accesses and input pin levels here, pops
 * the interrupts it raises with vioapic_next() into the local APIC's IRR,
 * and forwards the local APIC's EOIs of level-triggered vectors.
 *
 * 64-bit Linux needs one for its ISA interrupts: given an MP table, it
 * masks LINT0 and expects the PIT on pin 2 and COM1 on pin 4.
 */
#ifndef HV_VIOAPIC_H
#define HV_VIOAPIC_H

#include "lib/types.h"

/* Where a PC has it (MP spec 1.4 ch. 5, default configurations). */
#define VIOAPIC_BASE 0xfec00000ull
/* The page braid traps; the registers are IOREGSEL at 0x00 and IOWIN at
 * 0x10, accessed as 32-bit words (datasheet 3.1). */
#define VIOAPIC_SIZE	 0x1000ull
#define VIOAPIC_IOREGSEL 0x00
#define VIOAPIC_IOWIN	 0x10
#define VIOAPIC_PINS	 24

/* Register indexes behind IOREGSEL (datasheet 3.2, table 2). */
#define VIOAPIC_REG_ID	  0x00
#define VIOAPIC_REG_VER	  0x01
#define VIOAPIC_REG_ARB	  0x02
#define VIOAPIC_REG_REDIR 0x10 /* entry n: low 0x10 + 2n, high 0x11 + 2n */

/* Redirection table entry fields (datasheet 3.2.4). */
#define VIOAPIC_RTE_VECTOR     0xffull
#define VIOAPIC_RTE_DM_SHIFT   8
#define VIOAPIC_DM_FIXED       0
#define VIOAPIC_DM_LOWPRI      1
#define VIOAPIC_DM_SMI	       2
#define VIOAPIC_DM_NMI	       4
#define VIOAPIC_DM_INIT	       5
#define VIOAPIC_DM_EXTINT      7
#define VIOAPIC_RTE_LOGICAL    BIT(11)
#define VIOAPIC_RTE_DELIVS     BIT(12) /* delivery status, read-only */
#define VIOAPIC_RTE_POL_LOW    BIT(13)
#define VIOAPIC_RTE_REMOTE_IRR BIT(14) /* read-only */
#define VIOAPIC_RTE_LEVEL      BIT(15)
#define VIOAPIC_RTE_MASKED     BIT(16)
#define VIOAPIC_RTE_DEST_SHIFT 56

struct vioapic {
	u32 id;	     /* IOAPICID as read: the ID in bits 27:24 */
	u8 ioregsel; /* the register IOWIN accesses */
	u32 line;    /* each input pin's level at the wire */
	u32 edge;    /* edge-triggered pins with an undelivered edge */
	u64 redir[VIOAPIC_PINS]; /* writable bits and Remote IRR */
};

/* Reset (datasheet 3.2.4): every redirection entry masked, the rest 0;
 * the ID register holds @id (4 bits) in bits 27:24. All inputs low. */
void vioapic_reset(struct vioapic *io, u8 id);

/* 32-bit MMIO access at a page offset: VIOAPIC_IOREGSEL or VIOAPIC_IOWIN.
 * Other offsets read 0 and ignore writes. */
u32 vioapic_read(struct vioapic *io, u32 offset);
void vioapic_write(struct vioapic *io, u32 offset, u32 val);

/* Input @pin's level at the wire (high = 1). An entry's polarity bit
 * decides whether that level is "asserted". Pins >= 24 are ignored. */
void vioapic_set_irq(struct vioapic *io, unsigned pin, bool level);

/* Pop one interrupt for the local APIC: returns 1 with its vector and
 * trigger mode, or 0 if none. Call until it returns 0. Edge entries give
 * one interrupt per rising edge of the asserted state seen while they are
 * unmasked; level entries one while asserted and Remote IRR is clear, and
 * set Remote IRR. */
int vioapic_next(struct vioapic *io, u8 *vector, bool *level_trig);

/* The local APIC got an EOI for level-triggered @vector: clear Remote IRR
 * of the entries with that vector, so a still asserted pin is delivered
 * again by vioapic_next(). */
void vioapic_eoi(struct vioapic *io, u8 vector);

#endif
