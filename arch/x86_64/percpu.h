/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU hypervisor state. Each physical CPU owns one struct percpu: its
 * descriptor tables, its stack, its VMX/SVM host areas and the vCPU it is
 * running. Nothing in here is shared between CPUs but @apic_id and
 * @online, which the boot CPU writes once as it starts the CPU
 * (arch/x86_64/smp.c); GS.base points at the running CPU's own block, so
 * this_cpu() needs no lookup and no lock.
 */
#ifndef ARCH_PERCPU_H
#define ARCH_PERCPU_H

#include "lib/deferred.h"
#include "lib/types.h"

#define MAX_CPUS       64
#define CPU_STACK_SIZE 16384

#define SEL_CODE64 0x08
#define SEL_DATA   0x10
#define SEL_TSS	   0x18

/* 64-bit TSS (SDM Vol. 3A 8.7). */
struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __attribute__((packed));

struct vcpu;

struct percpu {
	struct percpu *self; /* at offset 0: this_cpu() reads %gs:0 */
	unsigned id;
	u32 deferred_work; /* lib/deferred.h: work for the exit loop */
	u32 apic_id;	   /* its local APIC's ID (arch/x86_64/smp.c) */
	bool online;	   /* in VMX/SVM operation, ready for work; set by the
		      * boot CPU once it has checked in, read atomically */
	void *stack; /* CPU_STACK_SIZE bytes; CPU 0 runs on boot/entry.S's */
	u64 gdt[5];  /* null, code64, data, TSS (two slots) */
	struct tss tss;
	struct vcpu *vcpu;   /* the guest vCPU this CPU runs, if any */
	phys_t vmxon_region; /* VMX: this CPU's VMXON region */
	phys_t host_save;    /* SVM: this CPU's VM_HSAVE_PA area */
	u64 timer_deadline;  /* TSC the host APIC timer is set for; ~0: off */
	u64 preempt_at;	     /* TSC the running vCPU's slice ends; ~0: none */
	void *msr_owner;     /* VMX: whose SYSCALL/SWAPGS MSRs the CPU holds */
	void *cr2_owner;     /* VMX: whose CR2 the CPU holds */
	void *state_owner;   /* whose x87/SSE and DR0-3/DR6 the CPU holds */
	phys_t vmcs;	     /* VMX: the current VMCS (VMPTRLD), 0 if none */
	unsigned long long nmis; /* host NMIs taken (arch/x86_64/nmi.c) */
	unsigned long long nmis_logged; /* of those, reported */
	u8 nmi_reasons;			/* NMI_SC bits seen since the report */
	unsigned long long spurious;	/* stray interrupts (trap.c) */
	u8 fault_stack[4096] __attribute__((aligned(16))); /* IST1: #DF, #MC */
	u8 nmi_stack[4096] __attribute__((aligned(16)));   /* IST2: NMI */
};

_Static_assert(__builtin_offsetof(struct percpu, deferred_work) ==
		       DEFERRED_WORK_OFFSET,
	       "lib/deferred.h reads the word at a fixed %gs offset");

extern struct percpu percpu[MAX_CPUS];

static inline struct percpu *this_cpu(void)
{
	struct percpu *p;

	asm volatile("mov %%gs:0, %0" : "=r"(p));
	return p;
}

/* Load this CPU's GDT, TSS, IDT and GS.base. */
void cpu_init_tables(unsigned id);

#endif
