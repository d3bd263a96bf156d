/* SPDX-License-Identifier: MIT */
/*
 * A guest's vCPUs talk to each other by IPIs through their local APICs
 * (SDM Vol. 3A 11.6), and its APs start the way a PC's do: in
 * wait-for-SIPI until an INIT-SIPI-SIPI sequence gives them a real-mode
 * entry point (SDM Vol. 3A 9.4.4). hv/ipi.c routes what dm/vlapic_ipi.c
 * decodes; everything here runs under the guest's platform lock.
 */
#ifndef HV_IPI_H
#define HV_IPI_H

#include "hv/guest.h"

/* @src wrote its ICR low: deliver the IPI to the other vCPUs it names. */
void ipi_route(struct vcpu *src);

/* @v wrote a register of its local APIC (by MMIO or x2APIC MSR): an EOI
 * of a level-triggered interrupt reaches the I/O APIC, an IPI its
 * targets. */
void ipi_apic_written(struct vcpu *v);

/* Something arrived for @gc while it may be running or asleep on another
 * CPU: make it look (its next entry takes the full pass). */
void ipi_notify(struct gcpu *gc);

/* @v waits for a SIPI: true if one came and it now starts in real mode,
 * on this CPU (its VMCS/VMCB is current). */
bool ipi_take_sipi(struct vcpu *v);

/* An INIT came while @v ran: it waits for a SIPI from now on. */
void ipi_take_init(struct vcpu *v);

#endif
