// SPDX-License-Identifier: MIT
/*
 * The guest-state checks of VM entry (SDM Vol. 3C 27.3.1), in software:
 * control registers and MSRs (27.3.1.1), segment registers (27.3.1.2),
 * descriptor-table registers (27.3.1.3), RIP and RFLAGS (27.3.1.4) and
 * non-register state (27.3.1.5). The first broken rule is reported.
 * Checks that need guest memory (the PDPTEs, the VMCS the link pointer
 * names) are left to the CPU.
 */
#include "arch/x86_64/vmx_check.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/vmcs.h"

#define RFLAGS_VM BIT(17)
/* Reserved RFLAGS bits: 63:22, 15, 5 and 3 (SDM 27.3.1.4). */
#define RFLAGS_RESERVED (~0ull << 22 | BIT(15) | BIT(5) | BIT(3))
/* IA32_DEBUGCTL: bits 5:2 and 63:16 are reserved (SDM Vol. 3B 17.4.1). */
#define DEBUGCTL_RESERVED (0x3cull | ~0xffffull)
#define DEBUGCTL_BTF	  BIT(1)
/* Pending debug exceptions: B0-B3, enabled breakpoint, BS, RTM (25.4.2). */
#define PENDING_DEFINED (0xfull | BIT(12) | BIT(14) | BIT(16))

#define RULE(name)	  ((struct vmx_violation){ VMX_RULE_##name, -1 })
#define SEG_RULE(name, s) ((struct vmx_violation){ VMX_RULE_##name, (s) })
#define OK		  RULE(OK)

static const char *const sections[] = { [VMX_RULE_OK] = "",
#define SECTION(name, sec, text) [VMX_RULE_##name] = sec,
					VMX_RULES(SECTION)
#undef SECTION
};

static const char *const texts[] = { [VMX_RULE_OK] = "no rule broken",
#define TEXT(name, sec, text) [VMX_RULE_##name] = text,
				     VMX_RULES(TEXT)
#undef TEXT
};

const char *vmx_rule_section(enum vmx_rule r)
{
	return r < ARRAY_SIZE(sections) ? sections[r] : "?";
}

const char *vmx_rule_text(enum vmx_rule r)
{
	return r < ARRAY_SIZE(texts) ? texts[r] : "unknown rule";
}

const char *vmx_seg_name(int seg)
{
	static const char *const names[SEG_NR] = { "ES", "CS", "SS",   "DS",
						   "FS", "GS", "LDTR", "TR" };

	return seg >= 0 && seg < SEG_NR ? names[seg] : "";
}

static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

static bool unrestricted(const struct vmx_entry_state *s)
{
	return (s->proc & CPU_ACTIVATE_SECONDARY_CONTROLS) &&
	       (s->proc2 & SECONDARY_UNRESTRICTED_GUEST);
}

static bool ia32e(const struct vmx_entry_state *s)
{
	return s->entry & ENTRY_IA32E_MODE_GUEST;
}

static unsigned dpl(u32 ar)
{
	return (ar >> AR_DPL_SHIFT) & 3;
}

static bool usable(const struct vmx_entry_state *s, int seg)
{
	return !(s->seg[seg].ar & AR_UNUSABLE);
}

/* An injected event, if the VM-entry interruption information is valid:
 * its type (INTR_TYPE_*), else ~0. */
static u32 injected_type(const struct vmx_entry_state *s)
{
	if (!(s->entry_intr_info & INTR_INFO_VALID))
		return ~0u;
	return s->entry_intr_info & INTR_INFO_TYPE_MASK;
}

/* 27.3.1.1: CR0 and CR4 against the fixed-bit MSRs (PE and PG are free
 * for an unrestricted guest), and the IA-32e mode relations. */
static struct vmx_violation check_crs(const struct vmx_entry_state *s)
{
	u64 fixed0 = s->cr0_fixed0;

	if (unrestricted(s))
		fixed0 &= ~(u64)(CR0_PE | CR0_PG);
	if ((s->cr0 & fixed0) != fixed0 || (s->cr0 & ~s->cr0_fixed1))
		return RULE(CR0_FIXED);
	if ((s->cr0 & CR0_PG) && !(s->cr0 & CR0_PE))
		return RULE(CR0_PG_PE);
	if ((s->cr4 & s->cr4_fixed0) != s->cr4_fixed0 ||
	    (s->cr4 & ~s->cr4_fixed1))
		return RULE(CR4_FIXED);
	if (ia32e(s) && (!(s->cr0 & CR0_PG) || !(s->cr4 & CR4_PAE)))
		return RULE(IA32E_PG_PAE);
	if (!ia32e(s) && (s->cr4 & CR4_PCIDE))
		return RULE(PCIDE);
	if (s->maxphyaddr < 64 && (s->cr3 >> s->maxphyaddr))
		return RULE(CR3_WIDTH);
	return OK;
}

/* Every PAT entry is a memory type: 0, 1, 4, 5, 6 or 7 (SDM 27.3.1.1). */
static bool pat_valid(u64 pat)
{
	for (unsigned i = 0; i < 8; i++) {
		u8 t = (pat >> (8 * i)) & 0xff;

		if (t > 7 || t == 2 || t == 3)
			return false;
	}
	return true;
}

/* 27.3.1.1: the MSRs VM entry loads, checked when it loads them. */
static struct vmx_violation check_msrs(const struct vmx_entry_state *s)
{
	u64 efer = s->ia32_efer;

	if ((s->entry & ENTRY_LOAD_DEBUG_CONTROLS) &&
	    (s->ia32_debugctl & DEBUGCTL_RESERVED))
		return RULE(DEBUGCTL);
	if ((s->entry & ENTRY_LOAD_DEBUG_CONTROLS) && (s->dr7 >> 32))
		return RULE(DR7_HIGH);
	if (!canonical(s->sysenter_esp) || !canonical(s->sysenter_eip))
		return RULE(SYSENTER);
	if ((s->entry & ENTRY_LOAD_IA32_PAT) && !pat_valid(s->ia32_pat))
		return RULE(PAT);
	if (!(s->entry & ENTRY_LOAD_IA32_EFER))
		return OK;
	if (efer & ~(u64)(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE))
		return RULE(EFER_RESERVED);
	if (!!(efer & EFER_LMA) != ia32e(s))
		return RULE(EFER_LMA);
	if ((s->cr0 & CR0_PG) && !!(efer & EFER_LMA) != !!(efer & EFER_LME))
		return RULE(EFER_LME);
	return OK;
}

/* Reserved bits and the granularity rule every usable segment obeys:
 * a limit with any of bits 11:0 clear needs G=0, one with any of bits
 * 31:20 set needs G=1 (SDM 27.3.1.2). */
static struct vmx_violation check_ar_common(const struct vmx_entry_state *s,
					    int seg)
{
	u32 ar = s->seg[seg].ar, limit = s->seg[seg].limit;

	if (!(ar & AR_P))
		return SEG_RULE(AR_P, seg);
	if (ar & AR_RESERVED)
		return SEG_RULE(AR_RESERVED, seg);
	if ((limit & 0xfff) != 0xfff && (ar & AR_G))
		return SEG_RULE(AR_G, seg);
	if ((limit >> 20) && !(ar & AR_G))
		return SEG_RULE(AR_G, seg);
	return OK;
}

/* CS: an accessed code segment (or, for an unrestricted guest, a
 * read/write accessed data segment at DPL 0); DPL against SS.DPL. */
static struct vmx_violation check_cs(const struct vmx_entry_state *s)
{
	u32 ar = s->seg[SEG_CS].ar, type = ar & AR_TYPE_MASK;
	unsigned ss_dpl = dpl(s->seg[SEG_SS].ar);

	if (!(type == 9 || type == 11 || type == 13 || type == 15 ||
	      (type == 3 && unrestricted(s))))
		return SEG_RULE(AR_TYPE, SEG_CS);
	if (!(ar & AR_S))
		return SEG_RULE(AR_S, SEG_CS);
	if ((type == 3 && dpl(ar) != 0) ||
	    ((type == 9 || type == 11) && dpl(ar) != ss_dpl) ||
	    ((type == 13 || type == 15) && dpl(ar) > ss_dpl))
		return SEG_RULE(AR_DPL, SEG_CS);
	if (ia32e(s) && (ar & AR_L) && (ar & AR_DB))
		return SEG_RULE(CS_L_D, SEG_CS);
	return check_ar_common(s, SEG_CS);
}

/* SS, if usable: a read/write data segment; DPL = RPL unless
 * unrestricted, and 0 in real mode or with a type-3 CS. */
static struct vmx_violation check_ss(const struct vmx_entry_state *s)
{
	u32 ar = s->seg[SEG_SS].ar, type = ar & AR_TYPE_MASK;

	if (!usable(s, SEG_SS))
		return OK;
	if (type != 3 && type != 7)
		return SEG_RULE(AR_TYPE, SEG_SS);
	if (!(ar & AR_S))
		return SEG_RULE(AR_S, SEG_SS);
	if (!unrestricted(s) && dpl(ar) != (s->seg[SEG_SS].selector & 3u))
		return SEG_RULE(AR_DPL, SEG_SS);
	if (((s->seg[SEG_CS].ar & AR_TYPE_MASK) == 3 || !(s->cr0 & CR0_PE)) &&
	    dpl(ar) != 0)
		return SEG_RULE(AR_DPL, SEG_SS);
	return check_ar_common(s, SEG_SS);
}

/* DS, ES, FS, GS, if usable: accessed; code must be readable; DPL >= RPL
 * for data and non-conforming code unless unrestricted. */
static struct vmx_violation check_data_seg(const struct vmx_entry_state *s,
					   int seg)
{
	u32 ar = s->seg[seg].ar, type = ar & AR_TYPE_MASK;

	if (!usable(s, seg))
		return OK;
	if (!(type & AR_TYPE_ACCESSED) ||
	    ((type & AR_TYPE_CODE) && !(type & AR_TYPE_READ)))
		return SEG_RULE(AR_TYPE, seg);
	if (!(ar & AR_S))
		return SEG_RULE(AR_S, seg);
	if (!unrestricted(s) && type <= 11 &&
	    dpl(ar) < (s->seg[seg].selector & 3u))
		return SEG_RULE(AR_DPL, seg);
	return check_ar_common(s, seg);
}

/* TR: a usable busy TSS (a 16-bit one only outside IA-32e mode); LDTR,
 * if usable: an LDT. Both are system descriptors (S=0). */
static struct vmx_violation check_system_segs(const struct vmx_entry_state *s)
{
	u32 ar = s->seg[SEG_TR].ar, type = ar & AR_TYPE_MASK;
	struct vmx_violation v;

	if (!usable(s, SEG_TR))
		return SEG_RULE(TR_UNUSABLE, SEG_TR);
	if (!(type == 11 || (type == 3 && !ia32e(s))))
		return SEG_RULE(AR_TYPE, SEG_TR);
	if (ar & AR_S)
		return SEG_RULE(AR_S, SEG_TR);
	v = check_ar_common(s, SEG_TR);
	if (v.rule || !usable(s, SEG_LDTR))
		return v;
	ar = s->seg[SEG_LDTR].ar;
	if ((ar & AR_TYPE_MASK) != 2)
		return SEG_RULE(AR_TYPE, SEG_LDTR);
	if (ar & AR_S)
		return SEG_RULE(AR_S, SEG_LDTR);
	return check_ar_common(s, SEG_LDTR);
}

/* Virtual-8086 mode: every segment but TR and LDTR is what a real-mode
 * load would make of its selector (SDM 27.3.1.2). */
static struct vmx_violation check_v86(const struct vmx_entry_state *s)
{
	for (int i = SEG_ES; i <= SEG_GS; i++) {
		const struct vmx_segment *g = &s->seg[i];

		if (g->base != (u64)g->selector << 4 || g->limit != 0xffff ||
		    g->ar != 0xf3)
			return SEG_RULE(V86_SEG, i);
	}
	return OK;
}

/* Selector and base rules, before the access rights. */
static struct vmx_violation check_sel_base(const struct vmx_entry_state *s)
{
	static const int canon[] = { SEG_TR, SEG_FS, SEG_GS, SEG_LDTR };
	static const int low[] = { SEG_CS, SEG_SS, SEG_DS, SEG_ES };

	if (s->seg[SEG_TR].selector & 4)
		return SEG_RULE(TR_TI, SEG_TR);
	if (usable(s, SEG_LDTR) && (s->seg[SEG_LDTR].selector & 4))
		return SEG_RULE(LDTR_TI, SEG_LDTR);
	if (!(s->rflags & RFLAGS_VM) && !unrestricted(s) &&
	    (s->seg[SEG_SS].selector & 3) != (s->seg[SEG_CS].selector & 3))
		return SEG_RULE(SS_CS_RPL, SEG_SS);
	for (unsigned i = 0; i < ARRAY_SIZE(canon); i++)
		if ((canon[i] != SEG_LDTR || usable(s, SEG_LDTR)) &&
		    !canonical(s->seg[canon[i]].base))
			return SEG_RULE(BASE_CANONICAL, canon[i]);
	for (unsigned i = 0; i < ARRAY_SIZE(low); i++)
		if ((low[i] == SEG_CS || usable(s, low[i])) &&
		    (s->seg[low[i]].base >> 32))
			return SEG_RULE(BASE_HIGH, low[i]);
	return OK;
}

/* 27.3.1.2 in full. */
static struct vmx_violation check_segments(const struct vmx_entry_state *s)
{
	static const int data[] = { SEG_DS, SEG_ES, SEG_FS, SEG_GS };
	struct vmx_violation v = check_sel_base(s);

	if (v.rule)
		return v;
	if (s->rflags & RFLAGS_VM) {
		v = check_v86(s);
	} else {
		v = check_cs(s);
		if (!v.rule)
			v = check_ss(s);
		for (unsigned i = 0; !v.rule && i < ARRAY_SIZE(data); i++)
			v = check_data_seg(s, data[i]);
	}
	return v.rule ? v : check_system_segs(s);
}

/* 27.3.1.3 and 27.3.1.4. */
static struct vmx_violation check_dtr_rip(const struct vmx_entry_state *s)
{
	bool long64 = ia32e(s) && (s->seg[SEG_CS].ar & AR_L);
	u32 type = injected_type(s);

	if (!canonical(s->gdtr_base) || !canonical(s->idtr_base))
		return RULE(DTR_BASE);
	if ((s->gdtr_limit >> 16) || (s->idtr_limit >> 16))
		return RULE(DTR_LIMIT);
	if (long64 ? !canonical(s->rip) : (s->rip >> 32) != 0)
		return RULE(RIP);
	if ((s->rflags & RFLAGS_RESERVED) || !(s->rflags & RFLAGS_FIXED))
		return RULE(RFLAGS_RESERVED);
	if ((s->rflags & RFLAGS_VM) && (ia32e(s) || !(s->cr0 & CR0_PE)))
		return RULE(RFLAGS_VM);
	if (type == INTR_TYPE_EXT_INTR && !(s->rflags & RFLAGS_IF))
		return RULE(RFLAGS_IF_INTR);
	return OK;
}

/* May an event of @type and @vector be injected into @activity (SDM
 * 27.3.1.5: HLT takes interrupts, NMIs, #DB, #MC and MTF; shutdown only
 * NMIs and #MC; wait-for-SIPI nothing)? */
static bool activity_allows(u32 activity, u32 type, u32 vector)
{
	bool nmi_mc = type == INTR_TYPE_NMI ||
		      (type == INTR_TYPE_HW_EXCEPTION && vector == 18);

	switch (activity) {
	case ACTIVITY_HLT:
		return nmi_mc || type == INTR_TYPE_EXT_INTR ||
		       (type == INTR_TYPE_HW_EXCEPTION && vector == VEC_DB) ||
		       (type == (7u << 8) && vector == 0);
	case ACTIVITY_SHUTDOWN: return nmi_mc;
	case ACTIVITY_WAIT_SIPI: return false;
	default: return true;
	}
}

/* 27.3.1.5: activity and interruptibility state. */
static struct vmx_violation check_activity(const struct vmx_entry_state *s)
{
	u32 intr = s->interruptibility_info, type = injected_type(s);

	if (s->activity_state > ACTIVITY_WAIT_SIPI)
		return RULE(ACTIVITY);
	if (s->activity_state == ACTIVITY_HLT && dpl(s->seg[SEG_SS].ar) != 0)
		return RULE(ACTIVITY_HLT_DPL);
	if ((intr & INTERRUPTIBILITY_SHADOW) &&
	    s->activity_state != ACTIVITY_ACTIVE)
		return RULE(ACTIVITY_SHADOW);
	if (type != ~0u && !activity_allows(s->activity_state, type,
					    s->entry_intr_info & 0xff))
		return RULE(ACTIVITY_EVENT);
	if (intr & INTERRUPTIBILITY_RESERVED)
		return RULE(INTR_RESERVED);
	if ((intr & INTERRUPTIBILITY_SHADOW) == INTERRUPTIBILITY_SHADOW)
		return RULE(INTR_STI_MOVSS);
	if ((intr & INTERRUPTIBILITY_STI) && !(s->rflags & RFLAGS_IF))
		return RULE(INTR_STI_IF);
	if ((type == INTR_TYPE_EXT_INTR && (intr & INTERRUPTIBILITY_SHADOW)) ||
	    (type == INTR_TYPE_NMI && (intr & INTERRUPTIBILITY_MOV_SS)))
		return RULE(INTR_EVENT);
	if ((intr & INTERRUPTIBILITY_SMI) && !(s->entry & ENTRY_SMM))
		return RULE(INTR_SMI);
	return OK;
}

/* 27.3.1.5: pending debug exceptions and the VMCS link pointer. While
 * STI/MOV SS blocks or the CPU halts, a single step the guest owes must
 * be pending exactly when RFLAGS.TF=1 and DEBUGCTL.BTF=0. */
static struct vmx_violation check_pending(const struct vmx_entry_state *s)
{
	u64 p = s->pending_dbg_exceptions, lp = s->vmcs_link_pointer;
	bool owed =
		(s->rflags & RFLAGS_TF) && !(s->ia32_debugctl & DEBUGCTL_BTF);

	if (p & ~PENDING_DEFINED)
		return RULE(PENDING_RESERVED);
	if (((s->interruptibility_info & INTERRUPTIBILITY_SHADOW) ||
	     s->activity_state == ACTIVITY_HLT) &&
	    owed != !!(p & DR6_BS))
		return RULE(PENDING_BS);
	if (lp != ~0ull &&
	    ((lp & 0xfff) || (s->maxphyaddr < 64 && (lp >> s->maxphyaddr))))
		return RULE(VMCS_LINK);
	return OK;
}

struct vmx_violation vmx_check_guest_state(const struct vmx_entry_state *s)
{
	struct vmx_violation (*const steps[])(
		const struct vmx_entry_state *) = {
		check_crs,     check_msrs,     check_segments,
		check_dtr_rip, check_activity, check_pending,
	};

	for (unsigned i = 0; i < ARRAY_SIZE(steps); i++) {
		struct vmx_violation v = steps[i](s);

		if (v.rule)
			return v;
	}
	return OK;
}
