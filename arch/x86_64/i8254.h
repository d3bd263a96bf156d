/* SPDX-License-Identifier: MIT */
/*
 * The 8254 programmable interval timer (Intel 8254 data sheet) at ports
 * 0x40-0x43, and the PC/AT "port B" at 0x61 that gates its channel 2 and
 * shows channel 2's OUT. braid times the TSC against the host's PIT
 * (arch/x86_64/tsc.c); the guest's virtual PIT is dm/vpit.c.
 */
#ifndef ARCH_I8254_H
#define ARCH_I8254_H

#define PIT_HZ 1193182u /* the input clock of all three channels */

#define PIT_PORT_CH0 0x40 /* channel n at 0x40 + n */
#define PIT_PORT_CH2 0x42
#define PIT_PORT_CMD 0x43
#define PIT_CHANNELS 3

/* Control word (data sheet, "Control Word Format"). */
#define CW_SC(cw)    ((cw) >> 6)
#define CW_RW(cw)    (((cw) >> 4) & 3)
#define CW_MODE(cw)  (((cw) >> 1) & 7)
#define CW_BCD	     0x01
#define SC_READ_BACK 3
#define RW_LATCH     0 /* counter latch command */
#define RW_LSB	     1
#define RW_MSB	     2
#define RW_WORD	     3 /* LSB, then MSB */
/* Read-back command: bits 5 and 4 are active low. */
#define RB_NO_COUNT   0x20
#define RB_NO_STATUS  0x10
#define RB_CHANNEL(i) (0x02 << (i))
/* Status byte (data sheet, "Status Byte"). */
#define STATUS_OUT  0x80
#define STATUS_NULL 0x40

/* Port B (PC/AT): bits 3:0 are read/write, bits 5:4 read-only status. */
#define PORT_B		0x61
#define PORT_B_GATE2	0x01 /* channel 2's GATE */
#define PORT_B_SPEAKER	0x02 /* channel 2's OUT drives the speaker */
#define PORT_B_WRITABLE 0x0f
#define PORT_B_REFRESH	0x10 /* toggles with each DRAM refresh request */
#define PORT_B_OUT2	0x20 /* channel 2's OUT */

#endif
