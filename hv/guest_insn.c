// SPDX-License-Identifier: MIT
/* Fetching a guest's instruction and moving its registers to and from the
 * emulator (shared by page-table and device emulation). */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vendor.h"
#include "hv/guest_insn.h"
#include "hv/mmu.h"
#include "hv/gva.h"
#include "hv/watch.h"
#include "lib/phys.h"
#include "lib/string.h"

u32 guest_access_user(struct vcpu *v)
{
	return vendor->get(v, VREG_CPL) == 3 ? PFERR_U : 0;
}

/*
 * Read @n instruction bytes at @gva, all in one page. Under shadow and
 * compound paging a leaf of braid's tree is the guest's current
 * translation (every change to its tables was trapped and zapped the
 * leaves it changed), found without walking the guest's tables; where the
 * tree has none (not filled yet, or a compound tree's nested part), walk
 * them. The CPU may have fetched through an older translation it still
 * cached, which the guest has not invalidated yet: until it does, either
 * is one a CPU may use (SDM Vol. 3A 4.10.4.3).
 */
static int fetch_part(struct vcpu *v, u64 gva, u8 *buf, unsigned n)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	const u8 *p = NULL;
	u32 pf = 0;

	if (g->cfg.paging != PAGING_NESTED && gc->paged && gc->hw_cr3)
		p = mmu_lookup(v, gva);
	if (p && n >= 8) { /* two overlapping word loads and stores */
		__builtin_memcpy(buf, p, 8);
		__builtin_memcpy(buf + n - 8, p + n - 8, 8);
		return 0;
	}
	if (p) {
		memcpy(buf, p, n);
		return 0;
	}
	return gva_read(v, gva, buf, n, guest_access_user(v) | PFERR_I, &pf,
			NULL);
}

/* The linear address of the instruction at @rip, run in @mode: outside
 * 64-bit mode, CS's base counts and addresses wrap at 4 GiB (SDM Vol. 3A
 * 3.4.3). */
static u64 code_linear(struct vcpu *v, u64 rip, enum cpu_mode mode)
{
	if (mode == CPU_MODE_64)
		return rip;
	return (u32)(vendor->get(v, VREG_CS_BASE) + rip);
}

/* The part of the instruction at @rip (run in @mode) its page holds, at
 * most 15 bytes (*len); with @more, the rest of the 15 from the next page
 * as well if that is mapped. 0, or -EFAULT if @rip's own page is not. */
static int fetch(struct vcpu *v, u64 rip, enum cpu_mode mode, u8 *buf,
		 unsigned *len, bool more)
{
	unsigned n;

	rip = code_linear(v, rip, mode);
	n = MIN(X86_MAX_LEN, PAGE_SIZE - (rip & (PAGE_SIZE - 1)));

	if (fetch_part(v, rip, buf, n))
		return -EFAULT;
	*len = n;
	if (more && n < X86_MAX_LEN &&
	    !fetch_part(v, rip + n, buf + n, X86_MAX_LEN - n))
		*len = X86_MAX_LEN;
	return 0;
}

int guest_fetch(struct vcpu *v, u64 rip, u8 *buf, unsigned *len)
{
	enum cpu_mode mode = (enum cpu_mode)vendor->get(v, VREG_CS_MODE);

	return fetch(v, rip, mode, buf, len, true);
}

/* The vendor register of each segment's base, by enum x86_seg. */
static const enum vreg seg_base_reg[X86_NR_SEGS] = {
	[X86_SEG_ES] = VREG_ES_BASE, [X86_SEG_CS] = VREG_CS_BASE,
	[X86_SEG_SS] = VREG_SS_BASE, [X86_SEG_DS] = VREG_DS_BASE,
	[X86_SEG_FS] = VREG_FS_BASE, [X86_SEG_GS] = VREG_GS_BASE,
};

u64 guest_seg_base(struct vcpu *v, enum x86_seg seg)
{
	bool long64 = vendor->get(v, VREG_CS_MODE) == 64;

	if (long64 && seg != X86_SEG_FS && seg != X86_SEG_GS)
		return 0; /* SDM Vol. 1 3.4.2.1 */
	return vendor->get(v, seg_base_reg[seg]);
}

/* The registers an instruction may use, once it is decoded: the bases of
 * the segments its operands use, which in 64-bit mode only FS and GS
 * have (VMREADs spared otherwise). Segment limits are not checked: the
 * CPU checked them for the access that exited (segmentation comes before
 * paging, SDM Vol. 3A 3.1); further iterations of a REP string store that
 * braid carries out are not checked against them. */
void guest_insn_load_regs(struct vcpu *v, struct emu_ctx *c,
			  const struct x86_insn *in)
{
	bool long64 = in->mode == CPU_MODE_64;

	for (unsigned i = 0; i < NR_GPRS; i++)
		c->gpr[i] = v->regs.gpr[i];
	c->gpr[RSP] = vendor->get(v, VREG_RSP);
	c->rflags = vendor->get(v, VREG_RFLAGS);
	for (unsigned s = 0; s < X86_NR_SEGS; s++) {
		bool used = in->mem.seg == s || in->src_mem.seg == s;

		if (used && (!long64 || s == X86_SEG_FS || s == X86_SEG_GS))
			c->seg_base[s] = vendor->get(v, seg_base_reg[s]);
	}
}

void emu_ctx_store(struct vcpu *v, const struct emu_ctx *c)
{
	for (unsigned i = 0; i < NR_GPRS; i++)
		if (i != RSP)
			v->regs.gpr[i] = c->gpr[i];
	vendor->set(v, VREG_RSP, c->gpr[RSP]);
	vendor->set(v, VREG_RIP, c->rip);
	vendor->set(v, VREG_RFLAGS, c->rflags);
	watch_deliver(v, c->rflags & RFLAGS_TF ? DR6_BS : 0);
}

/*
 * Most instructions end well inside their page: fetch only what the page
 * holds and decode that (one walk of the guest's tables); only one that
 * runs off its end needs the next page, and a second decode.
 */
int guest_insn_fetch_decode(struct vcpu *v, struct emu_ctx *ctx,
			    const struct x86_insn **insn)
{
	struct gcpu *gc = gcpu(v);
	unsigned len;
	u8 bytes[X86_MAX_LEN];
	int err;

	ctx->rip = vendor->get(v, VREG_RIP);
	ctx->mode = (enum cpu_mode)vendor->get(v, VREG_CS_MODE);
	/* The mode read once: the fetch and the decode both need it. */
	if (fetch(v, ctx->rip, ctx->mode, bytes, &len, false))
		return -EFAULT;
	err = x86_decode_memo(&gc->insn_memo, bytes, len, ctx->mode, insn);
	if (err == -EINVAL && len < X86_MAX_LEN) {
		fetch(v, ctx->rip, ctx->mode, bytes, &len, true);
		if (len == X86_MAX_LEN)
			err = x86_decode_memo(&gc->insn_memo, bytes, len,
					      ctx->mode, insn);
	}
	return err;
}

int guest_insn_decode(struct vcpu *v, struct emu_ctx *ctx,
		      const struct x86_insn **insn)
{
	int err = guest_insn_fetch_decode(v, ctx, insn);

	if (err != -EFAULT)
		guest_insn_load_regs(v, ctx, *insn);
	return err;
}
