/* SPDX-License-Identifier: MIT */
/*
 * From a start-up IPI to braid's C code, for every CPU but the first
 * (boot/trampoline.h says how it is used).
 *
 * A CPU woken by INIT, then a start-up IPI with vector VV, starts in real
 * mode with CS = VV00h and IP = 0 (SDM Vol. 3A 9.4.4.1, MP spec B.4.2),
 * so its first instructions must lie at VV000h, below 1 MiB. Only the
 * 16-bit part below is copied there; it uses no absolute address of its
 * own (DS = CS, offsets from trampoline_start), so it runs wherever the
 * page is. It loads a GDT that lives in braid's image and far-jumps into
 * the image, which is linked and loaded below 4 GiB (linker.ld), so the
 * 32-bit and 64-bit parts run in place.
 *
 *   real mode (the low page)  lgdt, CR0.PE, far jump
 *   32-bit protected mode     CR4.PAE, CR3 = boot_pml4, EFER, CR0.PG
 *                             (SDM 10.8.5); boot_pml4 is boot/entry.S's
 *                             identity map of the low 4 GiB, itself below
 *                             4 GiB as a 32-bit MOV to CR3 requires
 *   64-bit mode               CR3 = braid's own tables (anywhere), the
 *                             CPU's stack, call ap_main(cpu)
 */
#include "boot/trampoline.h"

#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_ET (1 << 4)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define SEL_CODE64 0x08
#define SEL_DATA 0x10
#define SEL_CODE32 0x18

	/* Copied, never run in place. */
	.section .rodata
	.code16
	.balign 16
	.global trampoline_start
trampoline_start:
	cli
	cld
	movw %cs, %ax
	movw %ax, %ds
	lgdtl tr_gdtr - trampoline_start
	movl %cr0, %eax
	orl $CR0_PE, %eax
	movl %eax, %cr0
	ljmpl $SEL_CODE32, $ap_protected_mode

	.balign 8
tr_gdtr:
	.short ap_gdt_end - ap_gdt - 1
	.long ap_gdt
	.global trampoline_end
trampoline_end:

	.text
	.code32
ap_protected_mode:
	movw $SEL_DATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	movl trampoline_params + TP_EFER, %eax
	xorl %edx, %edx
	wrmsr
	movl $(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0
	ljmp $SEL_CODE64, $ap_long_mode

	.code64
ap_long_mode:
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movq trampoline_params + TP_CR3(%rip), %rax
	movq %rax, %cr3
	movq trampoline_params + TP_STACK(%rip), %rsp
	movl trampoline_params + TP_CPU(%rip), %edi
	call ap_main
1:	cli
	hlt
	jmp 1b

	/* Written by the CPU (accessed bits), so not read-only. */
	.data
	.balign 8
ap_gdt:
	.quad 0
	.quad 0x00209b0000000000 /* 0x08: 64-bit code, accessed */
	.quad 0x00cf93000000ffff /* 0x10: flat data, writable, accessed */
	.quad 0x00cf9b000000ffff /* 0x18: flat 32-bit code, accessed */
ap_gdt_end:

	.balign 8
	.global trampoline_params
trampoline_params:
	.skip 32
