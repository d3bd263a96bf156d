// SPDX-License-Identifier: MIT
/* Fetching a guest's instruction and moving its registers to and from the
 * emulator (shared by page-table and device emulation). */
#include "arch/x86_64/vendor.h"
#include "hv/guest_insn.h"
#include "hv/gva.h"
#include "lib/phys.h"
#include "lib/string.h"

u32 guest_access_user(struct guest *g)
{
	return vendor->get(&g->vcpu, VREG_CPL) == 3 ? PFERR_U : 0;
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
static int fetch_part(struct guest *g, u64 gva, u8 *buf, unsigned n)
{
	const u8 *p = NULL;
	u32 pf = 0;

	if (g->cfg.paging != PAGING_NESTED && g->paged && g->hw_cr3)
		p = shadow_lookup(&g->shadow, gva);
	if (p && n >= 8) { /* two overlapping word loads and stores */
		__builtin_memcpy(buf, p, 8);
		__builtin_memcpy(buf + n - 8, p + n - 8, 8);
		return 0;
	}
	if (p) {
		memcpy(buf, p, n);
		return 0;
	}
	return gva_read(g, gva, buf, n, guest_access_user(g) | PFERR_I, &pf);
}

/* The part of the instruction at @rip its page holds, at most 15 bytes
 * (*len); with @more, the rest of the 15 from the next page as well if
 * that is mapped. 0, or -EFAULT if @rip's own page is not. */
static int fetch(struct guest *g, u64 rip, u8 *buf, unsigned *len, bool more)
{
	unsigned n = MIN(X86_MAX_LEN, PAGE_SIZE - (rip & (PAGE_SIZE - 1)));

	if (fetch_part(g, rip, buf, n))
		return -EFAULT;
	*len = n;
	if (more && n < X86_MAX_LEN &&
	    !fetch_part(g, rip + n, buf + n, X86_MAX_LEN - n))
		*len = X86_MAX_LEN;
	return 0;
}

int guest_fetch(struct guest *g, u64 rip, u8 *buf, unsigned *len)
{
	return fetch(g, rip, buf, len, true);
}

/* The registers an instruction may use, once it is decoded: a segment
 * base only for an FS or GS operand (two VMREADs spared otherwise). */
void guest_insn_load_regs(struct vcpu *v, struct emu_ctx *c,
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
int guest_insn_fetch_decode(struct guest *g, struct emu_ctx *ctx,
			    const struct x86_insn **insn)
{
	struct vcpu *v = &g->vcpu;
	unsigned len;
	u8 bytes[X86_MAX_LEN];
	int err;

	ctx->rip = vendor->get(v, VREG_RIP);
	ctx->mode = (enum cpu_mode)vendor->get(v, VREG_CS_MODE);
	if (fetch(g, ctx->rip, bytes, &len, false))
		return -EFAULT;
	err = x86_decode_memo(&g->insn_memo, bytes, len, ctx->mode, insn);
	if (err == -EINVAL && len < X86_MAX_LEN) {
		fetch(g, ctx->rip, bytes, &len, true);
		if (len == X86_MAX_LEN)
			err = x86_decode_memo(&g->insn_memo, bytes, len,
					      ctx->mode, insn);
	}
	return err;
}

int guest_insn_decode(struct guest *g, struct emu_ctx *ctx,
		      const struct x86_insn **insn)
{
	int err = guest_insn_fetch_decode(g, ctx, insn);

	if (err != -EFAULT)
		guest_insn_load_regs(&g->vcpu, ctx, *insn);
	return err;
}
