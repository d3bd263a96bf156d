/* SPDX-License-Identifier: MIT */
/*
 * Exception and interrupt entry stubs, a setjmp/longjmp pair used to
 * recover from expected faults, and the ring-3 trampoline.
 *
 * Every stub leaves the same frame (struct trap_frame in trap.h): the CPU's
 * SS/RSP/RFLAGS/CS/RIP, an error code (a pushed 0 for vectors that have
 * none, SDM Vol. 3A 6.13), the vector, then the 15 general registers.
 * 64-bit mode aligns RSP to 16 before pushing the CPU frame (SDM Vol. 3A
 * 6.14.2); 22 quadwords keep it aligned for the C call.
 */
#include "segments.h"

.macro STUB_NOERR vec
	.balign 16
isr_\vec:
	pushq $0
	pushq $\vec
	jmp isr_common
.endm

.macro STUB_ERR vec
	.balign 16
isr_\vec:
	pushq $\vec
	jmp isr_common
.endm

	.text
	/* Vectors with an error code: 8, 10-14, 17, 21, 29, 30 (SDM Table 6-1). */
	.irp v, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	STUB_NOERR \v
	.endr
	.irp v, 8,10,11,12,13,14,17,21,29,30
	STUB_ERR \v
	.endr
	.balign 16
isr_user:				/* int USER_RETURN_VECTOR from ring 3 */
	pushq $0
	pushq $USER_RETURN_VECTOR
	jmp isr_common

	.globl isr_common
isr_common:
	pushq %rax
	pushq %rbx
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %rbp
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	cld
	movq %rsp, %rdi
	call trap_dispatch
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rbp
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rbx
	popq %rax
	addq $16, %rsp			/* vector and error code */
	.globl isr_iret
isr_iret:
	iretq

	.section .rodata
	.balign 8
	.globl isr_table
isr_table:				/* indexed by vector, 0-31 */
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
	.quad isr_\v
	.endr
	.irp v, 16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad isr_\v
	.endr
	.globl isr_user_return
isr_user_return:
	.quad isr_user

/*
 * Vectors 32-255: external interrupts, IPIs and INT n. None of them pushes
 * an error code (SDM Vol. 3A 6.13), so every stub pushes a 0 and the frame
 * is the exceptions' one. Each stub also appends its address to
 * isr_irq_table (in .rodata, right behind this label), indexed by
 * vector - 32. trap.c keeps isr_user on USER_RETURN_VECTOR.
 */
	.balign 8
	.globl isr_irq_table
isr_irq_table:
	.text
	.set vec, 32
	.rept 256 - 32
	.balign 16
1:	pushq $0
	pushq $vec
	jmp isr_common
	.pushsection .rodata
	.quad 1b
	.popsection
	.set vec, vec + 1
	.endr

	.text
/*
 * int rt_setjmp(struct jmpbuf *jb): save callee-saved state (SysV ABI),
 * return 0; rt_longjmp(jb, v) resumes there returning v.
 */
	.globl rt_setjmp
rt_setjmp:
	movq (%rsp), %rax		/* return address */
	movq %rax, 0(%rdi)
	leaq 8(%rsp), %rax		/* RSP after our return */
	movq %rax, 8(%rdi)
	movq %rbx, 16(%rdi)
	movq %rbp, 24(%rdi)
	movq %r12, 32(%rdi)
	movq %r13, 40(%rdi)
	movq %r14, 48(%rdi)
	movq %r15, 56(%rdi)
	xorl %eax, %eax
	ret

	.globl rt_longjmp
rt_longjmp:
	movq %rsi, %rax
	movq 16(%rdi), %rbx
	movq 24(%rdi), %rbp
	movq 32(%rdi), %r12
	movq 40(%rdi), %r13
	movq 48(%rdi), %r14
	movq 56(%rdi), %r15
	movq 8(%rdi), %rsp
	jmp *0(%rdi)

/*
 * After an exception from ring 3 the CPU leaves SS null (SDM Vol. 3A
 * 6.14.4); reload the flat kernel selectors before carrying on.
 */
	.globl load_kernel_segments
load_kernel_segments:
	movw $SEL_KDATA, %ax
	movw %ax, %ss
	movw %ax, %ds
	movw %ax, %es
	ret

/*
 * void enter_user(u64 (*fn)(u64), u64 arg, u64 user_rsp): IRETQ to CPL 3 at
 * user_entry with RDI/RSI intact (SDM Vol. 3A 7.3 / IRET). Never returns
 * directly: user_entry raises USER_RETURN_VECTOR, which trap.c turns into a
 * longjmp back to user_call().
 */
	.globl enter_user
enter_user:
	pushq $(SEL_UDATA | RPL3)	/* SS */
	pushq %rdx			/* RSP */
	pushq $0x2			/* RFLAGS: IF=0, IOPL=0 */
	pushq $(SEL_UCODE | RPL3)	/* CS */
	leaq user_entry(%rip), %rax
	pushq %rax			/* RIP */
	iretq

user_entry:
	movq %rdi, %rax
	movq %rsi, %rdi
	call *%rax
	int $USER_RETURN_VECTOR		/* result travels in RAX */
	ud2

	.section .note.GNU-stack, "", @progbits
