// SPDX-License-Identifier: MIT
/* Fetching a guest's instruction and moving its registers to and from the
 * emulator (shared by page-table and device emulation). */
#include "arch/x86_64/vendor.h"
#include "hv/guest_insn.h"
#include "hv/gva.h"

u32 guest_access_user(struct guest *g)
{
	return vendor->get(&g->vcpu, VREG_CPL) == 3 ? PFERR_U : 0;
}

/* The part of the instruction at @rip its page holds, at most 15 bytes
 * (*len); with @more, the rest of the 15 from the next page as well if
 * that is mapped. 0, or -EFAULT if @rip's own page is not. */
static int fetch(struct guest *g, u64 rip, u8 *buf, unsigned *len, bool more)
{
	u32 pf = 0, access = guest_access_user(g) | PFERR_I;
	unsigned n = MIN(X86_MAX_LEN, PAGE_SIZE - (rip & (PAGE_SIZE - 1)));

	if (gva_read(g, rip, buf, n, access, &pf))
		return -EFAULT;
	*len = n;
	if (more && n < X86_MAX_LEN &&
	    !gva_read(g, rip + n, buf + n, X86_MAX_LEN - n, access, &pf))
		*len = X86_MAX_LEN;
	return 0;
}

int guest_fetch(struct guest *g, u64 rip, u8 *buf, unsigned *len)
{
	return fetch(g, rip, buf, len, true);
}

/* The registers an instruction may use, once it is decoded: a segment
 * base only for an FS or GS operand (two VMREADs spared otherwise). */
static void load_regs(struct vcpu *v, struct emu_ctx *c,
		      const struct x86_insn *in)
{
	for (unsigned i = 0; i < NR_GPRS; i++)
		c->gpr[i] = v->regs.gpr[i];
	c->gpr[RSP] = vendor->get(v, VREG_RSP);
	c->rflags = vendor->get(v, VREG_RFLAGS);
	for (unsigned s = X86_SEG_FS; s <= X86_SEG_GS; s++)
		if (in->mem.seg == s || in->src_mem.seg == s)
			c->seg_base[s] =
				vendor->get(v, s == X86_SEG_FS ? VREG_FS_BASE
							       : VREG_GS_BASE);
}

void emu_ctx_store(struct vcpu *v, const struct emu_ctx *c)
{
	for (unsigned i = 0; i < NR_GPRS; i++)
		if (i != RSP)
			v->regs.gpr[i] = c->gpr[i];
	vendor->set(v, VREG_RSP, c->gpr[RSP]);
	vendor->set(v, VREG_RIP, c->rip);
	vendor->set(v, VREG_RFLAGS, c->rflags);
}

/*
 * Most instructions end well inside their page: fetch only what the page
 * holds and decode that (one walk of the guest's tables); only one that
 * runs off its end needs the next page, and a second decode.
 */
int guest_insn_decode(struct guest *g, struct emu_ctx *ctx,
		      struct x86_insn *insn)
{
	struct vcpu *v = &g->vcpu;
	unsigned len;
	u8 bytes[X86_MAX_LEN];
	int err;

	ctx->rip = vendor->get(v, VREG_RIP);
	ctx->mode = (enum cpu_mode)vendor->get(v, VREG_CS_MODE);
	if (fetch(g, ctx->rip, bytes, &len, false))
		return -EFAULT;
	err = x86_decode(bytes, len, ctx->mode, insn);
	if (err == -EINVAL && len < X86_MAX_LEN) {
		fetch(g, ctx->rip, bytes, &len, true);
		if (len == X86_MAX_LEN)
			err = x86_decode(bytes, len, ctx->mode, insn);
	}
	load_regs(v, ctx, insn);
	return err;
}
