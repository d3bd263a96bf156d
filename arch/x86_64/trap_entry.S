/* SPDX-License-Identifier: MIT */
/*
 * Host exception entry. An exception in the hypervisor itself is a bug,
 * so host_exception() panics, unless the faulting instruction is listed in
 * .extable as allowed to fault (rdmsr_safe()); then it returns and we
 * resume at the fixup. Vectors 8, 10-14, 17, 21, 29, 30 push an error code
 * (SDM Vol. 3A 6.13); the others get a zero so the frame has one shape.
 */
	.text
.macro STUB vec, has_err
stub_\vec:
	.if \has_err == 0
	pushq $0
	.endif
	pushq $\vec
	jmp exception_common
.endm

STUB 0,0; STUB 1,0; STUB 2,0; STUB 3,0; STUB 4,0; STUB 5,0; STUB 6,0; STUB 7,0
STUB 8,1; STUB 9,0; STUB 10,1; STUB 11,1; STUB 12,1; STUB 13,1; STUB 14,1
STUB 15,0; STUB 16,0; STUB 17,1; STUB 18,0; STUB 19,0; STUB 20,0; STUB 21,1
STUB 22,0; STUB 23,0; STUB 24,0; STUB 25,0; STUB 26,0; STUB 27,0; STUB 28,0
STUB 29,1; STUB 30,1; STUB 31,0

/*
 * Vectors 32-255: no device of the host's is meant to interrupt braid
 * except its own APIC timer (which has its own entry), but a stray one
 * must not find a not-present gate (a #NP, then a #DF). Each stub is 16
 * bytes, so desc.c finds vector v's at irq_stubs + (v - 32) * 16.
 */
	.balign 16
	.global irq_stubs
irq_stubs:
	.set vec, 32
	.rept 224
	.balign 16
	pushq $0
	pushq $vec
	jmp exception_common
	.set vec, vec + 1
	.endr

exception_common:
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
	movq %rsp, %rdi
	movq %rsp, %rbx /* callee-saved: the frame, across the call */
	andq $-16, %rsp
	call host_exception
	/* host_exception returns after a fixup changed the saved RIP, an NMI,
	 * a recoverable machine check or a stray interrupt. */
	movq %rbx, %rsp
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
	addq $16, %rsp /* vector, error code */
	iretq

	.section .rodata
	.global exception_stubs
	.balign 8
exception_stubs:
	.irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	.quad stub_\v
	.endr

/*
 * Host interrupts (arch/x86_64/apic.c). braid runs with interrupts off and
 * opens a window only after a VM exit and while a guest halts, and masks
 * the 8259s, so the only ones are its own timer, whose handler just sends EOI, and the APIC's spurious vector,
 * which needs no EOI (SDM Vol. 3A 11.9). The C call clobbers only the
 * caller-saved registers, so those are kept.
 */
	.global host_timer_entry
host_timer_entry:
	pushq %rax
	pushq %rcx
	pushq %rdx
	pushq %rsi
	pushq %rdi
	pushq %r8
	pushq %r9
	pushq %r10
	pushq %r11
	pushq %rbp
	movq %rsp, %rbp
	andq $-16, %rsp
	call host_timer_eoi
	movq %rbp, %rsp
	popq %rbp
	popq %r11
	popq %r10
	popq %r9
	popq %r8
	popq %rdi
	popq %rsi
	popq %rdx
	popq %rcx
	popq %rax
	iretq

	.global host_spurious_entry
host_spurious_entry:
	iretq
