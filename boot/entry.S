/* SPDX-License-Identifier: MIT */
/*
 * 32-bit entry from a multiboot loader, and the switch to long mode.
 *
 * On entry (both multiboot specs): protected mode, paging off, interrupts
 * off, EAX = loader magic, EBX = physical address of the boot information.
 * Nothing else is guaranteed: no stack, no usable GDT, and under UEFI GRUB
 * CR0.WP, CR4 and EFER hold firmware values. So every control register we
 * depend on is written explicitly.
 *
 * Steps (SDM Vol. 3A 10.8.5, "Initializing IA-32e Mode"):
 *   1. stack, check CPUID for long mode
 *   2. identity-map the first 4 GiB with 2 MiB pages
 *   3. CR4.PAE, CR3, EFER.LME (+NXE), CR0.PG
 *   4. far jump into a 64-bit code segment, call kmain(magic, info)
 */
#define CR0_PE (1 << 0)
#define CR0_MP (1 << 1)
#define CR0_ET (1 << 4)
#define CR0_NE (1 << 5)
#define CR0_WP (1 << 16)
#define CR0_PG (1 << 31)
#define CR4_PAE (1 << 5)
#define MSR_EFER 0xc0000080
#define EFER_LME (1 << 8)
#define EFER_NXE (1 << 11)
#define COM1 0x3f8

	.code32
	.section .text.boot, "ax"
	.global _start
_start:
	cli
	cld
	movl $boot_stack_top, %esp
	movl %eax, %edi /* survives into 64-bit code as kmain's arg 1 */
	movl %ebx, %esi /* arg 2 */

	/* Long mode available? CPUID.80000001H:EDX[29] (SDM Vol. 2A). */
	movl $0x80000000, %eax
	cpuid
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	btl $29, %edx
	jnc no_long_mode
	movl %edx, %ebp /* keep NX (bit 20) for the EFER write */

	/* PML4[0] -> PDPT; PDPT[0..3] -> PD0..PD3; each PD maps 1 GiB. */
	movl $boot_pdpt, %eax
	orl $3, %eax
	movl %eax, boot_pml4
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $boot_pd, %eax
	orl $3, %eax
	movl %eax, boot_pdpt(, %ecx, 8)
	incl %ecx
	cmpl $4, %ecx
	jne 1b
	/* 2048 PDEs: entry i maps i * 2 MiB, present|writable|PS. */
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $0x83, %eax
	movl %eax, boot_pd(, %ecx, 8)
	movl $0, boot_pd + 4(, %ecx, 8)
	incl %ecx
	cmpl $2048, %ecx
	jne 2b

	movl $CR4_PAE, %eax
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	movl $MSR_EFER, %ecx
	movl $EFER_LME, %eax
	btl $20, %ebp
	jnc 3f
	orl $EFER_NXE, %eax
3:	xorl %edx, %edx
	wrmsr
	movl $(CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG), %eax
	movl %eax, %cr0

	lgdt boot_gdt_ptr
	ljmp $0x08, $long_mode

no_long_mode:
	movl $msg_no_lm, %ebx
4:	movb (%ebx), %al
	testb %al, %al
	jz 6f
	movw $COM1 + 5, %dx
5:	inb %dx, %al
	testb $0x20, %al
	jz 5b
	movb (%ebx), %al
	movw $COM1, %dx
	outb %al, %dx
	incl %ebx
	jmp 4b
6:	cli
	hlt
	jmp 6b

	.code64
long_mode:
	movw $0x10, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorw %ax, %ax
	movw %ax, %fs
	movw %ax, %gs
	movabsq $boot_stack_top, %rsp
	/* EDI = magic, ESI = info: already kmain's first two arguments. */
	call kmain
7:	cli
	hlt
	jmp 7b

	.section .rodata
msg_no_lm:
	.asciz "braid: this CPU has no long mode (CPUID.80000001H:EDX[29]); halting\r\n"

	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00209a0000000000 /* 0x08: 64-bit code, present, DPL 0 */
	.quad 0x0000920000000000 /* 0x10: data, present, writable */
boot_gdt_end:
boot_gdt_ptr:
	.short boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.balign 4096
	.global boot_pml4
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4096 * 4
	.global boot_stack_top
boot_stack:
	.skip 16384
boot_stack_top:
