/* SPDX-License-Identifier: MIT */
/*
 * A software copy of the consistency checks VMRUN makes on the VMCB (APM
 * Vol. 2 15.5.1, "VMRUN", "Canonicalization and Consistency Checks"): a
 * VMCB that fails one ends in #VMEXIT(VMEXIT_INVALID). QEMU checks only
 * some; a build with ENTRY_CHECK=1 runs this before every VMRUN. Pure:
 * the host unit tests feed it VMCBs (tests/unit/test_entrycheck.c).
 */
#ifndef ARCH_SVM_CHECK_H
#define ARCH_SVM_CHECK_H

#include "arch/x86_64/vmcb.h"

#define SVM_RULES(X)                                                \
	X(EFER_SVME, "EFER.SVME must be 1")                         \
	X(CR0_CD_NW, "CR0.CD=0 with CR0.NW=1 is illegal")           \
	X(CR0_HIGH, "CR0 bits 63:32 must be 0")                     \
	X(CR3_MBZ, "CR3 MBZ bits (63:52) must be 0")                \
	X(CR4_MBZ, "CR4 reserved bits must be 0")                   \
	X(DR6_HIGH, "DR6 bits 63:32 must be 0")                     \
	X(DR7_HIGH, "DR7 bits 63:32 must be 0")                     \
	X(EFER_MBZ, "EFER reserved bits must be 0")                 \
	X(LME_PG_PAE, "EFER.LME=1 and CR0.PG=1 need CR4.PAE=1")     \
	X(LME_PG_PE, "EFER.LME=1 and CR0.PG=1 need CR0.PE=1")       \
	X(CS_L_D, "EFER.LME, CR0.PG, CR4.PAE, CS.L and CS.D all 1") \
	X(VMRUN_INTERCEPT, "the VMRUN intercept must be set")       \
	X(ASID_ZERO, "ASID 0 is the host's")                        \
	X(EVENTINJ, "EVENTINJ: illegal type, or NMI vector not 2")

enum svm_rule {
	SVM_RULE_OK,
#define SVM_RULE_ENUM(name, text) SVM_RULE_##name,
	SVM_RULES(SVM_RULE_ENUM)
#undef SVM_RULE_ENUM
};

/* The first check of APM 15.5.1 @vmcb fails, or SVM_RULE_OK. */
enum svm_rule svm_check_vmrun(const struct vmcb *vmcb);
const char *svm_rule_text(enum svm_rule r);

#endif
