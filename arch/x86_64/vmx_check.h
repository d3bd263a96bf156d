/* SPDX-License-Identifier: MIT */
/*
 * A software copy of the guest-state checks VM entry makes (SDM Vol. 3C
 * 27.3.1, "Checks on the Guest State Area"), over a snapshot of the VMCS.
 * Emulators accept states real silicon rejects; a build with ENTRY_CHECK=1
 * runs this before every VM entry (docs/testing.md). Pure: the host unit
 * tests feed it states (tests/unit/test_entrycheck.c).
 */
#ifndef ARCH_VMX_CHECK_H
#define ARCH_VMX_CHECK_H

#include "lib/types.h"

/* Segment registers in VMCS field order (SDM B.1.2: ES first, TR last). */
enum vmx_seg {
	SEG_ES,
	SEG_CS,
	SEG_SS,
	SEG_DS,
	SEG_FS,
	SEG_GS,
	SEG_LDTR,
	SEG_TR,
	SEG_NR
};

struct vmx_segment {
	u16 selector;
	u64 base;
	u32 limit;
	u32 ar; /* access rights, AR_* of vmcs.h */
};

/* The fields VM entry checks, by their VMCS names, and the capability
 * MSR values some checks depend on. */
struct vmx_entry_state {
	/* VM-execution, exit and entry controls (SDM 25.6-25.8) */
	u32 pin, proc, proc2, exit, entry, exception_bitmap;
	u64 eptp;
	u32 entry_intr_info, entry_exception_error_code, entry_instruction_len;
	/* IA32_VMX_CR0/CR4_FIXED0/1 (SDM A.7, A.8); CPUID.80000008h:EAX[7:0] */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	unsigned maxphyaddr;
	/* Guest-state area (SDM 25.4) */
	u64 cr0, cr3, cr4, dr7, rsp, rip, rflags;
	struct vmx_segment seg[SEG_NR];
	u64 gdtr_base, idtr_base;
	u32 gdtr_limit, idtr_limit;
	u64 ia32_debugctl, ia32_pat, ia32_efer;
	u64 sysenter_esp, sysenter_eip;
	u32 activity_state, interruptibility_info;
	u64 pending_dbg_exceptions, vmcs_link_pointer;
};

/* Each rule VM entry checks, with the SDM section that states it. */
#define VMX_RULES(X)                                                                \
	X(CR0_FIXED, "SDM 27.3.1.1", "CR0 must respect IA32_VMX_CR0_FIXED0/1")      \
	X(CR0_PG_PE, "SDM 27.3.1.1", "CR0.PG=1 needs CR0.PE=1")                     \
	X(CR4_FIXED, "SDM 27.3.1.1", "CR4 must respect IA32_VMX_CR4_FIXED0/1")      \
	X(DEBUGCTL, "SDM 27.3.1.1", "IA32_DEBUGCTL reserved bits must be 0")        \
	X(IA32E_PG_PAE, "SDM 27.3.1.1",                                             \
	  "an IA-32e mode guest needs CR0.PG=1 and CR4.PAE=1")                      \
	X(PCIDE, "SDM 27.3.1.1", "CR4.PCIDE=1 needs an IA-32e mode guest")          \
	X(CR3_WIDTH, "SDM 27.3.1.1", "CR3 bits beyond MAXPHYADDR must be 0")        \
	X(DR7_HIGH, "SDM 27.3.1.1", "DR7 bits 63:32 must be 0")                     \
	X(SYSENTER, "SDM 27.3.1.1", "IA32_SYSENTER_ESP/EIP must be canonical")      \
	X(PAT, "SDM 27.3.1.1",                                                      \
	  "IA32_PAT: each entry must be 0, 1, 4, 5, 6 or 7")                        \
	X(EFER_RESERVED, "SDM 27.3.1.1", "IA32_EFER reserved bits must be 0")       \
	X(EFER_LMA, "SDM 27.3.1.1",                                                 \
	  "IA32_EFER.LMA must equal the IA-32e mode guest control")                 \
	X(EFER_LME, "SDM 27.3.1.1",                                                 \
	  "with CR0.PG=1, EFER.LME must equal EFER.LMA")                            \
	X(TR_TI, "SDM 27.3.1.2", "TR selector TI flag must be 0")                   \
	X(LDTR_TI, "SDM 27.3.1.2",                                                  \
	  "a usable LDTR's selector TI flag must be 0")                             \
	X(SS_CS_RPL, "SDM 27.3.1.2", "SS.RPL must equal CS.RPL")                    \
	X(V86_SEG, "SDM 27.3.1.2",                                                  \
	  "virtual-8086: base = selector << 4, limit 0xffff, AR 0xf3")              \
	X(BASE_CANONICAL, "SDM 27.3.1.2", "TR, FS, GS, LDTR bases: canonical")      \
	X(BASE_HIGH, "SDM 27.3.1.2",                                                \
	  "CS, SS, DS, ES base bits 63:32 must be 0")                               \
	X(AR_TYPE, "SDM 27.3.1.2",                                                  \
	  "access rights: segment type not allowed here")                           \
	X(AR_S, "SDM 27.3.1.2", "access rights: S (descriptor type) is wrong")      \
	X(AR_DPL, "SDM 27.3.1.2", "access rights: DPL not allowed here")            \
	X(AR_P, "SDM 27.3.1.2", "access rights: P must be 1")                       \
	X(AR_RESERVED, "SDM 27.3.1.2",                                              \
	  "access rights: reserved bits must be 0")                                 \
	X(AR_G, "SDM 27.3.1.2", "access rights: G does not fit the limit")          \
	X(CS_L_D, "SDM 27.3.1.2", "an IA-32e mode guest's CS: L=1 needs D=0")       \
	X(TR_UNUSABLE, "SDM 27.3.1.2", "TR must be usable")                         \
	X(DTR_BASE, "SDM 27.3.1.3", "GDTR/IDTR base must be canonical")             \
	X(DTR_LIMIT, "SDM 27.3.1.3", "GDTR/IDTR limit bits 31:16 must be 0")        \
	X(RIP, "SDM 27.3.1.4",                                                      \
	  "RIP: bits 63:32 0 outside 64-bit mode, else canonical")                  \
	X(RFLAGS_RESERVED, "SDM 27.3.1.4",                                          \
	  "RFLAGS reserved bits must be 0 and bit 1 must be 1")                     \
	X(RFLAGS_VM, "SDM 27.3.1.4",                                                \
	  "RFLAGS.VM must be 0 in IA-32e mode or with CR0.PE=0")                    \
	X(RFLAGS_IF_INTR, "SDM 27.3.1.4",                                           \
	  "injecting an external interrupt needs RFLAGS.IF=1")                      \
	X(ACTIVITY, "SDM 27.3.1.5", "activity state must be 0-3")                   \
	X(ACTIVITY_HLT_DPL, "SDM 27.3.1.5",                                         \
	  "HLT activity state needs SS.DPL=0")                                      \
	X(ACTIVITY_SHADOW, "SDM 27.3.1.5",                                          \
	  "blocking by STI or MOV SS needs the active state")                       \
	X(ACTIVITY_EVENT, "SDM 27.3.1.5",                                           \
	  "the activity state does not allow the injected event")                   \
	X(INTR_RESERVED, "SDM 27.3.1.5",                                            \
	  "interruptibility reserved bits must be 0")                               \
	X(INTR_STI_MOVSS, "SDM 27.3.1.5",                                           \
	  "blocking by STI and by MOV SS cannot both be set")                       \
	X(INTR_STI_IF, "SDM 27.3.1.5", "blocking by STI needs RFLAGS.IF=1")         \
	X(INTR_EVENT, "SDM 27.3.1.5",                                               \
	  "an injected interrupt or NMI cannot be blocked by STI/MOV SS")           \
	X(INTR_SMI, "SDM 27.3.1.5", "blocking by SMI needs entry to SMM")           \
	X(PENDING_RESERVED, "SDM 27.3.1.5",                                         \
	  "pending debug exceptions reserved bits must be 0")                       \
	X(PENDING_BS, "SDM 27.3.1.5",                                               \
	  "pending BS must be set exactly when TF=1 and BTF=0 (STI/MOV SS or HLT)") \
	X(VMCS_LINK, "SDM 27.3.1.5",                                                \
	  "VMCS link pointer: ~0, or 4 KiB aligned within MAXPHYADDR")

enum vmx_rule {
	VMX_RULE_OK,
#define VMX_RULE_ENUM(name, sec, text) VMX_RULE_##name,
	VMX_RULES(VMX_RULE_ENUM)
#undef VMX_RULE_ENUM
};

struct vmx_violation {
	enum vmx_rule rule; /* VMX_RULE_OK: the state passes */
	int seg;	    /* enum vmx_seg the rule was broken on, or -1 */
};

/* The first rule @s breaks, in the order of SDM 27.3.1. */
struct vmx_violation vmx_check_guest_state(const struct vmx_entry_state *s);
/* "SDM 27.3.1.2: TR must be usable" */
const char *vmx_rule_section(enum vmx_rule r);
const char *vmx_rule_text(enum vmx_rule r);
const char *vmx_seg_name(int seg);

#endif
