/* SPDX-License-Identifier: MIT */
/*
 * The PC's two cascaded 8259A interrupt controllers (Intel 8259A data
 * sheet): the master at ports 0x20/0x21, the slave at 0xA0/0xA1 with its
 * INT wired to the master's IR2, plus the edge/level control registers
 * (ELCR) at 0x4D0/0x4D1 of PIIX-style chipsets. A pure device model: the
 * caller routes port I/O and device IRQ lines here, and runs the INTA
 * cycle when it delivers the interrupt to the CPU.
 */
#ifndef DM_VPIC_H
#define DM_VPIC_H

#include "arch/x86_64/i8259.h"
#include "lib/types.h"

struct vpic_chip {
	u8 irr;	 /* edge-triggered requests latched from rising edges */
	u8 line; /* the IR inputs' current levels */
	u8 isr, imr;
	u8 elcr, elcr_writable; /* 1 = level-triggered */
	u8 base;		/* ICW2: vector of IR0 */
	u8 icw3;
	u8 icw_next; /* the ICW expected on the data port, 0 if none */
	bool ic4, single, aeoi;
	bool read_isr, poll, special_mask;
};

struct vpic {
	struct vpic_chip chip[2]; /* master, slave */
};

/* As a PC BIOS leaves them, but with every input masked: vectors 0x08 and
 * 0x70, edge-triggered, fully nested, no AEOI. */
void vpic_reset(struct vpic *p);

/* A port access: false if @port is not the PIC's. On in, *val is the byte
 * read, on out the byte written. */
bool vpic_io(struct vpic *p, u16 port, bool in, u8 *val);

/* Is ISA IRQ @irq (0..15) masked on its way to the CPU: in its chip's
 * IMR, or, for the slave's, at the master's cascade input? */
bool vpic_irq_masked(const struct vpic *p, unsigned irq);

/* ISA IRQ 0..15 line level. Edge mode latches a 0->1 transition into IRR,
 * level mode (ELCR) follows the line. IRQ 2 is the cascade (on the ISA
 * bus its pin is IRQ 9): setting it does nothing. */
void vpic_set_irq(struct vpic *p, unsigned irq, bool level);

/* Is INTR asserted? The vector the INTA cycle would give, else -1. */
int vpic_pending(const struct vpic *p);

/* The INTA cycle: the vector (updating IRR/ISR, honouring AEOI), or -1 if
 * INTR is not asserted. If the master asks the slave for a vector whose
 * request vanished, the slave answers IR7: the spurious IRQ 15 vector. */
int vpic_ack(struct vpic *p);

#endif
