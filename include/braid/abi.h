/* SPDX-License-Identifier: MIT */
/*
 * braid's guest-visible ABI: what a guest can learn about and ask of the
 * hypervisor. Shared verbatim by the hypervisor (hv/) and the toy guests
 * (guests/), so the two can never disagree.
 *
 * Discovery (CPUID, SDM Vol. 2A "CPUID"; hypervisor range by convention):
 *   CPUID.1:ECX[31]          = 1 under braid (the "hypervisor present" bit)
 *   CPUID.0x40000000         EAX = highest braid leaf,
 *                            EBX:ECX:EDX = "BraidBraidHV"
 *   CPUID.0x40000001         EAX = BRAID_ABI_VERSION,
 *                            EBX = BRAID_VENDOR_VMX or BRAID_VENDOR_SVM
 *                            (tells the guest which hypercall instruction
 *                            to use: VMCALL on VMX, VMMCALL on SVM)
 *
 * Hypercalls: RAX = number, RBX/RCX/RDX = arguments (only the low 32 bits
 * are used by a 32-bit guest), result in RAX (negative on error).
 * Guest-physical addresses are passed, never virtual ones.
 *
 * Ports every guest has:
 *   0x3f8-0x3ff  a 16550 UART (COM1); output lines go to the real serial port
 *                prefixed with the guest's name
 *   0xf4         isa-debug-exit: a byte/word/dword written here ends the guest
 *                with that value as its result; 0 means success, as a process
 *                exit status does.
 */
#ifndef BRAID_ABI_H
#define BRAID_ABI_H

#define BRAID_CPUID_BASE    0x40000000u
#define BRAID_CPUID_INFO    0x40000001u
#define BRAID_CPUID_SIG_EBX 0x69617242u /* "Brai" */
#define BRAID_CPUID_SIG_ECX 0x61724264u /* "dBra" */
#define BRAID_CPUID_SIG_EDX 0x56486469u /* "idHV" */
#define BRAID_ABI_VERSION   1u
#define BRAID_VENDOR_VMX    1u
#define BRAID_VENDOR_SVM    2u

#define BRAID_DEBUG_EXIT_PORT 0xf4
#define BRAID_RESULT_PASS     0u /* value written to 0xf4 on success */

enum braid_hypercall {
	HC_VERSION = 0,	 /* -> BRAID_ABI_VERSION */
	HC_PRINT = 1,	 /* RBX = gpa of text, RCX = length (<= 4096) */
	HC_EXIT = 2,	 /* RBX = result code; does not return */
	HC_STATS = 3,	 /* RBX = gpa of struct braid_stats, RCX = its size */
	HC_CLASSIFY = 4, /* braid prints how it maps the caller's address
			  * space now (the "braid: region" lines) */
};

#define HC_ERR_PERM  (-1L)  /* called from CPL > 0 */
#define HC_ERR_INVAL (-22L) /* bad argument: address outside guest RAM */
#define HC_ERR_NOSYS (-38L) /* unknown hypercall number */

/* Exit reasons as braid counts them, vendor-neutral. */
enum braid_exit_reason {
	EXIT_CPUID,
	EXIT_IO,
	EXIT_HLT,
	EXIT_MSR,
	EXIT_HYPERCALL,
	EXIT_NPF, /* EPT violation / nested page fault */
	EXIT_EXCEPTION,
	EXIT_CR,
	EXIT_INTR,
	EXIT_TRIPLE_FAULT,
	EXIT_VIRT_INSN, /* a VMX/SVM instruction executed by the guest */
	EXIT_PF,	/* page fault intercepted (shadow paging) */
	EXIT_INVLPG,
	EXIT_IRQ_WINDOW, /* the guest became able to take an interrupt */
	EXIT_OTHER,
	EXIT_NR
};

/* Filled by HC_STATS: the calling guest's own counters, nobody else's. */
struct braid_stats {
	unsigned long long exits_total;
	unsigned long long exits[EXIT_NR];
	unsigned long long hv_tsc;    /* TSC ticks spent in the hypervisor */
	unsigned long long mem_bytes; /* guest RAM size */
};

#endif
