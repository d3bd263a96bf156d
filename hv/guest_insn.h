/* SPDX-License-Identifier: MIT */
/*
 * What every instruction braid emulates for a guest needs: its bytes,
 * fetched through the guest's own translation, and the guest's registers
 * in the emulator's form (insn/emulate.h) and back.
 */
#ifndef HV_GUEST_INSN_H
#define HV_GUEST_INSN_H

#include "insn/emulate.h"
#include "hv/guest.h"

/* Fetch up to 15 bytes at @rip; *len is how many could be read (the next
 * page may be unmapped). 0, or -EFAULT if not even one byte could. */
int guest_fetch(struct vcpu *v, u64 rip, u8 *buf, unsigned *len);
/* PFERR_U if the guest runs at CPL 3, else 0. */
u32 guest_access_user(struct vcpu *v);
/* Fetch and decode the instruction at the guest's RIP (*insn, valid until
 * the next decode for @g), and load @ctx with the registers it may use.
 * 0; -EFAULT if it cannot be fetched; else the decoder's error, with
 * (*insn)->reason saying why. */
int guest_insn_decode(struct vcpu *v, struct emu_ctx *ctx,
		      const struct x86_insn **insn);
void emu_ctx_store(struct vcpu *v, const struct emu_ctx *c);
/* The base of segment @seg as the guest's mode uses it: in 64-bit mode
 * only FS and GS have one. */
u64 guest_seg_base(struct vcpu *v, enum x86_seg seg);
/* guest_insn_decode() in two steps: fetch and decode, setting only
 * @ctx's RIP and mode; then the registers the instruction may use. */
int guest_insn_fetch_decode(struct vcpu *v, struct emu_ctx *ctx,
			    const struct x86_insn **insn);
void guest_insn_load_regs(struct vcpu *v, struct emu_ctx *c,
			  const struct x86_insn *in);

#endif
