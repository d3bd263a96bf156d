/* SPDX-License-Identifier: MIT */
/*
 * A guest's virtual PC platform: the devices a PC operating system expects
 * besides RAM and COM1 (dm/uart.c), each emulated by braid, none passed
 * through:
 *
 *   local APIC   MMIO 0xFEE00000   dm/vlapic.c   timer, TPR, EOI, ICR
 *   I/O APIC     MMIO 0xFEC00000   dm/vioapic.c  ISA IRQs to the local APIC
 *   8259 pair    ports 0x20, 0xA0  dm/vpic.c     ISA IRQs, via LINT0 ExtINT
 *   8254 PIT     ports 0x40-0x43   dm/vpit.c     IRQ 0; channel 2 via 0x61
 *   CMOS RTC     ports 0x70-0x71   dm/vrtc.c     wall clock and NVRAM
 *   ACPI PM      ports 0x600-0x60B dm/vpm.c      PM1 blocks, PM timer, SCI
 *
 * Everything counts time in TSC ticks, the clock the guest reads itself.
 * Before each entry braid brings the devices up to date, injects the
 * interrupt the guest would take, and sets its own APIC timer to the next
 * device deadline so that a guest that never exits still gets its ticks.
 */
#ifndef HV_VPLAT_H
#define HV_VPLAT_H

#include "dm/board.h"
#include "dm/mptable.h"
#include "dm/vioapic.h"
#include "dm/vlapic.h"
#include "dm/vpic.h"
#include "dm/vpit.h"
#include "dm/vpm.h"
#include "dm/vrtc.h"
#include "lib/types.h"

#define IOAPIC_ID MPTABLE_IOAPIC_ID /* the local APIC has ID 0 */

struct vplat {
	struct vioapic ioapic;
	struct vpic pic;
	struct vpit pit;
	struct vrtc rtc;
	struct vpm pm;
	u8 rst_cnt; /* the Reset Control register's other bits (hv/io.c) */
	u64 next_input_poll;	     /* TSC: when to look at the host console */
	u8 reported_port[65536 / 8]; /* unemulated ports already reported */
};

struct guest;

void vplat_reset(struct guest *g);
/* A port of the platform's devices? Then carry out the access: true. */
bool vplat_io(struct guest *g, u16 port, bool in, u8 size, u32 *val);
/* Say once per port that the guest used a port nothing answers. */
void vplat_report_port(struct guest *g, u16 port, bool in);
/* Just before entering the guest: vplat_before_entry() in
 * hv/vplat_entry.h. */
/* The delivery of external interrupt @vector was cut short by an
 * exception the guest must take first (hv/event.c): deliver it again as
 * soon as the guest can take it. It is in service in the local APIC
 * already, as when it was first delivered. */
void vplat_requeue(struct vcpu *v, u8 vector);
/* The guest is in HLT with interrupts enabled (the HLT already skipped):
 * can an interrupt be delivered now? Then it is no longer halted: true.
 * Or it can never be, or its time is up: stopped, true. Else false, and
 * vcpu.sched.wake_at says when its next device event is due. */
bool vplat_halt_poll(struct vcpu *v);

#endif
