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

int guest_fetch(struct guest *g, u64 rip, u8 *buf, unsigned *len)
{
	u32 pf = 0, access = guest_access_user(g) | PFERR_I;

	/* The longest instruction is 15 bytes; near the end of the page
	 * the next page may be unmapped, so try shorter reads. */
	for (*len = 15; *len; (*len)--)
		if (!gva_read(g, rip, buf, *len, access, &pf))
			return 0;
	return -EFAULT;
}

void emu_ctx_load(struct vcpu *v, struct emu_ctx *c)
{
	for (unsigned i = 0; i < NR_GPRS; i++)
		c->gpr[i] = v->regs.gpr[i];
	c->gpr[RSP] = vendor->get(v, VREG_RSP);
	c->rip = vendor->get(v, VREG_RIP);
	c->rflags = vendor->get(v, VREG_RFLAGS);
	c->seg_base[X86_SEG_FS] = vendor->get(v, VREG_FS_BASE);
	c->seg_base[X86_SEG_GS] = vendor->get(v, VREG_GS_BASE);
	c->mode = (enum cpu_mode)vendor->get(v, VREG_CS_MODE);
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

int guest_insn_decode(struct guest *g, struct emu_ctx *ctx,
		      struct x86_insn *insn)
{
	unsigned len;
	u8 bytes[15];

	emu_ctx_load(&g->vcpu, ctx);
	if (guest_fetch(g, ctx->rip, bytes, &len))
		return -EFAULT;
	return x86_decode(bytes, len, ctx->mode, insn);
}
