/* SPDX-License-Identifier: MIT */
/*
 * void svm_enter(phys_t guest_vmcb, struct guest_regs *regs, phys_t host_vmcb)
 *
 * Run the guest until its next #VMEXIT. VMRUN saves and restores only part
 * of the host state (APM 15.5.1); FS, GS, TR, LDTR and the syscall MSRs are
 * swapped with VMSAVE/VMLOAD so the guest cannot leave its own values in
 * the hypervisor (GS.base is this_cpu()). RAX is carried in the VMCB.
 * GIF is cleared around the switch (APM 15.17) and set again afterwards.
 */
#define R(n) (8 * (n))(%rsi)

	.text
	.global svm_enter
svm_enter:
	pushq %rbp
	pushq %rbx
	pushq %r12
	pushq %r13
	pushq %r14
	pushq %r15
	pushq %rsi
	pushq %rdx
	pushq %rdi

	clgi
	/* With V_INTR_MASKING the host's IF decides whether a physical
	 * interrupt exits the guest (APM 15.21.1); GIF = 0 holds it off
	 * here in the host. */
	sti
	movq %rdx, %rax
	vmsave %rax /* the host's hidden state, into the host VMCB */
	movq (%rsp), %rax
	vmload %rax
	rdtsc /* entry_tsc: braid's path ends here */
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, R(17)
	movq (%rsp), %rax /* the guest VMCB again, for VMRUN */

	movq R(1), %rcx
	movq R(2), %rdx
	movq R(3), %rbx
	movq R(5), %rbp
	movq R(7), %rdi
	movq R(8), %r8
	movq R(9), %r9
	movq R(10), %r10
	movq R(11), %r11
	movq R(12), %r12
	movq R(13), %r13
	movq R(14), %r14
	movq R(15), %r15
	movq R(6), %rsi
	vmrun %rax

	/* RAX holds the guest VMCB address again. */
	vmsave %rax
	pushq %rsi
	movq 24(%rsp), %rsi /* regs: above guest RSI, guest VMCB, host VMCB */
	movq %rcx, R(1)
	movq %rdx, R(2)
	movq %rbx, R(3)
	movq %rbp, R(5)
	movq %rdi, R(7)
	movq %r8, R(8)
	movq %r9, R(9)
	movq %r10, R(10)
	movq %r11, R(11)
	movq %r12, R(12)
	movq %r13, R(13)
	movq %r14, R(14)
	movq %r15, R(15)
	popq %rax
	movq %rax, R(6)
	rdtsc /* exit_tsc: braid's path starts here */
	shlq $32, %rdx
	orq %rdx, %rax
	movq %rax, R(16)
	popq %rax /* guest VMCB */
	popq %rax /* host VMCB */
	vmload %rax
	cli /* a pending host interrupt waits for host_irq_window() */
	stgi
	popq %rsi
	popq %r15
	popq %r14
	popq %r13
	popq %r12
	popq %rbx
	popq %rbp
	ret
