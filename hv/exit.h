/* SPDX-License-Identifier: MIT */
/* Vendor-neutral VM-exit handling: one handler per kind of exit. */
#ifndef HV_EXIT_H
#define HV_EXIT_H

#include "arch/x86_64/vendor.h"
#include "hv/guest.h"

void handle_exit(struct vcpu *v, struct vmexit *e);

void handle_cpuid(struct vcpu *v, const struct vmexit *e);
/* The CR4 bits the guest's CPUID lets it set (hv/cpuid.c). */
u64 guest_cr4_allowed(void);
void handle_io(struct vcpu *v, const struct vmexit *e);
/* One IN or OUT of @size bytes at @port, whoever answers it (hv/io.c). */
void io_port(struct guest *g, u16 port, bool in, u8 size, u32 *val);
/* INS/OUTS, with or without REP (hv/io_string.c). */
void handle_string_io(struct vcpu *v, const struct vmexit *e);
void handle_msr(struct vcpu *v, const struct vmexit *e);
/* A vCPU's MSRs as firmware leaves them (hv/msr.c). */
void msr_reset(struct vcpu *v);
void handle_rdpmc(struct vcpu *v, const struct vmexit *e);
void handle_xsetbv(struct vcpu *v, const struct vmexit *e);
void handle_hypercall(struct vcpu *v, const struct vmexit *e);

#endif
