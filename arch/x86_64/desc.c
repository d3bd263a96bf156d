// SPDX-License-Identifier: MIT
/*
 * Descriptor tables: a GDT and TSS per CPU, and one IDT shared by all (it
 * holds the exception handlers and braid's own timer interrupt; braid
 * runs with interrupts disabled except in host_irq_window() after a VM
 * exit and host_wait_for_irq() while a guest halts).
 * A real TSS with a non-zero TR is also a VMX requirement for host state
 * (SDM Vol. 3C 27.2.3: "the selector field for TR cannot be 0000H").
 */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "arch/x86_64/percpu.h"
#include "lib/string.h"

struct percpu percpu[MAX_CPUS];

struct idt_gate {
	u16 offset0;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset1;
	u32 offset2;
	u32 reserved;
} __attribute__((packed));

struct dtr {
	u16 limit;
	u64 base;
} __attribute__((packed));

static struct idt_gate idt[256];
extern const u64 exception_stubs[32]; /* arch/x86_64/trap_entry.S */
extern const u8 irq_stubs[];	      /* vectors 32-255, 16 bytes each */

#define GDT_CODE64	   0x00209a0000000000ull /* P, DPL0, code, L */
#define GDT_DATA	   0x0000920000000000ull /* P, DPL0, data, writable */
#define IDT_INTERRUPT_GATE 0x8e /* P, DPL0, 64-bit interrupt gate */
#define TSS_AVAILABLE	   0x89

static void set_tss_descriptor(u64 *slot, const struct tss *tss)
{
	u64 base = (u64)(uintptr_t)tss, limit = sizeof(*tss) - 1;

	slot[0] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
		  ((u64)TSS_AVAILABLE << 40) | (((limit >> 16) & 0xf) << 48) |
		  (((base >> 24) & 0xff) << 56);
	slot[1] = base >> 32;
}

static void set_gate(unsigned v, u64 a, u8 ist)
{
	idt[v] = (struct idt_gate){
		.offset0 = a & 0xffff,
		.selector = SEL_CODE64,
		.ist = ist,
		.type_attr = IDT_INTERRUPT_GATE,
		.offset1 = (a >> 16) & 0xffff,
		.offset2 = a >> 32,
	};
}

/* Exceptions, the two interrupts braid's own APIC raises (apic.c), and a
 * counting handler for every other vector (trap.c). */
static void idt_init(void)
{
	for (unsigned v = 32; v < 256; v++)
		set_gate(v, (u64)(uintptr_t)(irq_stubs + (v - 32) * 16), 0);
	for (unsigned v = 0; v < 32; v++)
		/* #DF and #MC run on a known-good stack (IST1), an NMI on
		 * its own (IST2): it may strike anywhere, even inside the
		 * #MC handler. */
		set_gate(v, exception_stubs[v],
			 v == VEC_DF || v == VEC_MC ? 1
			 : v == VEC_NMI		    ? 2
						    : 0);
	set_gate(HOST_TIMER_VECTOR, (u64)(uintptr_t)host_timer_entry, 0);
	set_gate(HOST_SPURIOUS_VECTOR, (u64)(uintptr_t)host_spurious_entry, 0);
}

void cpu_init_tables(unsigned id)
{
	struct percpu *c = &percpu[id];
	struct dtr gdtr = { sizeof(c->gdt) - 1, (u64)(uintptr_t)c->gdt };
	struct dtr idtr = { sizeof(idt) - 1, (u64)(uintptr_t)idt };

	c->self = c;
	c->id = id;
	c->preempt_at = ~0ull; /* no slice: hv/sched.c sets one */
	c->gdt[0] = 0;
	c->gdt[1] = GDT_CODE64;
	c->gdt[2] = GDT_DATA;
	memset(&c->tss, 0, sizeof(c->tss));
	c->tss.ist[0] =
		(u64)(uintptr_t)(c->fault_stack + sizeof(c->fault_stack));
	c->tss.ist[1] = (u64)(uintptr_t)(c->nmi_stack + sizeof(c->nmi_stack));
	c->tss.iomap_base = sizeof(c->tss); /* no I/O bitmap */
	set_tss_descriptor(&c->gdt[3], &c->tss);
	if (id == 0)
		idt_init();

	asm volatile("lgdt %0" ::"m"(gdtr));
	asm volatile("pushq %0\n\t"
		     "leaq 1f(%%rip), %%rax\n\t"
		     "pushq %%rax\n\t"
		     "lretq\n"
		     "1:\n\t"
		     "mov %1, %%ds\n\t"
		     "mov %1, %%es\n\t"
		     "mov %1, %%ss" ::"i"(SEL_CODE64),
		     "r"((u16)SEL_DATA)
		     : "rax", "memory");
	asm volatile("ltr %0" ::"r"((u16)SEL_TSS));
	asm volatile("lidt %0" ::"m"(idtr));
	wrmsr(MSR_IA32_GS_BASE, (u64)(uintptr_t)c);
}
