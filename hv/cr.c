// SPDX-License-Identifier: MIT
/*
 * Control-register exits, and INVLPG and INVPCID, the other instructions
 * shadow paging intercepts (INVLPG decoded the same way). Under nested
 * paging the guest owns CR0, CR3 and CR4; writes that touch bits braid
 * must keep (VMX: CR0.NE, CR4.VMXE) or that the guest's CPUID hides
 * (every CR0/CR4 write on SVM, which has no masks) and CR8, the guest's
 * APIC TPR, exit here. Under
 * shadow and compound paging every MOV to/from CR0/CR3/CR4, CLTS and LMSW
 * exits and hv/mmu.c keeps the guest's view. Both paths share the
 * register side below.
 */
#include "arch/x86_64/cpu.h"
#include "hv/event.h"
#include "hv/cr.h"
#include "hv/guest_insn.h"
#include "hv/gva.h"
#include "hv/mmu.h"
#include "hv/stats.h"
#include "insn/decode.h"
#include "lib/string.h"

u64 cr_exit_source(struct vcpu *v, const struct vmexit *e)
{
	if (e->cr.type == CR_LMSW)
		return e->cr.lmsw;
	return vcpu_gpr(v, e->cr.gpr);
}

void cr_exit_result(struct vcpu *v, const struct vmexit *e, u64 val)
{
	if (vendor->get(v, VREG_CS_MODE) != 64)
		val = (u32)val;
	vcpu_set_gpr(v, e->cr.gpr, val);
}

static void fill(struct vmexit *e, const struct x86_insn *in)
{
	e->insn_len = in->len;
	switch (in->kind) {
	case X86_INVLPG:
		e->invlpg.decoded = true; /* the address: invlpg_address() */
		return;
	case X86_CLTS: e->cr.type = CR_CLTS; break;
	case X86_MOV_TO_CR: e->cr.type = CR_MOV_TO; break;
	case X86_LMSW: e->cr.type = CR_LMSW; break;
	default: e->cr.type = CR_MOV_FROM; break; /* MOV from CR, SMSW */
	}
	/* SMSW and LMSW are CR0's low bits (SDM Vol. 2B, LMSW/SMSW). */
	e->cr.cr = in->kind == X86_MOV_TO_CR || in->kind == X86_MOV_FROM_CR
			   ? in->reg
			   : 0;
	e->cr.gpr = in->rm_reg;
	e->cr.decoded = true;
}

/*
 * The linear address an INVLPG braid decoded names (without decode
 * assists the exit does not say): its memory operand, in 64-bit mode,
 * where only FS and GS have a base. Elsewhere braid flushes every
 * address instead.
 */
static bool invlpg_address(struct vcpu *v, const struct x86_insn *in, u64 rip,
			   u64 *gva)
{
	struct emu_ctx regs = { 0 };

	if (in->mode != CPU_MODE_64)
		return false;
	guest_insn_load_regs(v, &regs, in); /* with FS/GS bases, as needed */
	*gva = x86_mem_offset(in, &in->mem, regs.gpr, rip) +
	       regs.seg_base[in->mem.seg];
	return true;
}

int cr_exit_decode(struct vcpu *v, struct vmexit *e)
{
	struct guest *g = v->guest;
	u64 rip = vendor->get(v, VREG_RIP);
	enum cpu_mode mode = (enum cpu_mode)vendor->get(v, VREG_CS_MODE);
	struct x86_insn in;
	unsigned len;
	u8 buf[15] = { 0 };

	if (guest_fetch(v, rip, buf, &len)) {
		guest_stop(g, "cannot fetch the intercepted instruction");
		return -ENOTSUP;
	}
	if (x86_decode_sys(buf, len, mode, &in)) {
		guest_stop(
			g,
			"cannot decode the intercepted instruction %02x %02x %02x %02x",
			buf[0], buf[1], buf[2], buf[3]);
		return -ENOTSUP;
	}
	fill(e, &in);
	if (in.kind == X86_INVLPG)
		e->invlpg.gva_known =
			invlpg_address(v, &in, rip, &e->invlpg.gva);
	if (in.kind == X86_LMSW)
		e->cr.lmsw = (u16)vcpu_gpr(v, in.rm_reg);
	return 0;
}

/* The CR0 value a CR0 write asks for: MOV to CR0, or CLTS and LMSW, which
 * change only its low bits (SDM Vol. 2A CLTS, LMSW: LMSW sets PE, MP, EM
 * and TS, and cannot clear PE). */
static u64 cr0_written(struct vcpu *v, const struct vmexit *e, u64 cr0)
{
	switch (e->cr.type) {
	case CR_CLTS: return cr0 & ~CR0_TS;
	case CR_LMSW: return (cr0 & ~0xeull) | (cr_exit_source(v, e) & 0xf);
	default: return cr_exit_source(v, e);
	}
}

/* Does a MOV to CR0/CR4 from @old to @val invalidate the TLB (SDM Vol.
 * 3A 4.10.4.1)? braid writes the register into the VMCS/VMCB, which
 * flushes nothing, so it must do what the instruction would have. */
static bool flushes(unsigned cr, u64 old, u64 val)
{
	u64 bits = cr == 0 ? CR0_PG
			   : CR4_PGE | CR4_PCIDE | CR4_PAE | CR4_PSE |
				     CR4_SMEP | CR4_LA57;

	return (old ^ val) & bits;
}

/* Nested paging: a write of CR0 or CR4 that exits (VMX: it touched a bit
 * braid owns or the guest's CPUID hides; SVM: every write). Checked as
 * the guest's CPU would check it, then done. */
static void nested_cr_write(struct vcpu *v, const struct vmexit *e)
{
	struct guest *g = v->guest;
	unsigned cr = e->cr.cr;
	u64 val;

	if (e->cr.type == CR_MOV_FROM || (cr != 0 && cr != 4)) {
		guest_stop(g, "unexpected CR%u access (type %u)", cr,
			   e->cr.type);
		return;
	}
	val = cr == 0 ? cr0_written(v, e, vendor->get(v, VREG_CR0))
		      : cr_exit_source(v, e);
	if (!mmu_cr_ok(v, cr, val)) {
		guest_raise(v, VEC_GP, true, 0);
		return;
	}
	if (flushes(cr, vendor->get(v, cr == 0 ? VREG_CR0 : VREG_CR4), val))
		vendor->flush_tlb(v);
	vendor->set(v, cr == 0 ? VREG_CR0 : VREG_CR4, val);
	vcpu_skip_insn(v, e->insn_len);
}

/* MOV to/from CR8, the task-priority register's bits 7:4 in 64-bit mode
 * (SDM Vol. 3A 11.8.6.1): the guest's own local APIC's TPR. Both vendors
 * exit on both directions (VMX CR8-load/store exiting, SVM CR8 read and
 * write intercepts). */
static void cr8_access(struct vcpu *v, const struct vmexit *e)
{
	struct gcpu *gc = gcpu(v);
	struct vlapic *a = &gc->lapic;
	u64 val;

	if (e->cr.type == CR_MOV_FROM) {
		cr_exit_result(v, e, vlapic_get_tpr(a) >> 4);
	} else {
		val = cr_exit_source(v, e);
		if (val >> 4) { /* reserved bits 63:4 (SDM Vol. 2B, MOV CR) */
			guest_raise(v, VEC_GP, true, 0);
			return;
		}
		/* Another vCPU's INIT may reset this APIC meanwhile. */
		spin_lock(&v->guest->plat_lock);
		vlapic_set_tpr(a, (u32)val << 4);
		spin_unlock(&v->guest->plat_lock);
	}
	vcpu_skip_insn(v, e->insn_len);
}

/* Shadow and compound paging: the guest's view of CR0/CR3/CR4 is braid's
 * (hv/mmu.c); CLTS and LMSW are writes of CR0. */
static void shadow_cr_access(struct vcpu *v, const struct vmexit *e)
{
	struct guest *g = v->guest;
	u64 cr0 = mmu_read_cr(v, 0);
	bool ok = true;

	switch (e->cr.type) {
	case CR_MOV_TO:
		if (e->cr.cr == 3)
			stats_path(v, PATH_CR3);
		ok = mmu_write_cr(v, e->cr.cr, cr_exit_source(v, e));
		break;
	case CR_MOV_FROM: cr_exit_result(v, e, mmu_read_cr(v, e->cr.cr)); break;
	case CR_CLTS:
	case CR_LMSW: ok = mmu_write_cr(v, 0, cr0_written(v, e, cr0)); break;
	}
	if (g->state != GUEST_RUNNING)
		return;
	if (!ok) {
		guest_raise(v, VEC_GP, true, 0);
		return;
	}
	vcpu_skip_insn(v, e->insn_len);
}

void handle_invlpg(struct vcpu *v, const struct vmexit *exit)
{
	struct vmexit e = *exit;

	if (!e.invlpg.decoded && cr_exit_decode(v, &e))
		return;
	mmu_invlpg(v, e.invlpg.gva_known, e.invlpg.gva);
	vcpu_skip_insn(v, e.insn_len);
}

/* INVPCID's types (SDM Vol. 2A, INVPCID). */
enum invpcid_type {
	INVPCID_ADDRESS,    /* one address in one PCID */
	INVPCID_SINGLE,	    /* one PCID, globals kept */
	INVPCID_ALL_GLOBAL, /* every PCID, globals too */
	INVPCID_ALL,	    /* every PCID, globals kept */
};

/* The descriptor's linear address, or false with the fault raised: a
 * non-canonical one is #GP, #SS for the stack segment (SDM Vol. 2A,
 * INVPCID, 64-bit mode exceptions). Outside 64-bit mode the offset wraps
 * at the address size and segment limits are not checked. */
static bool invpcid_desc_address(struct vcpu *v, const struct vmexit *e,
				 u64 *lin)
{
	bool long64 = vendor->get(v, VREG_CS_MODE) == 64;

	*lin = guest_seg_base(v, e->invpcid.seg) + e->invpcid.offset;
	if (!long64) {
		*lin = (u32)*lin;
		return true;
	}
	if (va_canonical(*lin))
		return true;
	guest_raise(v, e->invpcid.seg == X86_SEG_SS ? VEC_SS : VEC_GP, true, 0);
	return false;
}

/* Read the 16-byte descriptor, or false with the fault raised (or the
 * guest stopped, for one where it has no RAM). */
static bool invpcid_desc(struct vcpu *v, const struct vmexit *e, u64 d[2])
{
	u64 lin, cr2 = 0;
	u32 pf = 0;
	int err;

	if (!invpcid_desc_address(v, e, &lin))
		return false;
	err = gva_read(v, lin, d, 16, guest_access_user(v), &pf, &cr2);
	if (err == -EFAULT)
		guest_raise_pf(v, cr2, pf);
	if (err == -ENOENT)
		guest_stop(v->guest,
			   "INVPCID descriptor at 0x%llx, where it has no RAM",
			   (unsigned long long)lin);
	return !err;
}

/*
 * INVPCID under shadow paging, checked as the CPU checks it (SDM Vol. 2A,
 * INVPCID). #GP(0): CPL > 0 (which faults before the exit on hardware,
 * SDM 26.1.1, but Bochs exits first), a type above 3, descriptor bits
 * 63:12 set, a PCID other than 0 for types 0 and 1 while CR4.PCIDE is
 * clear, a non-canonical address for type 0. braid's tables are current
 * (every write to the guest's was trapped), so only the hardware TLB may
 * hold what the guest invalidates: one address in every PCID (flush_va),
 * or all.
 */
void handle_invpcid(struct vcpu *v, const struct vmexit *e)
{
	u64 type = vcpu_gpr(v, e->invpcid.type_gpr), d[2];
	bool pcide = mmu_guest_cr4(v) & CR4_PCIDE;
	u32 pcid;

	if (vendor->get(v, VREG_CS_MODE) != 64)
		type = (u32)type;
	if (vendor->get(v, VREG_CPL) || type > INVPCID_ALL) {
		guest_raise(v, VEC_GP, true, 0);
		return;
	}
	if (!invpcid_desc(v, e, d))
		return;
	pcid = d[0] & 0xfff;
	if ((d[0] >> 12) || (type <= INVPCID_SINGLE && !pcide && pcid) ||
	    (type == INVPCID_ADDRESS && !va_canonical(d[1]))) {
		guest_raise(v, VEC_GP, true, 0);
		return;
	}
	mmu_invlpg(v, type == INVPCID_ADDRESS, d[1]);
	vcpu_skip_insn(v, e->insn_len);
}

void handle_cr(struct vcpu *v, const struct vmexit *exit)
{
	struct guest *g = v->guest;
	struct vmexit e = *exit;

	if (!e.cr.decoded && cr_exit_decode(v, &e))
		return;
	if (e.cr.cr == 8)
		cr8_access(v, &e);
	else if (g->cfg.paging == PAGING_NESTED)
		nested_cr_write(v, &e);
	else
		shadow_cr_access(v, &e);
}
