// SPDX-License-Identifier: MIT
/*
 * The software VM-entry checkers: arch/x86_64/vmx_check.c (SDM Vol. 3C
 * 27.3.1) and svm_check.c (APM Vol. 2 15.5.1). The states braid builds
 * (multiboot protected mode, then what guests move to: long mode, real
 * mode under unrestricted guest, shadow paging without it) must pass;
 * one broken rule of each family must be named.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/svm_check.h"
#include "arch/x86_64/vmcs.h"
#include "arch/x86_64/vmx_check.h"
#include "tests/unit/unit.h"

/* IA32_VMX_CR0/CR4_FIXED0/1 as Bochs's corei7_haswell_4770 reports them:
 * PE, NE, PG fixed to 1; VMXE fixed to 1. */
#define CR0_FIXED0 0x80000021ull
#define CR0_FIXED1 0xffffffffull
#define CR4_FIXED0 0x2000ull
#define CR4_FIXED1 0x3767ffull

static void seg(struct vmx_entry_state *s, int i, u16 sel, u32 limit, u32 ar)
{
	s->seg[i] = (struct vmx_segment){ sel, 0, limit, ar };
}

/* The state vmx_vcpu_reset_multiboot() and setup_controls() write. */
static struct vmx_entry_state vmx_multiboot(void)
{
	struct vmx_entry_state s = {
		.proc = CPU_ACTIVATE_SECONDARY_CONTROLS | CPU_HLT_EXITING,
		.proc2 = SECONDARY_ENABLE_EPT | SECONDARY_UNRESTRICTED_GUEST,
		.entry = ENTRY_LOAD_IA32_EFER | ENTRY_LOAD_IA32_PAT |
			 ENTRY_LOAD_DEBUG_CONTROLS,
		.cr0_fixed0 = CR0_FIXED0,
		.cr0_fixed1 = CR0_FIXED1,
		.cr4_fixed0 = CR4_FIXED0,
		.cr4_fixed1 = CR4_FIXED1,
		.maxphyaddr = 40,
		.cr0 = (CR0_PE | CR0_ET | CR0_FIXED0) & ~(u64)CR0_PG,
		.cr4 = CR4_FIXED0,
		.dr7 = 0x400,
		.rip = 0x100000,
		.rflags = RFLAGS_FIXED,
		.ia32_pat = 0x0007040600070406ull,
		.vmcs_link_pointer = ~0ull,
	};

	seg(&s, SEG_CS, 0x08, 0xffffffff, AR_CODE32);
	for (int i = SEG_ES; i <= SEG_GS; i++)
		if (i != SEG_CS)
			seg(&s, i, 0x10, 0xffffffff, AR_DATA32);
	seg(&s, SEG_LDTR, 0, 0xffffffff, AR_UNUSABLE);
	seg(&s, SEG_TR, 0, 0x67, AR_TSS32_BUSY);
	return s;
}

/* What a guest's switch to long mode leaves (vmx_set_mmu, SDM 10.8.5). */
static struct vmx_entry_state vmx_long_mode(void)
{
	struct vmx_entry_state s = vmx_multiboot();

	s.cr0 |= CR0_PG;
	s.cr4 |= CR4_PAE;
	s.cr3 = 0x1000;
	s.ia32_efer = EFER_LME | EFER_LMA;
	s.entry |= ENTRY_IA32E_MODE_GUEST;
	s.seg[SEG_CS].ar = 0xa09b; /* L=1, D=0 */
	s.rip = 0xffffffff80001000ull;
	return s;
}

/* Real mode as the CPU saves it after the guest clears CR0.PE, with
 * unrestricted guest (SDM 27.3.1.2 relaxes CS type and DPL for it). */
static struct vmx_entry_state vmx_real_mode(void)
{
	struct vmx_entry_state s = vmx_multiboot();

	s.cr0 = CR0_ET | CR0_NE;
	for (int i = SEG_ES; i <= SEG_GS; i++)
		s.seg[i] =
			(struct vmx_segment){ 0x1000, 0x10000, 0xffff, 0x93 };
	s.seg[SEG_CS].ar = 0x9b;
	s.rip = 0x7c00;
	return s;
}

/* Shadow paging: EPT and unrestricted guest off, the CPU runs paged. */
static struct vmx_entry_state vmx_shadow(void)
{
	struct vmx_entry_state s = vmx_multiboot();

	s.proc2 = 0;
	s.cr0 |= CR0_PG;
	s.cr3 = 0x200000;
	return s;
}

static void assert_vmx(const struct vmx_entry_state *s, enum vmx_rule rule,
		       int seg)
{
	struct vmx_violation v = vmx_check_guest_state(s);

	if (v.rule != rule)
		fail_msg("got \"%s\" (%s), want \"%s\"", vmx_rule_text(v.rule),
			 vmx_seg_name(v.seg), vmx_rule_text(rule));
	if (rule)
		assert_int_equal(v.seg, seg);
}

static void test_vmx_accepts_braid_states(void **state)
{
	struct vmx_entry_state s;

	(void)state;
	s = vmx_multiboot();
	assert_vmx(&s, VMX_RULE_OK, -1);
	s = vmx_long_mode();
	assert_vmx(&s, VMX_RULE_OK, -1);
	s = vmx_real_mode();
	assert_vmx(&s, VMX_RULE_OK, -1);
	s = vmx_shadow();
	assert_vmx(&s, VMX_RULE_OK, -1);
}

static void test_vmx_control_registers(void **state)
{
	struct vmx_entry_state s = vmx_multiboot();

	(void)state;
	s.cr0 &= ~(u64)CR0_NE;
	assert_vmx(&s, VMX_RULE_CR0_FIXED, -1);
	s = vmx_shadow(); /* PE and PG are fixed without unrestricted guest */
	s.cr0 &= ~(u64)CR0_PG;
	assert_vmx(&s, VMX_RULE_CR0_FIXED, -1);
	s = vmx_multiboot();
	s.cr0 = (s.cr0 | CR0_PG) & ~(u64)CR0_PE;
	assert_vmx(&s, VMX_RULE_CR0_PG_PE, -1);
	s = vmx_multiboot();
	s.cr4 &= ~(u64)CR4_VMXE;
	assert_vmx(&s, VMX_RULE_CR4_FIXED, -1);
	s = vmx_long_mode();
	s.cr4 &= ~(u64)CR4_PAE;
	assert_vmx(&s, VMX_RULE_IA32E_PG_PAE, -1);
	s = vmx_multiboot();
	s.cr4 |= CR4_PCIDE;
	assert_vmx(&s, VMX_RULE_PCIDE, -1);
	s = vmx_multiboot();
	s.cr3 = 1ull << 40;
	assert_vmx(&s, VMX_RULE_CR3_WIDTH, -1);
}

static void test_vmx_msrs(void **state)
{
	struct vmx_entry_state s = vmx_multiboot();

	(void)state;
	s.ia32_debugctl = BIT(2);
	assert_vmx(&s, VMX_RULE_DEBUGCTL, -1);
	s = vmx_multiboot();
	s.dr7 = 1ull << 32;
	assert_vmx(&s, VMX_RULE_DR7_HIGH, -1);
	s = vmx_multiboot();
	s.sysenter_eip = 0x0000800000000000ull;
	assert_vmx(&s, VMX_RULE_SYSENTER, -1);
	s = vmx_multiboot();
	s.ia32_pat = 0x0007040600070402ull; /* type 2 is reserved */
	assert_vmx(&s, VMX_RULE_PAT, -1);
	s = vmx_multiboot();
	s.ia32_efer = BIT(1);
	assert_vmx(&s, VMX_RULE_EFER_RESERVED, -1);
	s = vmx_long_mode();
	s.ia32_efer &= ~(u64)EFER_LMA;
	assert_vmx(&s, VMX_RULE_EFER_LMA, -1);
	s = vmx_long_mode();
	s.ia32_efer &= ~(u64)EFER_LME;
	assert_vmx(&s, VMX_RULE_EFER_LME, -1);
}

static void test_vmx_selectors_and_bases(void **state)
{
	struct vmx_entry_state s = vmx_multiboot();

	(void)state;
	s.seg[SEG_TR].selector = 0x2c; /* TI=1 */
	assert_vmx(&s, VMX_RULE_TR_TI, SEG_TR);
	s = vmx_shadow();
	s.seg[SEG_SS].selector = 0x13;
	assert_vmx(&s, VMX_RULE_SS_CS_RPL, SEG_SS);
	s = vmx_multiboot();
	s.seg[SEG_FS].base = 0x0000800000000000ull;
	assert_vmx(&s, VMX_RULE_BASE_CANONICAL, SEG_FS);
	s = vmx_multiboot();
	s.seg[SEG_DS].base = 1ull << 32;
	assert_vmx(&s, VMX_RULE_BASE_HIGH, SEG_DS);
	s = vmx_multiboot();
	s.rflags |= BIT(17); /* VM */
	assert_vmx(&s, VMX_RULE_V86_SEG, SEG_ES);
}

static void test_vmx_access_rights(void **state)
{
	struct vmx_entry_state s = vmx_multiboot();

	(void)state;
	s.seg[SEG_TR].ar |= AR_UNUSABLE;
	assert_vmx(&s, VMX_RULE_TR_UNUSABLE, SEG_TR);
	s = vmx_long_mode();
	s.seg[SEG_TR].ar = 0x83; /* a 16-bit TSS in IA-32e mode */
	assert_vmx(&s, VMX_RULE_AR_TYPE, SEG_TR);
	s = vmx_shadow();
	s.seg[SEG_CS].ar = 0xc093; /* data in CS, restricted guest */
	assert_vmx(&s, VMX_RULE_AR_TYPE, SEG_CS);
	s = vmx_multiboot();
	s.seg[SEG_CS].ar &= ~AR_S;
	assert_vmx(&s, VMX_RULE_AR_S, SEG_CS);
	s = vmx_multiboot();
	s.seg[SEG_SS].ar |= 3 << AR_DPL_SHIFT; /* nonconforming CS: DPLs */
	assert_vmx(&s, VMX_RULE_AR_DPL, SEG_CS);
	s = vmx_real_mode();
	s.seg[SEG_SS].ar |= 3 << AR_DPL_SHIFT;
	s.seg[SEG_CS].ar |= 3 << AR_DPL_SHIFT;
	assert_vmx(&s, VMX_RULE_AR_DPL, SEG_SS); /* CR0.PE=0: SS.DPL 0 */
	s = vmx_multiboot();
	s.seg[SEG_DS].ar &= ~AR_TYPE_ACCESSED;
	assert_vmx(&s, VMX_RULE_AR_TYPE, SEG_DS);
	s = vmx_multiboot();
	s.seg[SEG_GS].ar &= ~AR_P;
	assert_vmx(&s, VMX_RULE_AR_P, SEG_GS);
	s = vmx_multiboot();
	s.seg[SEG_ES].ar |= 0x100;
	assert_vmx(&s, VMX_RULE_AR_RESERVED, SEG_ES);
	s = vmx_multiboot();
	s.seg[SEG_TR].limit = 0x100000; /* needs G=1 */
	assert_vmx(&s, VMX_RULE_AR_G, SEG_TR);
	s = vmx_long_mode();
	s.seg[SEG_CS].ar |= AR_DB;
	assert_vmx(&s, VMX_RULE_CS_L_D, SEG_CS);
	s = vmx_multiboot();
	s.seg[SEG_LDTR].ar = 0x8b; /* usable, but a TSS */
	assert_vmx(&s, VMX_RULE_AR_TYPE, SEG_LDTR);
}

static void test_vmx_dtr_rip_rflags(void **state)
{
	struct vmx_entry_state s = vmx_multiboot();

	(void)state;
	s.idtr_base = 0x0000800000000000ull;
	assert_vmx(&s, VMX_RULE_DTR_BASE, -1);
	s = vmx_multiboot();
	s.gdtr_limit = 0x10000;
	assert_vmx(&s, VMX_RULE_DTR_LIMIT, -1);
	s = vmx_multiboot();
	s.rip = 1ull << 32; /* not in 64-bit mode */
	assert_vmx(&s, VMX_RULE_RIP, -1);
	s = vmx_long_mode();
	s.rip = 0x0000800000000000ull;
	assert_vmx(&s, VMX_RULE_RIP, -1);
	s = vmx_multiboot();
	s.rflags = 0;
	assert_vmx(&s, VMX_RULE_RFLAGS_RESERVED, -1);
	s = vmx_long_mode();
	s.rflags |= BIT(17);
	assert_vmx(&s, VMX_RULE_V86_SEG, SEG_ES); /* segments come first */
	s = vmx_multiboot();
	s.entry_intr_info = 0x20 | INTR_TYPE_EXT_INTR | INTR_INFO_VALID;
	assert_vmx(&s, VMX_RULE_RFLAGS_IF_INTR, -1);
}

static void test_vmx_non_register_state(void **state)
{
	struct vmx_entry_state s = vmx_multiboot();

	(void)state;
	s.activity_state = 4;
	assert_vmx(&s, VMX_RULE_ACTIVITY, -1);
	s = vmx_multiboot();
	s.activity_state = ACTIVITY_HLT;
	s.interruptibility_info = INTERRUPTIBILITY_STI;
	s.rflags |= RFLAGS_IF;
	assert_vmx(&s, VMX_RULE_ACTIVITY_SHADOW, -1);
	s = vmx_multiboot();
	s.activity_state = ACTIVITY_WAIT_SIPI;
	s.entry_intr_info = VEC_NMI | INTR_TYPE_NMI | INTR_INFO_VALID;
	assert_vmx(&s, VMX_RULE_ACTIVITY_EVENT, -1);
	s = vmx_multiboot();
	s.interruptibility_info = BIT(5);
	assert_vmx(&s, VMX_RULE_INTR_RESERVED, -1);
	s = vmx_multiboot();
	s.interruptibility_info = INTERRUPTIBILITY_STI;
	assert_vmx(&s, VMX_RULE_INTR_STI_IF, -1);
	s = vmx_multiboot();
	s.rflags |= RFLAGS_IF;
	s.interruptibility_info = INTERRUPTIBILITY_MOV_SS;
	s.entry_intr_info = 0x20 | INTR_TYPE_EXT_INTR | INTR_INFO_VALID;
	assert_vmx(&s, VMX_RULE_INTR_EVENT, -1);
	s = vmx_multiboot();
	s.interruptibility_info = INTERRUPTIBILITY_SMI;
	assert_vmx(&s, VMX_RULE_INTR_SMI, -1);
}

/* A single step owed across an STI shadow must be pending (the bug a
 * hypervisor makes when it emulates STI under RFLAGS.TF). */
static void test_vmx_pending_debug_and_link(void **state)
{
	struct vmx_entry_state s = vmx_multiboot();

	(void)state;
	s.pending_dbg_exceptions = BIT(4);
	assert_vmx(&s, VMX_RULE_PENDING_RESERVED, -1);
	s = vmx_multiboot();
	s.rflags |= RFLAGS_IF | RFLAGS_TF;
	s.interruptibility_info = INTERRUPTIBILITY_STI;
	assert_vmx(&s, VMX_RULE_PENDING_BS, -1);
	s.pending_dbg_exceptions = DR6_BS;
	assert_vmx(&s, VMX_RULE_OK, -1);
	s.ia32_debugctl = BIT(1); /* BTF: no single-step trap owed */
	assert_vmx(&s, VMX_RULE_PENDING_BS, -1);
	s = vmx_multiboot();
	s.vmcs_link_pointer = 0x1234;
	assert_vmx(&s, VMX_RULE_VMCS_LINK, -1);
}

/* The VMCB svm_vcpu_reset_multiboot() and setup_control() write. */
static void svm_multiboot(struct vmcb *v)
{
	*v = (struct vmcb){ 0 };
	v->control.intercept_misc2 = INTERCEPT2_VMRUN | INTERCEPT2_VMMCALL;
	v->control.guest_asid = 1;
	v->control.nested_ctl = NESTED_CTL_NP_ENABLE;
	v->save.cs = (struct vmcb_seg){ 0x08, 0x0c9b, 0xffffffff, 0 };
	v->save.ss = (struct vmcb_seg){ 0x10, 0x0c93, 0xffffffff, 0 };
	v->save.tr = (struct vmcb_seg){ 0, 0x008b, 0x67, 0 };
	v->save.cr0 = CR0_PE | CR0_ET;
	v->save.efer = EFER_SVME;
	v->save.rflags = RFLAGS_FIXED;
	v->save.dr6 = 0xffff0ff0;
	v->save.dr7 = 0x400;
	v->save.g_pat = 0x0007040600070406ull;
}

static void svm_long_mode(struct vmcb *v)
{
	svm_multiboot(v);
	v->save.cr0 |= CR0_PG;
	v->save.cr4 = CR4_PAE;
	v->save.efer |= EFER_LME | EFER_LMA;
	v->save.cs.attrib = 0x0a9b; /* L=1, D=0 */
}

static void svm_real_mode(struct vmcb *v)
{
	svm_multiboot(v);
	v->save.cr0 = CR0_ET;
	v->save.cs = (struct vmcb_seg){ 0xf000, 0x9b, 0xffff, 0xf0000 };
}

static struct vmcb vmcb;

static void test_svm_accepts_braid_states(void **state)
{
	(void)state;
	svm_multiboot(&vmcb);
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_OK);
	svm_long_mode(&vmcb);
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_OK);
	svm_real_mode(&vmcb);
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_OK);
}

static void test_svm_registers(void **state)
{
	(void)state;
	svm_multiboot(&vmcb);
	vmcb.save.efer = 0;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_EFER_SVME);
	svm_multiboot(&vmcb);
	vmcb.save.cr0 |= CR0_NW;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_CR0_CD_NW);
	vmcb.save.cr0 |= CR0_CD; /* CD=1 NW=1 is legal */
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_OK);
	vmcb.save.cr0 |= 1ull << 32;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_CR0_HIGH);
	svm_multiboot(&vmcb);
	vmcb.save.cr3 = 1ull << 52;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_CR3_MBZ);
	svm_multiboot(&vmcb);
	vmcb.save.cr4 = BIT(15);
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_CR4_MBZ);
	svm_multiboot(&vmcb);
	vmcb.save.dr6 = 1ull << 32;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_DR6_HIGH);
	svm_multiboot(&vmcb);
	vmcb.save.dr7 = 1ull << 40;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_DR7_HIGH);
	svm_multiboot(&vmcb);
	vmcb.save.efer |= BIT(1);
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_EFER_MBZ);
}

static void test_svm_long_mode(void **state)
{
	(void)state;
	svm_long_mode(&vmcb);
	vmcb.save.cr4 = 0;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_LME_PG_PAE);
	svm_long_mode(&vmcb);
	vmcb.save.cr0 &= ~(u64)CR0_PE;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_LME_PG_PE);
	svm_long_mode(&vmcb);
	vmcb.save.cs.attrib |= BIT(10); /* D with L */
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_CS_L_D);
}

static void test_svm_control(void **state)
{
	(void)state;
	svm_multiboot(&vmcb);
	vmcb.control.intercept_misc2 &= ~INTERCEPT2_VMRUN;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_VMRUN_INTERCEPT);
	svm_multiboot(&vmcb);
	vmcb.control.guest_asid = 0;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_ASID_ZERO);
	svm_multiboot(&vmcb);
	vmcb.control.eventinj = 3 | EVENTINJ_TYPE_NMI | EVENTINJ_VALID;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_EVENTINJ);
	vmcb.control.eventinj = 0x20 | (1u << 8) | EVENTINJ_VALID;
	assert_int_equal(svm_check_vmrun(&vmcb), SVM_RULE_EVENTINJ);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_vmx_accepts_braid_states),
		T(test_vmx_control_registers),
		T(test_vmx_msrs),
		T(test_vmx_selectors_and_bases),
		T(test_vmx_access_rights),
		T(test_vmx_dtr_rip_rflags),
		T(test_vmx_non_register_state),
		T(test_vmx_pending_debug_and_link),
		T(test_svm_accepts_braid_states),
		T(test_svm_registers),
		T(test_svm_long_mode),
		T(test_svm_control),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
