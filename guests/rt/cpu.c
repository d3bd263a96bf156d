// SPDX-License-Identifier: MIT
/* CPUID access, feature probes, and the TSS the ring-3 path needs. */
#include "cpu.h"
#include "segments.h"
#include "x86.h"

/* 64-bit TSS, SDM Vol. 3A 8.7 (Figure 8-11). */
struct tss {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
} __packed;
_Static_assert(sizeof(struct tss) == 104, "64-bit TSS is 104 bytes");

extern u64 gdt[GDT_ENTRIES];

static struct tss tss;
static u8 kernel_trap_stack[8192] __aligned(16);  /* TSS.RSP0 */
static u8 double_fault_stack[4096] __aligned(16); /* TSS.IST1 */

struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	cpuid_count++;
	return r;
}

static u32 max_ext_leaf(void)
{
	return cpuid(0x80000000, 0).eax;
}

bool cpu_has_nx(void)
{
	return max_ext_leaf() >= 0x80000001 &&
	       (cpuid(0x80000001, 0).edx & BIT(20));
}

bool cpu_has_1g_pages(void)
{
	return max_ext_leaf() >= 0x80000001 &&
	       (cpuid(0x80000001, 0).edx & BIT(26));
}

/* SDM Vol. 3A 4.1.4: without leaf 80000008H, MAXPHYADDR is 36. */
unsigned int cpu_maxphyaddr(void)
{
	if (max_ext_leaf() < 0x80000008)
		return 36;
	return cpuid(0x80000008, 0).eax & 0xff;
}

void cpu_vendor(char out[13])
{
	struct cpuid_regs r = cpuid(0, 0);

	memcpy(out, &r.ebx, 4);
	memcpy(out + 4, &r.edx, 4);
	memcpy(out + 8, &r.ecx, 4);
	out[12] = '\0';
}

void set_efer_nxe(bool on)
{
	u64 efer = rdmsr(MSR_EFER);

	wrmsr(MSR_EFER, on ? efer | EFER_NXE : efer & ~EFER_NXE);
	/* NX is cached in TLB entries; start from a clean TLB. */
	write_cr3(read_cr3());
}

void set_cr0_wp(bool on)
{
	u64 cr0 = read_cr0();

	write_cr0(on ? cr0 | CR0_WP : cr0 & ~CR0_WP);
}

/* Available 64-bit TSS descriptor, SDM Vol. 3A 8.2.3 (Figure 8-4). */
static void set_tss_descriptor(u64 base, u32 limit)
{
	gdt[SEL_TSS / 8] = (limit & 0xffff) | ((base & 0xffffff) << 16) |
			   (0x89UL << 40) | ((u64)(limit >> 16) << 48) |
			   ((base >> 24 & 0xff) << 56);
	gdt[SEL_TSS / 8 + 1] = base >> 32;
}

/*
 * Exceptions from ring 3 switch to TSS.RSP0 (SDM Vol. 3A 6.14.4). A double
 * fault gets its own stack through IST1 so a blown stack still reports.
 * iomap_base past the limit means no I/O bitmap: ring 3 may not do I/O.
 */
void tss_init(void)
{
	tss.rsp[0] = (u64)kernel_trap_stack + sizeof(kernel_trap_stack);
	tss.ist[0] = (u64)double_fault_stack + sizeof(double_fault_stack);
	tss.iomap_base = sizeof(tss);
	set_tss_descriptor((u64)&tss, sizeof(tss) - 1);
	asm volatile("ltr %w0" : : "r"(SEL_TSS));
}

u8 pic_handover_masks[2];

/*
 * Firmware hands over with the 8259s on vectors 0x08 and 0x70 and the
 * BIOS tick (IRQ 0) unmasked: with IF=1 it would arrive as vector 8,
 * where the #DF handler is. Mask both chips, as a kernel does first; what
 * firmware left is kept for the guests that look.
 */
void pic_mask_all(void)
{
	pic_handover_masks[0] = inb(0x21);
	pic_handover_masks[1] = inb(0xa1);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}
