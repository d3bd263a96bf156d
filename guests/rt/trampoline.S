/* SPDX-License-Identifier: MIT */
/*
 * The AP start-up trampoline. A STARTUP IPI with vector VV starts the AP
 * in real mode at CS:IP = VV00:0000, i.e. at physical VV000 (SDM Vol. 3A
 * 9.4.4.1 and 11.6.1), so this code is copied by smp.c to a page below
 * 1 MiB and must not depend on where it was linked: it addresses its own
 * data relative to CS.
 *
 * It only loads the runtime's GDT, sets CR0.PE and far-jumps to
 * ap_start32 in entry.S (a 32-bit offset, hence the operand-size prefix
 * of ljmpl), which continues into long mode like the BSP did.
 */
#include "segments.h"

	.text
	.code16
	.balign 16
	.globl ap_trampoline, ap_trampoline_end
ap_trampoline:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	/* 32-bit operand size: the full 32-bit GDT base (SDM Vol. 2A LGDT). */
	lgdtl ap_gdtr - ap_trampoline
	movl %cr0, %eax
	orl $1, %eax			/* CR0.PE */
	movl %eax, %cr0
	ljmpl $SEL_KCODE32, $ap_start32

	.balign 8
ap_gdtr:
	.word GDT_ENTRIES * 8 - 1
	.long gdt
ap_trampoline_end:
	.code64

	.section .note.GNU-stack, "", @progbits
