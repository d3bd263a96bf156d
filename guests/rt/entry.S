/* SPDX-License-Identifier: MIT */
/*
 * Guest entry: multiboot v1 header, 32-bit protected-mode start, switch to
 * 64-bit long mode, call rt_start(magic, mbi).
 *
 * Multiboot hands over in 32-bit protected mode with paging off,
 * EAX = 0x2badb002 and EBX = the info block; GDTR, IDTR and the stack are
 * undefined (Multiboot Spec 3.2), so everything is set up here.
 *
 * Long-mode activation follows SDM Vol. 3A 10.8.5: CR4.PAE, CR3, EFER.LME,
 * then CR0.PG, then a far jump into a 64-bit code segment.
 */
#include "segments.h"

#define CR0_BOOT	0x80010031	/* PG | WP | NE | ET | PE */
#define CR4_PAE		0x20
#define MSR_EFER	0xc0000080
#define EFER_LME	0x100
#define EFER_NXE	0x800
#define PDE_2M_URW	0x87		/* P | RW | US | PS */
#define PTE_TABLE_URW	0x07		/* P | RW | US */
#define COM1		0x3f8

	.section .multiboot, "a"
	.balign 4
mb_header:
	.long MB_HEADER_MAGIC
	.long 0				/* flags: load by ELF headers */
	.long -MB_HEADER_MAGIC		/* checksum: magic + flags + sum = 0 */

	.section .data
	.balign 8
	.globl mb_magic, mb_info
mb_magic:	.long 0
mb_info:	.long 0

	/*
	 * CPUID instructions executed by the guest, starting with the ones
	 * below; cpuid() in cpu.c keeps counting. Lives in .data, not .bss,
	 * because the boot code runs before .bss is cleared.
	 */
	.balign 8
	.globl cpuid_count
cpuid_count:	.quad 0

	.balign 16
	.globl gdt
gdt:
	.quad 0				/* null */
	.quad 0x00af9a000000ffff	/* 0x08 kernel code, L=1 */
	.quad 0x00cf92000000ffff	/* 0x10 kernel data */
	.quad 0x00cf9a000000ffff	/* 0x18 kernel code, 32-bit */
	.quad 0x00cff2000000ffff	/* 0x20 user data, DPL 3 */
	.quad 0x00affa000000ffff	/* 0x28 user code, L=1, DPL 3 */
	.quad 0, 0			/* 0x30 TSS, filled by cpu.c */
gdt_end:
	.globl gdt_ptr
gdt_ptr:
	.word gdt_end - gdt - 1
	.quad gdt

	.section .text.boot, "ax"
	.code32
	.globl _start
_start:
	cli
	cld
	movl %eax, mb_magic
	movl %ebx, mb_info
	lgdt gdt_ptr			/* 32-bit form uses the low 4 base bytes */
	ljmp $SEL_KCODE32, $1f
1:	movw $SEL_KDATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl $boot_stack_top, %esp

	/* The loader should have zeroed .bss, but nothing promises it. */
	movl $_bss_start, %edi
	movl $_bss_end, %ecx
	subl %edi, %ecx
	xorl %eax, %eax
	rep stosb

	call check_long_mode
	call build_boot_tables

	movl $CR4_PAE, %eax		/* also clears SMEP, SMAP, PGE, ... */
	movl %eax, %cr4
	movl $boot_pml4, %eax
	movl %eax, %cr3
	call enable_efer
	movl $CR0_BOOT, %eax
	movl %eax, %cr0
	ljmp $SEL_KCODE, $long_entry

/* Stop with a message if the CPU cannot run 64-bit code. */
check_long_mode:
	movl $0x80000000, %eax
	cpuid
	incl cpuid_count
	cmpl $0x80000001, %eax
	jb no_long_mode
	movl $0x80000001, %eax
	cpuid
	incl cpuid_count
	btl $29, %edx			/* CPUID.80000001H:EDX.LM */
	jnc no_long_mode
	ret

/*
 * EFER.LME, plus EFER.NXE only where CPUID.80000001H:EDX[20] says NX
 * exists: setting it otherwise raises #GP (SDM Vol. 3A 2.2.1).
 */
enable_efer:
	movl $0x80000001, %eax
	cpuid
	incl cpuid_count
	movl $EFER_LME, %esi
	btl $20, %edx
	jnc 1f
	orl $EFER_NXE, %esi
1:	movl $MSR_EFER, %ecx
	rdmsr
	orl %esi, %eax
	wrmsr
	ret

/*
 * Identity-map the first 1 GiB with 2 MiB pages. U/S is set at every level
 * so that any runtime code and stack can also run at CPL 3; SMEP and SMAP
 * stay off, so the kernel is unaffected.
 */
build_boot_tables:
	movl $boot_pdpt + PTE_TABLE_URW, boot_pml4
	movl $boot_pd + PTE_TABLE_URW, boot_pdpt
	movl $boot_pd, %edi
	movl $PDE_2M_URW, %eax
	movl $512, %ecx
1:	movl %eax, (%edi)
	movl $0, 4(%edi)
	addl $0x200000, %eax
	addl $8, %edi
	loop 1b
	ret

no_long_mode:
	movl $no_lm_msg, %esi
1:	lodsb
	testb %al, %al
	jz 3f
	movb %al, %bl
	movw $COM1 + 5, %dx
2:	inb %dx, %al			/* wait for LSR.THRE */
	testb $0x20, %al
	jz 2b
	movb %bl, %al
	movw $COM1, %dx
	outb %al, %dx
	jmp 1b
3:	cli
	hlt
	jmp 3b

	.code64
long_entry:
	movw $SEL_KDATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	xorl %eax, %eax
	movw %ax, %fs
	movw %ax, %gs
	movq $boot_stack_top, %rsp
	xorl %ebp, %ebp
	movl mb_magic, %edi
	movl mb_info, %esi
	call rt_start
1:	cli
	hlt
	jmp 1b

/*
 * Where the AP trampoline (trampoline.S) lands in 32-bit protected mode:
 * the same steps to long mode as the BSP (SDM Vol. 3A 10.8.5), on the
 * stack and page tables smp.c left in ap_boot_stack and ap_boot_cr3
 * (both below 4 GiB). APs start one at a time, so one set is enough.
 */
	.section .text.boot, "ax"
	.code32
	.globl ap_start32
ap_start32:
	movw $SEL_KDATA, %ax
	movw %ax, %ds
	movw %ax, %es
	movw %ax, %ss
	movw %ax, %fs
	movw %ax, %gs
	movl ap_boot_stack, %esp
	movl $CR4_PAE, %eax
	movl %eax, %cr4
	movl ap_boot_cr3, %eax
	movl %eax, %cr3
	call enable_efer
	movl $CR0_BOOT, %eax
	movl %eax, %cr0
	ljmp $SEL_KCODE, $ap_long_entry

	.code64
ap_long_entry:
	/* The upper halves of the registers are undefined after the
	 * switch from compatibility mode (SDM Vol. 1 3.4.1.1). */
	movq ap_boot_stack, %rsp
	xorl %ebp, %ebp
	call ap_main
1:	cli
	hlt
	jmp 1b

	.section .rodata
no_lm_msg:
	.asciz "guest: CPU has no long mode, stopping\r\n"

	.section .bss
	.balign 4096
	.globl boot_pml4
boot_pml4:	.skip 4096
boot_pdpt:	.skip 4096
boot_pd:	.skip 4096
	.balign 16
boot_stack:	.skip 16384
	.globl boot_stack_top
boot_stack_top:

	.section .note.GNU-stack, "", @progbits
