/* SPDX-License-Identifier: MIT */
/*
 * The PC's two cascaded 8259A programmable interrupt controllers (Intel
 * 8259A data sheet): ports, the initialization and operation command word
 * bits, and the edge/level control registers of PIIX-style chipsets.
 * braid masks the host's pair (arch/x86_64/apic.c); the guest's virtual
 * pair is dm/vpic.c.
 */
#ifndef ARCH_I8259_H
#define ARCH_I8259_H

#define PIC_MASTER_CMD	0x20
#define PIC_MASTER_DATA 0x21 /* OCW1 (the interrupt mask) and ICW2-4 */
#define PIC_SLAVE_CMD	0xa0
#define PIC_SLAVE_DATA	0xa1
#define PIC_ELCR_MASTER 0x4d0
#define PIC_ELCR_SLAVE	0x4d1
#define PIC_CASCADE_IR	2 /* the master input the slave's INT drives */

#define ICW1_IC4     0x01 /* ICW4 follows */
#define ICW1_SNGL    0x02 /* single, no cascade */
#define ICW1_INIT    0x10 /* tells ICW1 from OCW2/OCW3 on the command port */
#define ICW4_8086    0x01 /* 8086 mode (not MCS-80/85) */
#define ICW4_AEOI    0x02
#define OCW3_SELECT  0x08 /* tells OCW3 from OCW2 */
#define OCW3_RIS     0x01
#define OCW3_RR	     0x02
#define OCW3_POLL    0x04
#define OCW3_SMM     0x20
#define OCW3_ESMM    0x40
#define PIC_POLL_INT 0x80 /* poll word: an interrupt is pending */

#endif
