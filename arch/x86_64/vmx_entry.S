/* SPDX-License-Identifier: MIT */
/*
 * int vmx_enter(struct guest_regs *regs, int launched)
 *
 * Enter the guest whose VMCS is current, and come back here on its next
 * VM exit. The VMCS restores only RSP and RIP of the host (SDM Vol. 3C
 * 28.5), so callee-saved registers go on the stack, and HOST_RSP is the
 * stack pointer at the moment of entry, where the regs pointer sits. That
 * is the same on every entry from the same caller: HOST_RSP is written
 * only when it differs from regs->host_rsp, and HOST_RIP (vmx_exit_point)
 * once, when the VMCS is set up.
 * Returns 0 after a VM exit, 1 if VMLAUNCH/VMRESUME itself failed.
 */
#define HOST_RSP 0x6c14
#define R(n) (8 * (n))(%rdi)

	.text
	.global vmx_enter
	.global vmx_exit_point
vmx_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rdi
	cmpq %rsp, R(18)
	je 4f
	movq $HOST_RSP, %rax
	vmwrite %rsp, %rax
	movq %rsp, R(18)
4:
	rdtsc /* entry_tsc: braid's path ends here */
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, R(17)
	testl %esi, %esi /* the MOVs below leave ZF alone */
	movq R(0), %rax
	movq R(1), %rcx
	movq R(2), %rdx
	movq R(3), %rbx
	movq R(5), %rbp
	movq R(6), %rsi
	movq R(8), %r8
	movq R(9), %r9
	movq R(10), %r10
	movq R(11), %r11
	movq R(12), %r12
	movq R(13), %r13
	movq R(14), %r14
	movq R(15), %r15
	movq R(7), %rdi
	jnz 1f
	vmlaunch
	jmp 2f
1:	vmresume
2:	/* Entry failed (CF or ZF set); the guest never ran. */
	popq %rdi
	movl $1, %eax
	jmp 3f

vmx_exit_point:
	pushq %rdi
	movq 8(%rsp), %rdi
	movq %rax, R(0)
	movq %rcx, R(1)
	movq %rdx, R(2)
	movq %rbx, R(3)
	movq %rbp, R(5)
	movq %rsi, R(6)
	movq %r8, R(8)
	movq %r9, R(9)
	movq %r10, R(10)
	movq %r11, R(11)
	movq %r12, R(12)
	movq %r13, R(13)
	movq %r14, R(14)
	movq %r15, R(15)
	popq %rax
	movq %rax, R(7)
	rdtsc /* exit_tsc: braid's path starts here */
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, R(16)
	popq %rdi
	xorl %eax, %eax
3:	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
