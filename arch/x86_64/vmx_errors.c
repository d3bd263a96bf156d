// SPDX-License-Identifier: MIT
/*
 * The VM-instruction error numbers (SDM Vol. 3C 31.4, table 31-1) and the
 * VM-entry failure exit reasons (SDM 27.8, appendix C), as text.
 */
#include "arch/x86_64/vmx_errors.h"
#include "arch/x86_64/vmcs.h"

static const char *const insn_errors[] = {
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[16] = "VM entry with invalid executive-VMCS pointer",
	[17] = "VM entry with non-launched executive VMCS",
	[18] = "VM entry with executive-VMCS pointer not VMXON pointer",
	[19] = "VMCALL with non-clear VMCS",
	[20] = "VMCALL with invalid VM-exit control fields",
	[22] = "VMCALL with incorrect MSEG revision identifier",
	[23] = "VMXOFF under dual-monitor treatment of SMIs and SMM",
	[24] = "VMCALL with invalid SMM-monitor features",
	[25] = "VM entry with invalid VM-execution control fields in "
	       "executive VMCS",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vmx_insn_error_text(u64 error)
{
	return error < ARRAY_SIZE(insn_errors) ? insn_errors[error] : NULL;
}

const char *vmx_entry_failure_text(u32 reason)
{
	if (!(reason & EXIT_REASON_FAILED_ENTRY))
		return NULL;
	switch (reason & 0xffff) {
	case EXIT_REASON_INVALID_GUEST_STATE:
		return "VM-entry failure: invalid guest state";
	case EXIT_REASON_MSR_LOADING: return "VM-entry failure: MSR loading";
	case EXIT_REASON_MACHINE_CHECK:
		return "VM-entry failure: machine-check event";
	default: return NULL;
	}
}

const char *vmx_entry_qual_text(u32 reason, u64 qual)
{
	if ((reason & 0xffff) == EXIT_REASON_MSR_LOADING)
		return "the failing entry of the VM-entry MSR-load area, "
		       "counting from 1";
	if ((reason & 0xffff) != EXIT_REASON_INVALID_GUEST_STATE)
		return "not used";
	switch (qual) {
	case ENTRY_QUAL_PDPTE: return "loading a PDPTE failed";
	case ENTRY_QUAL_NMI_BLOCKED:
		return "NMI injection while virtual NMIs are blocked";
	case ENTRY_QUAL_VMCS_LINK: return "invalid VMCS link pointer";
	default: return "a guest-state check failed";
	}
}
