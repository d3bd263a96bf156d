/* SPDX-License-Identifier: MIT */
/*
 * The start-up trampoline for the other CPUs (boot/trampoline.S). A CPU
 * woken by a start-up IPI begins in real mode at vector * 4 KiB (SDM Vol.
 * 3A 9.4.4.1), so the first instructions must sit in a page below 1 MiB:
 * the caller copies [trampoline_start, trampoline_end) there. That code
 * needs no fixing up wherever it lands: it switches to protected mode and
 * jumps into braid's image, which finishes the way to long mode
 * (SDM 10.8.5) and calls ap_main(trampoline_params.cpu) on its stack.
 *
 * The trampoline reads one parameter block, so CPUs are started one at a
 * time: fill it, send the IPIs, wait until that CPU checks in.
 */
#ifndef BOOT_TRAMPOLINE_H
#define BOOT_TRAMPOLINE_H

/* Offsets into struct trampoline_params, for the assembly. */
#define TP_CR3	 0
#define TP_STACK 8
#define TP_EFER	 16
#define TP_CPU	 24

#ifndef __ASSEMBLY__
#include "lib/types.h"

struct trampoline_params {
	u64 cr3;       /* braid's page tables (may lie above 4 GiB) */
	u64 stack_top; /* the CPU's own stack */
	u64 efer;      /* EFER.LME and NXE as the boot CPU has them */
	u32 cpu;       /* its index in percpu[] */
	u32 reserved;
};
_Static_assert(__builtin_offsetof(struct trampoline_params, stack_top) ==
		       TP_STACK,
	       "TP_STACK");
_Static_assert(__builtin_offsetof(struct trampoline_params, efer) == TP_EFER,
	       "TP_EFER");
_Static_assert(__builtin_offsetof(struct trampoline_params, cpu) == TP_CPU,
	       "TP_CPU");

extern struct trampoline_params trampoline_params;
extern const char trampoline_start[], trampoline_end[];

/* Where the trampoline lands in C, on the CPU's own stack, in long mode
 * on braid's page tables; it never returns (arch/x86_64/smp.c). */
void ap_main(unsigned cpu) __attribute__((noreturn));
#endif

#endif
