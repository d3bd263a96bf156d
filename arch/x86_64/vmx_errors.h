/* SPDX-License-Identifier: MIT */
/*
 * What VMX failures mean, in the SDM's words: VM-instruction error numbers
 * (SDM Vol. 3C 31.4) and the exit reasons of a failed VM entry (27.8).
 */
#ifndef ARCH_VMX_ERRORS_H
#define ARCH_VMX_ERRORS_H

#include "lib/types.h"

/* "VM entry with invalid control field(s)" for 7; NULL if unnumbered. */
const char *vmx_insn_error_text(u64 error);
/* Basic exit reasons 33, 34 and 41 with bit 31 set (SDM 27.8): "VM-entry
 * failure: invalid guest state"; NULL for any other reason. */
const char *vmx_entry_failure_text(u32 reason);
/* What the exit qualification of an entry failure holds (SDM 27.8). */
const char *vmx_entry_qual_text(u32 reason, u64 qual);

#endif
