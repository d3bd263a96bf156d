// SPDX-License-Identifier: MIT
/*
 * Emulating a trapped write to a guest page table: fetch the instruction
 * with the guest's own translation, decode it (insn/decode.c), carry it
 * out against guest memory (insn/emulate.c, which knows nothing of guests:
 * it calls emu_read/emu_write below), tell the MMU every byte written so
 * the shadow or compound tree follows, and write the registers back. An
 * instruction braid cannot decode stops the guest with its bytes.
 */
#include "arch/x86_64/vendor.h"
#include "insn/decode.h"
#include "insn/emulate.h"
#include "insn/x86_flags.h"
#include "hv/event.h"
#include "hv/ptwrite.h"
#include "hv/watch.h"
#include "hv/guest_insn.h"
#include "hv/gva.h"
#include "hv/mmu.h"
#include "lib/log.h"
#include "lib/string.h"

/* A translation the emulated instruction already made (see translate()). */
struct pt_tlb {
	bool valid;
	u64 page; /* guest-virtual page */
	u64 gpa;  /* its guest-physical page */
};

struct pt_emu {
	struct vcpu *v;
	struct guest *g;
	u32 user;	      /* PFERR_U if the guest runs at CPL 3 */
	struct pt_tlb tlb[2]; /* for reads, for writes */
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

/*
 * Translate for the instruction being emulated, remembering one page for
 * reads and one for writes: a REP string op then walks the guest's tables
 * once per page instead of once per element, and the store that trapped
 * reuses the #PF's walk. Holding a translation for the rest of the
 * instruction is what the CPU's TLB may do as well: a guest that edits the
 * entry mapping an operand must invalidate it before it can count on
 * either translation (SDM Vol. 3A 4.10.4.2).
 */
static int translate(struct pt_emu *pe, u64 gva, unsigned n, u32 access,
		     struct gva_span *s, u32 *pf)
{
	struct pt_tlb *t = &pe->tlb[!!(access & PFERR_W)];
	u64 page = gva & ~(u64)(PAGE_SIZE - 1), off = gva - page;
	int err;

	if (t->valid && t->page == page && off + n <= PAGE_SIZE) {
		*s = (struct gva_span){ .nr = 1,
					.gpa = { t->gpa + off },
					.len = { n } };
		return 0;
	}
	err = gva_translate(pe->v, gva, n, access, s, pf);
	if (!err && s->nr == 1)
		*t = (struct pt_tlb){ true, page, s->gpa[0] - off };
	return err;
}

static int emu_read(void *opaque, u64 gva, void *buf, unsigned n)
{
	struct pt_emu *pe = opaque;
	struct gva_span s;
	u8 *p = buf;
	u32 pf = 0;
	int err = translate(pe, gva, n, pe->user, &s, &pf);

	if (err)
		return record(pe, err, s.fault_gva, pf);
	for (unsigned i = 0; i < s.nr; p += s.len[i++])
		memcpy(p, guest_ptr(pe->g, s.gpa[i], s.len[i]), s.len[i]);
	return 0;
}

/* Other vCPUs may read the entry while it is written (a kernel reading a
 * PTE on another CPU): an aligned store of 2, 4 or 8 bytes is one store,
 * as the guest's own MOV would have been (SDM Vol. 3A 9.1.1). Emulated
 * stores to protected tables are atomic with respect to each other: they
 * all happen under the guest's MMU lock (hv/exit.c). */
static void store_whole(void *dst, const void *src, unsigned n)
{
	/* Unaligned: no promise on hardware either. */
	bool aligned = !((uintptr_t)dst & (n - 1));

	if (aligned && n == 8)
		__builtin_memcpy(dst, src, 8);
	else if (aligned && n == 4)
		__builtin_memcpy(dst, src, 4);
	else if (aligned && n == 2)
		__builtin_memcpy(dst, src, 2);
	else
		memcpy(dst, src, n);
}

/*
 * One walk per page: the translation says both whether the store may go
 * on and where it lands. A REP store may run past the protected table, or
 * the policy may just have handed the table to the CPU (compound): then
 * stop, and let the guest do the rest itself at native speed.
 */
static int emu_write(void *opaque, u64 gva, const void *buf, unsigned n)
{
	struct pt_emu *pe = opaque;
	struct guest *g = pe->g;
	const u8 *p = buf;
	struct gva_span s;
	u32 pf = 0;
	int err = translate(pe, gva, n, pe->user | PFERR_W, &s, &pf);

	if (err)
		return record(pe, err, s.fault_gva, pf);
	if (pe->done_one && !mmu_gpa_protected(pe->v, s.gpa[0]))
		return -EAGAIN;
	pe->done_one = true;
	watch_store(pe->v, gva, n);
	for (unsigned i = 0; i < s.nr; p += s.len[i++]) {
		store_whole(guest_ptr(g, s.gpa[i], s.len[i]), p, s.len[i]);
		mmu_guest_wrote(pe->v, s.gpa[i], s.len[i]);
	}
	return 0;
}

/*
 * How kernels write a page-table entry: one 4- or 8-byte MOV from a
 * register or an immediate, in 64-bit mode, to the address that trapped
 * (a #PF's CR2 @gva, which its walk translated to @gpa). That is most
 * trapped writes, and it needs none of the general emulator's register
 * traffic: the value is in the register file. Anything else (RSP, the
 * one register the VMCS/VMCB holds; an FS/GS base; a store that crosses
 * a page; an address other than CR2) takes the general path. Like the
 * CPU at the end of an instruction, clear RFLAGS.RF (SDM Vol. 3A 18.3.1.1).
 */
static bool store_simple(struct vcpu *v, const struct x86_insn *in, u64 rip,
			 u64 gva, u64 gpa)
{
	struct guest *g = v->guest;
	const u64 *gpr = v->regs.gpr;
	const struct x86_mem *m = &in->mem;
	unsigned n = in->opsize;
	u64 val, rflags;

	if (in->kind != X86_MOV || in->mode != CPU_MODE_64 || in->lock ||
	    (n != 4 && n != 8) || m->base == RSP || m->index == RSP ||
	    m->seg == X86_SEG_FS || m->seg == X86_SEG_GS ||
	    (gva & (PAGE_SIZE - 1)) + n > PAGE_SIZE)
		return false;
	if (in->src == X86_SRC_REG && in->reg != RSP)
		val = gpr[in->reg];
	else if (in->src == X86_SRC_IMM)
		val = in->imm;
	else
		return false;
	if (x86_mem_offset(in, m, gpr, rip) != gva)
		return false;
	/* The low n bytes, as one store of known size (memcpy() with a
	 * variable size is a call and a loop). */
	if (n == 8)
		__builtin_memcpy(guest_ptr(g, gpa, 8), &val, 8);
	else
		__builtin_memcpy(guest_ptr(g, gpa, 4), &val, 4);
	mmu_guest_wrote(v, gpa, n);
	vcpu_skip_insn(v, in->len);
	watch_store(v, gva, n);
	watch_deliver(v, 0);
	rflags = vendor->get(v, VREG_RFLAGS);
	if (rflags & X86_FL_RF)
		vendor->set(v, VREG_RFLAGS, rflags & ~X86_FL_RF);
	return true;
}

/* BTS/BTR/BTC with a register bit offset address the word that holds the
 * bit: the signed offset moves the operand by (offset DIV width) words
 * (SDM Vol. 2, BT, "Bit Base and Bit Offset"). */
static s64 bit_offset_words(const struct x86_insn *in,
			    const struct emu_ctx *ctx)
{
	unsigned bits = in->opsize * 8;
	s64 off;

	if ((in->kind != X86_BTS && in->kind != X86_BTR &&
	     in->kind != X86_BTC) ||
	    in->src != X86_SRC_REG)
		return 0;
	off = (s64)(ctx->gpr[in->reg] << (64 - bits)) >> (64 - bits);
	return off >> (bits == 16 ? 4 : bits == 32 ? 5 : 6);
}

/*
 * The write that trapped at @gva must be one the decoded instruction
 * makes: its memory operand, in 64-bit mode, where only FS and GS have
 * a base (a crossing store traps on either page). Otherwise the bytes
 * braid decoded are not what the CPU ran (a decoder bug, or code changed
 * under it), and emulating them would write somewhere the guest did not.
 * String stores write at rDI, checked page by page as they go. (Only
 * where @gva is known: an SVM nested fault gives just the gpa.)
 */
static bool decoded_store_hits(const struct x86_insn *in,
			       const struct emu_ctx *ctx, u64 gva)
{
	u64 ea;

	if (in->kind == X86_STOS || in->kind == X86_MOVS ||
	    in->mode != CPU_MODE_64)
		return true;
	ea = x86_mem_offset(in, &in->mem, ctx->gpr, ctx->rip) +
	     ctx->seg_base[in->mem.seg];
	ea += bit_offset_words(in, ctx) * in->opsize;
	return gva - ea < in->opsize;
}

/* The guest wrote a page braid shadows as a table other than by a store
 * braid can carry out: it uses the page as data (a stack, say). Stop
 * treating it, and simply every page, as a table (KVM unprotects the one
 * page for the same reason): the shadows go, the CPU retries the write,
 * and tables are mirrored again as they are walked. A page that is a
 * table and a stack at once costs a rebuild per such write, and stays
 * correct. */
static void unshadow(struct vcpu *v, u64 addr, const char *insn)
{
	struct guest *g = v->guest;

	guest_report(g, REPORT_PT_DATA,
		     "%s%s%s wrote to a page table at 0x%llx: shadows dropped",
		     insn ? "an instruction braid does not carry out (" : "",
		     insn ?: "event delivery", insn ? ")" : "",
		     (unsigned long long)addr);
	g->shadow.stats.unshadows++;
	mmu_unshadow_all(v);
}

/*
 * The general path: the emulator, with the registers it may use and a
 * translation per page. Out of line, and its state built only here: the
 * common trapped store (store_simple()) needs none of it, and zeroing
 * the emulator's context alone is some forty stores.
 */
static __attribute__((noinline)) void emulate(struct vcpu *v, u64 addr,
					      const u64 *gpa, u32 user,
					      const struct x86_insn *insn,
					      u64 rip, enum cpu_mode mode)
{
	struct guest *g = v->guest;
	struct pt_emu pe = { .v = v, .g = g, .user = user };
	struct emu_ctx ctx = { .rip = rip, .mode = mode };
	int err;

	/* The #PF walked for a write by this CPL: the same walk as ours. */
	if (gpa)
		pe.tlb[1] = (struct pt_tlb){ true, addr & ~(u64)(PAGE_SIZE - 1),
					     *gpa & ~(u64)(PAGE_SIZE - 1) };
	if (user == PTWRITE_CPL_UNKNOWN)
		pe.user = guest_access_user(v);
	guest_insn_load_regs(v, &ctx, insn);
	if (gpa && !decoded_store_hits(insn, &ctx, addr)) {
		guest_stop(g,
			   "the write to its page table at 0x%llx is not the "
			   "one braid decoded (%s)",
			   (unsigned long long)addr, insn->reason);
		return;
	}
	ctx.opaque = &pe;
	ctx.read = emu_read;
	ctx.write = emu_write;
	ctx.rep_max = 512; /* a page of 8-byte stores at most per exit */
	/* A REP STOS/MOVS over a table in blocks, each one walk, one copy
	 * and one pass over the shadow entries it changes. Not under
	 * compound paging: its policy counts stores one by one and hands a
	 * table to the CPU on a given one (docs/design.md, cp_writes=), and
	 * the rest of the REP then runs natively. */
	ctx.rep_bulk = g->cfg.paging == PAGING_SHADOW;
	err = x86_emulate(insn, &ctx);
	if (err == -EAGAIN) {
		emu_ctx_store(v, &ctx); /* the iterations done so far */
		return;
	}
	if (err && pe.faulted) {
		/* The instruction faults for a reason of the guest's own:
		 * deliver that #PF, as the CPU would have. A REP string op
		 * keeps the iterations it completed (the rest is unchanged). */
		emu_ctx_store(v, &ctx);
		guest_raise_pf(v, pe.fault_gva, pe.fault_error);
		return;
	}
	if (err) {
		guest_stop(g, "emulating %s at 0x%llx failed (%d)",
			   insn->reason, (unsigned long long)addr, err);
		return;
	}
	emu_ctx_store(v, &ctx);
}

void ptwrite_emulate(struct vcpu *v, u64 addr, const u64 *gpa, u32 user)
{
	struct guest *g = v->guest;
	struct emu_ctx ctx; /* rip and mode only, set by the fetch */
	const struct x86_insn *insn;
	int err;

	/* The CPU was delivering an event (pushing on the stack) when the
	 * write trapped, not running the instruction at RIP: nothing to
	 * emulate. The event goes in again at the next entry (hv/event.c). */
	if (v->delivering) {
		unshadow(v, addr, NULL);
		return;
	}
	err = guest_insn_fetch_decode(v, &ctx, &insn);
	if (err == -EFAULT) {
		guest_stop(
			g,
			"cannot fetch the instruction that wrote its page table");
		return;
	}
	/* An instruction braid does not carry out (INT n pushing its frame,
	 * CALL, PUSH, ...), or one the decoder knows only as a load (for
	 * MMIO), wrote the page: the same way out, and the CPU runs the
	 * instruction again on the unprotected page. */
	if (err || !x86_kind_is_store(insn->kind)) {
		unshadow(v, addr, insn->reason);
		return;
	}
	g->shadow.stats.pt_write_traps++;
	if (gpa && store_simple(v, insn, ctx.rip, addr, *gpa))
		return;
	emulate(v, addr, gpa, user, insn, ctx.rip, ctx.mode);
}
