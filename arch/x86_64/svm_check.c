// SPDX-License-Identifier: MIT
/*
 * VMRUN's consistency checks on the guest state (APM Vol. 2 15.5.1), in
 * the order the APM lists them. Canonical segment bases are not among
 * them: VMRUN canonicalizes those itself.
 */
#include "arch/x86_64/svm_check.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"

/* CR4 bits the APM defines (Vol. 2 3.1.3): 14:0, 18:16 and 24:20
 * (bits 23 and 24 are CET and PKS); every other is MBZ. */
#define CR4_DEFINED                                                      \
	(0x7fffull | CR4_FSGSBASE | CR4_PCIDE | CR4_OSXSAVE | CR4_SMEP | \
	 CR4_SMAP | CR4_PKE | BIT(23) | BIT(24))
/* EFER bits the APM defines (Vol. 2 3.1.7): SCE, LME, LMA, NXE, SVME,
 * LMSLE, FFXSR, TCE, MCOMMIT, INTWB, UAIE, AIBRSE. */
#define EFER_DEFINED                                                       \
	(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE | EFER_SVME | BIT(13) | \
	 BIT(14) | BIT(15) | BIT(17) | BIT(18) | BIT(20) | BIT(21))
/* Segment attributes in the VMCB's packed form: L is descriptor bit 53,
 * D bit 54 (APM 15.5.1). */
#define ATTR_L BIT(9)
#define ATTR_D BIT(10)

static const char *const texts[] = { [SVM_RULE_OK] = "no rule broken",
#define TEXT(name, text) [SVM_RULE_##name] = text,
				     SVM_RULES(TEXT)
#undef TEXT
};

const char *svm_rule_text(enum svm_rule r)
{
	return r < ARRAY_SIZE(texts) ? texts[r] : "unknown rule";
}

/* The register checks of the list. */
static enum svm_rule check_regs(const struct vmcb_save *s)
{
	if (!(s->efer & EFER_SVME))
		return SVM_RULE_EFER_SVME;
	if (!(s->cr0 & CR0_CD) && (s->cr0 & CR0_NW))
		return SVM_RULE_CR0_CD_NW;
	if (s->cr0 >> 32)
		return SVM_RULE_CR0_HIGH;
	if (s->cr3 >> 52)
		return SVM_RULE_CR3_MBZ;
	if (s->cr4 & ~CR4_DEFINED)
		return SVM_RULE_CR4_MBZ;
	if (s->dr6 >> 32)
		return SVM_RULE_DR6_HIGH;
	if (s->dr7 >> 32)
		return SVM_RULE_DR7_HIGH;
	if (s->efer & ~(u64)EFER_DEFINED)
		return SVM_RULE_EFER_MBZ;
	return SVM_RULE_OK;
}

/* The long-mode combinations the list forbids. */
static enum svm_rule check_long_mode(const struct vmcb_save *s)
{
	bool lme_pg = (s->efer & EFER_LME) && (s->cr0 & CR0_PG);

	if (lme_pg && !(s->cr4 & CR4_PAE))
		return SVM_RULE_LME_PG_PAE;
	if (lme_pg && !(s->cr0 & CR0_PE))
		return SVM_RULE_LME_PG_PE;
	if (lme_pg && (s->cs.attrib & ATTR_L) && (s->cs.attrib & ATTR_D))
		return SVM_RULE_CS_L_D;
	return SVM_RULE_OK;
}

/* The control-area checks: the VMRUN intercept, a guest ASID, and an
 * EVENTINJ the CPU can deliver (APM 15.20: type 1 is reserved, an NMI
 * has vector 2). */
static enum svm_rule check_control(const struct vmcb_control *c)
{
	u64 type = c->eventinj & EVENTINJ_TYPE_MASK;

	if (!(c->intercept_misc2 & INTERCEPT2_VMRUN))
		return SVM_RULE_VMRUN_INTERCEPT;
	if (c->guest_asid == 0)
		return SVM_RULE_ASID_ZERO;
	if ((c->eventinj & EVENTINJ_VALID) &&
	    (type == (1u << 8) || type > EVENTINJ_TYPE_SOFT_INTR ||
	     (type == EVENTINJ_TYPE_NMI && (c->eventinj & 0xff) != VEC_NMI)))
		return SVM_RULE_EVENTINJ;
	return SVM_RULE_OK;
}

enum svm_rule svm_check_vmrun(const struct vmcb *vmcb)
{
	enum svm_rule r = check_regs(&vmcb->save);

	if (!r)
		r = check_long_mode(&vmcb->save);
	return r ? r : check_control(&vmcb->control);
}
