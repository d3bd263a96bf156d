/* SPDX-License-Identifier: MIT */
#ifndef HV_CR_H
#define HV_CR_H

#include "arch/x86_64/vendor.h"
#include "hv/guest.h"

/* A MOV to/from CRn, CLTS or LMSW exit, in every paging mode. */
void handle_cr(struct vcpu *v, const struct vmexit *e);
/* INVLPG under shadow or compound paging. */
void handle_invlpg(struct vcpu *v, const struct vmexit *e);
/* INVPCID under shadow paging (VMX). */
void handle_invpcid(struct vcpu *v, const struct vmexit *e);

/*
 * Fill the parts of a CR-access or INVLPG exit the CPU did not decode
 * (AMD without decode assists, e.g. QEMU TCG) from the instruction at the
 * guest's RIP (insn/decode.c, x86_decode_sys). 0, or -ENOTSUP with the
 * guest stopped and the reason printed.
 */
int cr_exit_decode(struct vcpu *v, struct vmexit *e);

/* The register side of MOV CR: what a MOV to CRn takes from its GPR, and
 * where a MOV from CRn puts its value (the low 32 bits outside 64-bit
 * mode, SDM Vol. 2B "MOV-Move to/from Control Registers"). */
u64 cr_exit_source(struct vcpu *v, const struct vmexit *e);
void cr_exit_result(struct vcpu *v, const struct vmexit *e, u64 val);

#endif
