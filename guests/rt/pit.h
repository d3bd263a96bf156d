/* SPDX-License-Identifier: MIT */
/* The 8254 PIT's ports (8254 data sheet) and the PC's port B (0x61). */
#ifndef GUEST_PIT_H
#define GUEST_PIT_H

#define PIT_HZ	1193182 /* input clock */
#define PIT_CH0 0x40
#define PIT_CH2 0x42
#define PIT_CMD 0x43
#define PORT_B	0x61 /* bit 0: gate 2, bit 1: speaker, bit 5: OUT2 */

#endif
