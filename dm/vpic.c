// SPDX-License-Identifier: MIT
/*
 * Two cascaded virtual 8259As (Intel 8259A data sheet) as wired in a PC.
 * Priorities are fixed, IR0 highest ("fully nested mode"): the rotation
 * commands act as their EOI part only, and special fully nested mode is
 * not offered. ICW1's LTIM is ignored: on a PC the ELCR selects the
 * trigger mode of each input.
 */
#include "dm/vpic.h"
#include "lib/string.h"

/* ELCR bits of IRQ 0, 1, 2 (timer, keyboard, cascade) and 8, 13 (RTC,
 * FPU error) are hardwired to edge. */
#define ELCR_MASTER_WRITABLE 0xf8
#define ELCR_SLAVE_WRITABLE  0xde

/* --- One 8259A ------------------------------------------------------- */

/* Edge inputs are latched; level inputs are requesting while high. */
static u8 chip_irr(const struct vpic_chip *c)
{
	return (c->irr & ~c->elcr) | (c->line & c->elcr);
}

/* The input the priority resolver would request service for, or -1. An
 * input is blocked by any of equal or higher priority in service; in
 * special mask mode, masked in-service levels do not block. */
static int chip_pending(const struct vpic_chip *c)
{
	u8 req = chip_irr(c) & ~c->imr;
	u8 busy = c->special_mask ? c->isr & ~c->imr : c->isr;
	int irq;

	if (!req)
		return -1;
	irq = __builtin_ctz(req);
	if (busy && __builtin_ctz(busy) <= irq)
		return -1;
	return irq;
}

/* INTA (or poll read) for @irq: IRR -> ISR; in AEOI mode the ISR bit is
 * cleared again at the end of the INTA sequence. */
static void chip_intack(struct vpic_chip *c, int irq, bool inta)
{
	c->irr &= ~(1u << irq);
	if (!(inta && c->aeoi))
		c->isr |= 1u << irq;
}

static void chip_set_line(struct vpic_chip *c, int irq, bool level)
{
	u8 bit = 1u << irq;

	if (level && !(c->line & bit) && !(c->elcr & bit))
		c->irr |= bit;
	if (level)
		c->line |= bit;
	else
		c->line &= ~bit;
}

/* ICW1 (data sheet, "Initialization Command Words"): the edge sense is
 * reset, IMR and ISR cleared, IRR selected for reading, special mask mode
 * left, and ICW4's functions zeroed. */
static void chip_icw1(struct vpic_chip *c, u8 val)
{
	c->irr = 0;
	c->imr = 0;
	c->isr = 0;
	c->read_isr = false;
	c->poll = false;
	c->special_mask = false;
	c->aeoi = false;
	c->ic4 = val & ICW1_IC4;
	c->single = val & ICW1_SNGL;
	c->icw_next = 2;
}

/* ICW2, then ICW3 unless single, then ICW4 if ICW1 asked for it. */
static void chip_icw(struct vpic_chip *c, u8 val)
{
	switch (c->icw_next) {
	case 2:
		c->base = val & 0xf8; /* 8086 mode: T7-T3 */
		c->icw_next = c->single ? 4 : 3;
		break;
	case 3:
		c->icw3 = val; /* the PC's wiring is fixed: slave on IR2 */
		c->icw_next = 4;
		break;
	default:
		c->aeoi = val & ICW4_AEOI;
		c->icw_next = 0;
		return;
	}
	if (c->icw_next == 4 && !c->ic4)
		c->icw_next = 0;
}

/* Non-specific EOI: the highest priority level in service. */
static void chip_eoi(struct vpic_chip *c)
{
	if (c->isr)
		c->isr &= c->isr - 1; /* lowest set bit = highest priority */
}

/* OCW2 bits 7:5 = R, SL, EOI. */
static void chip_ocw2(struct vpic_chip *c, u8 val)
{
	switch (val >> 5) {
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */ chip_eoi(c); break;
	case 3: /* specific EOI */
	case 7: /* rotate on specific EOI */
		c->isr &= ~(1u << (val & 7));
		break;
	default: /* rotate in AEOI mode, set priority, no-op */ break;
	}
}

static void chip_ocw3(struct vpic_chip *c, u8 val)
{
	if (val & OCW3_RR)
		c->read_isr = val & OCW3_RIS;
	if (val & OCW3_POLL)
		c->poll = true;
	if (val & OCW3_ESMM)
		c->special_mask = val & OCW3_SMM;
}

static void chip_write(struct vpic_chip *c, bool data, u8 val)
{
	if (data && c->icw_next)
		chip_icw(c, val);
	else if (data)
		c->imr = val; /* OCW1 */
	else if (val & ICW1_INIT)
		chip_icw1(c, val);
	else if (val & OCW3_SELECT)
		chip_ocw3(c, val);
	else
		chip_ocw2(c, val);
}

/* Poll command: the next read is 0x80 | level of the highest request,
 * acknowledged as by INTA, or 0 if there is none. */
static u8 chip_poll_read(struct vpic_chip *c)
{
	int irq = chip_pending(c);

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_intack(c, irq, false);
	return PIC_POLL_INT | irq;
}

static u8 chip_read(struct vpic_chip *c, bool data)
{
	if (c->poll)
		return chip_poll_read(c);
	if (data)
		return c->imr;
	return c->read_isr ? c->isr : chip_irr(c);
}

/* --- The pair -------------------------------------------------------- */

/* The slave's INT output drives the master's IR2, an edge input. */
static void cascade_update(struct vpic *p)
{
	chip_set_line(&p->chip[0], PIC_CASCADE_IR,
		      chip_pending(&p->chip[1]) >= 0);
}

/* Once the master has served IR2, a slave that still requests (say with
 * AEOI, or a new higher-priority input) must be seen as a new edge. */
static void cascade_served(struct vpic *p)
{
	p->chip[0].line &= ~(1u << PIC_CASCADE_IR);
	cascade_update(p);
}

void vpic_reset(struct vpic *p)
{
	memset(p, 0, sizeof(*p));
	p->chip[0].base = 0x08;
	p->chip[1].base = 0x70;
	p->chip[0].elcr_writable = ELCR_MASTER_WRITABLE;
	p->chip[1].elcr_writable = ELCR_SLAVE_WRITABLE;
	for (int i = 0; i < 2; i++)
		p->chip[i].imr = 0xff;
}

/* A poll of the master that yields IR2 leaves the slave requesting until
 * software polls it too, so no new cascade edge is made up here. */
static void pic_port(struct vpic *p, int n, bool data, bool in, u8 *val)
{
	struct vpic_chip *c = &p->chip[n];

	if (in)
		*val = chip_read(c, data);
	else
		chip_write(c, data, *val);
	cascade_update(p);
}

static void elcr_port(struct vpic *p, int n, bool in, u8 *val)
{
	struct vpic_chip *c = &p->chip[n];

	if (in) {
		*val = c->elcr;
		return;
	}
	c->elcr = *val & c->elcr_writable;
	cascade_update(p);
}

bool vpic_io(struct vpic *p, u16 port, bool in, u8 *val)
{
	switch (port) {
	case PIC_MASTER_CMD: pic_port(p, 0, false, in, val); return true;
	case PIC_MASTER_DATA: pic_port(p, 0, true, in, val); return true;
	case PIC_SLAVE_CMD: pic_port(p, 1, false, in, val); return true;
	case PIC_SLAVE_DATA: pic_port(p, 1, true, in, val); return true;
	case PIC_ELCR_MASTER: elcr_port(p, 0, in, val); return true;
	case PIC_ELCR_SLAVE: elcr_port(p, 1, in, val); return true;
	default: return false;
	}
}

void vpic_set_irq(struct vpic *p, unsigned irq, bool level)
{
	if (irq >= 16 || irq == PIC_CASCADE_IR)
		return;
	chip_set_line(&p->chip[irq >> 3], irq & 7, level);
	cascade_update(p);
}

/* The slave's vector for a cascaded INTA: IR7 if its request vanished. */
static int slave_vector(const struct vpic *p, int *irq)
{
	*irq = chip_pending(&p->chip[1]);
	return p->chip[1].base | (*irq >= 0 ? *irq : 7);
}

int vpic_pending(const struct vpic *p)
{
	int m = chip_pending(&p->chip[0]);
	int s;

	if (m < 0)
		return -1;
	if (m != PIC_CASCADE_IR)
		return p->chip[0].base | m;
	return slave_vector(p, &s);
}

int vpic_ack(struct vpic *p)
{
	int m = chip_pending(&p->chip[0]);
	int s, vector;

	if (m < 0)
		return -1;
	chip_intack(&p->chip[0], m, true);
	if (m != PIC_CASCADE_IR) {
		cascade_update(p);
		return p->chip[0].base | m;
	}
	/* The slave drives the vector; a spurious IR7 sets no ISR bit. */
	vector = slave_vector(p, &s);
	if (s >= 0)
		chip_intack(&p->chip[1], s, true);
	cascade_served(p);
	return vector;
}

bool vpic_irq_masked(const struct vpic *p, unsigned irq)
{
	if (irq >= 8 && (p->chip[0].imr & BIT(2)))
		return true;
	return p->chip[irq / 8].imr & BIT(irq % 8);
}
