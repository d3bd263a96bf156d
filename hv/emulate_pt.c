// SPDX-License-Identifier: MIT
/*
 * Emulating a trapped write to a guest page table: fetch the instruction
 * with the guest's own translation, decode it (hv/decode.c), carry it out
 * against guest memory (hv/emulate.c) through gva_read/gva_write, which
 * update the shadow for every byte written, and write the registers back.
 * An instruction braid cannot decode stops the guest with its bytes.
 */
#include "arch/x86_64/vendor.h"
#include "hv/decode.h"
#include "hv/emulate.h"
#include "hv/emulate_pt.h"
#include "hv/gva.h"
#include "hv/log.h"

struct pt_emu {
	struct guest *g;
	u32 user; /* PFERR_U if the guest runs at CPL 3 */
	bool faulted;
	bool done_one; /* a store was emulated already */
	u64 fault_gva;
	u32 fault_error;
};

static int record(struct pt_emu *pe, int err, u64 gva, u32 pf)
{
	if (err == -EFAULT && !pe->faulted) {
		pe->faulted = true;
		pe->fault_gva = gva;
		pe->fault_error = pf;
	}
	return err;
}

static int emu_read(void *opaque, u64 gva, void *buf, unsigned n)
{
	struct pt_emu *pe = opaque;
	u32 pf = 0;

	return record(pe, gva_read(pe->g, gva, buf, n, pe->user, &pf), gva, pf);
}

static int emu_write(void *opaque, u64 gva, const void *buf, unsigned n)
{
	struct pt_emu *pe = opaque;
	u32 pf = 0;

	/* A REP store may run past the protected table, or the policy may
	 * just have handed the table to the CPU (compound): stop there and
	 * let the guest do the rest itself. */
	if (pe->done_one && !gva_protected(pe->g, gva, pe->user))
		return -EAGAIN;
	pe->done_one = true;
	return record(pe, gva_write(pe->g, gva, buf, n, pe->user, &pf), gva,
		      pf);
}

static int fetch(struct pt_emu *pe, u64 rip, u8 *buf, unsigned *len)
{
	u32 pf = 0;

	/* The longest instruction is 15 bytes; near the end of the page
	 * the next page may be unmapped, so try shorter reads. */
	for (*len = 15; *len; (*len)--)
		if (!gva_read(pe->g, rip, buf, *len, pe->user | PFERR_I, &pf))
			return 0;
	return -EFAULT;
}

static void load_ctx(struct vcpu *v, struct emu_ctx *c, struct pt_emu *pe)
{
	for (unsigned i = 0; i < NR_GPRS; i++)
		c->gpr[i] = v->regs.gpr[i];
	c->gpr[RSP] = vendor->get(v, VREG_RSP);
	c->rip = vendor->get(v, VREG_RIP);
	c->rflags = vendor->get(v, VREG_RFLAGS);
	c->seg_base[X86_SEG_FS] = vendor->get(v, VREG_FS_BASE);
	c->seg_base[X86_SEG_GS] = vendor->get(v, VREG_GS_BASE);
	c->mode = (enum cpu_mode)vendor->get(v, VREG_CS_MODE);
	c->opaque = pe;
	c->read = emu_read;
	c->write = emu_write;
	c->rep_max = 512; /* a page of 8-byte stores at most per exit */
}

static void store_ctx(struct vcpu *v, const struct emu_ctx *c)
{
	for (unsigned i = 0; i < NR_GPRS; i++)
		if (i != RSP)
			v->regs.gpr[i] = c->gpr[i];
	vendor->set(v, VREG_RSP, c->gpr[RSP]);
	vendor->set(v, VREG_RIP, c->rip);
	vendor->set(v, VREG_RFLAGS, c->rflags);
}

void emulate_pt_write(struct guest *g, u64 gva)
{
	struct vcpu *v = &g->vcpu;
	struct pt_emu pe = { .g = g,
			     .user = vendor->get(v, VREG_CPL) == 3 ? PFERR_U
								   : 0 };
	struct emu_ctx ctx = { 0 };
	struct x86_insn insn;
	unsigned len;
	u8 bytes[15];
	int err;

	load_ctx(v, &ctx, &pe);
	if (fetch(&pe, ctx.rip, bytes, &len)) {
		guest_stop(
			g,
			"cannot fetch the instruction that wrote its page table");
		return;
	}
	err = x86_decode(bytes, len, ctx.mode, &insn);
	/* The decoder knows loads too (for MMIO): one that trapped here as a
	 * write is not understood, and must not be carried out as one. */
	if (err || !x86_kind_is_store(insn.kind)) {
		guest_stop(
			g,
			"cannot emulate the write to its page table at 0x%llx: %s%s",
			(unsigned long long)gva, insn.reason,
			err ? "" : " (not a store)");
		return;
	}
	g->shadow.stats.pt_write_traps++;
	err = x86_emulate(&insn, &ctx);
	if (err == -EAGAIN) {
		store_ctx(v, &ctx); /* the iterations done so far */
		return;
	}
	if (err && pe.faulted) {
		/* The instruction faults for a reason of the guest's own:
		 * deliver that #PF, as the CPU would have. A REP string op
		 * keeps the iterations it completed (the rest is unchanged). */
		store_ctx(v, &ctx);
		vendor->inject_pf(v, pe.fault_gva, pe.fault_error);
		return;
	}
	if (err) {
		guest_stop(g, "emulating %s at 0x%llx failed (%d)", insn.reason,
			   (unsigned long long)gva, err);
		return;
	}
	store_ctx(v, &ctx);
}
