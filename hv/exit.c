// SPDX-License-Identifier: MIT
/*
 * The exit dispatcher: count the exit, then hand it to its handler. A
 * guest that does something braid does not allow is stopped here with a
 * report; only a broken invariant of braid itself panics.
 */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "hv/exit.h"
#include "hv/log.h"
#include "hv/mmio.h"
#include "hv/mmu.h"
#include "hv/sysinsn.h"
#include "hv/vplat.h"

#define CR4_VMXE_BIT BIT(13)

static enum braid_exit_reason count_as(enum vmexit_kind k)
{
	switch (k) {
	case VMEXIT_CPUID: return EXIT_CPUID;
	case VMEXIT_IO: return EXIT_IO;
	case VMEXIT_HLT: return EXIT_HLT;
	case VMEXIT_RDMSR:
	case VMEXIT_WRMSR: return EXIT_MSR;
	case VMEXIT_HYPERCALL: return EXIT_HYPERCALL;
	case VMEXIT_NPF: return EXIT_NPF;
	case VMEXIT_EXCEPTION: return EXIT_EXCEPTION;
	case VMEXIT_CR_ACCESS: return EXIT_CR;
	case VMEXIT_INVLPG: return EXIT_INVLPG;
	case VMEXIT_INTR: return EXIT_INTR;
	case VMEXIT_IRQ_WINDOW: return EXIT_IRQ_WINDOW;
	case VMEXIT_TRIPLE_FAULT: return EXIT_TRIPLE_FAULT;
	case VMEXIT_VIRT_INSN: return EXIT_VIRT_INSN;
	default: return EXIT_OTHER;
	}
}

/* MOV to CR0/CR4 that touched a bit braid owns (VMX only: CR0.NE, CR4's
 * VMX-fixed bits). The guest gets the value it wrote as its view. */
void handle_cr_write(struct guest *g, const struct vmexit *e)
{
	struct vcpu *v = &g->vcpu;
	u64 val = e->cr.gpr == RSP ? vendor->get(v, VREG_RSP)
				   : v->regs.gpr[e->cr.gpr];

	if (e->cr.type != CR_MOV_TO) {
		guest_stop(g, "unexpected CR%u access (type %u)", e->cr.cr,
			   e->cr.type);
		return;
	}
	if (e->cr.cr == 0) {
		vendor->set(v, VREG_CR0, val);
	} else if (e->cr.cr == 4 && !(val & CR4_VMXE_BIT)) {
		vendor->set(v, VREG_CR4, val);
	} else if (e->cr.cr == 4) {
		/* The guest was told there is no VMX (CPUID), so CR4.VMXE is
		 * reserved to it (SDM Vol. 3A 2.5). */
		vendor->inject_exception(v, VEC_GP, true, 0);
		return;
	} else {
		guest_stop(g, "unexpected write to CR%u", e->cr.cr);
		return;
	}
	vcpu_skip_insn(v, e->insn_len);
}

/* MOV to/from CR8, the task-priority register's bits 7:4 in 64-bit mode
 * (SDM Vol. 3A 11.8.6.1): the guest's own local APIC's TPR. Both vendors
 * exit on both directions (VMX CR8-load/store exiting, SVM CR8 read and
 * write intercepts). */
static void handle_cr8(struct guest *g, const struct vmexit *exit)
{
	struct vcpu *v = &g->vcpu;
	struct vlapic *a = &g->plat.lapic;
	struct vmexit copy = *exit, *e = &copy;
	u64 val;

	if (!e->cr.decoded && sysinsn_decode(g, e))
		return; /* SVM without decode assists: braid decodes it */
	if (e->cr.type == CR_MOV_FROM) {
		val = vlapic_read(a, VLAPIC_TPR, rdtsc()) >> 4;
		if (e->cr.gpr == RSP)
			vendor->set(v, VREG_RSP, val);
		else
			v->regs.gpr[e->cr.gpr] = val;
	} else {
		val = e->cr.gpr == RSP ? vendor->get(v, VREG_RSP)
				       : v->regs.gpr[e->cr.gpr];
		if (val >> 4) { /* reserved bits 63:4 (SDM Vol. 2B, MOV CR) */
			vendor->inject_exception(v, VEC_GP, true, 0);
			return;
		}
		vlapic_write(a, VLAPIC_TPR, (u32)val << 4, rdtsc());
	}
	vcpu_skip_insn(v, e->insn_len);
}

static void handle_npf(struct guest *g, const struct vmexit *e)
{
	if (mmu_npf(g, e))
		return;
	if (!e->npf.walk && mmio_is_device(g, e->npf.gpa)) {
		mmio_emulate(g, e->npf.gpa);
		return;
	}
	/* Under nested paging all of a guest's RAM is mapped RWX, so a
	 * nested fault is always an access outside it. */
	if (e->npf.walk) {
		guest_stop(g,
			   "its page tables point at guest-physical 0x%llx, "
			   "where it has no memory",
			   (unsigned long long)e->npf.gpa);
		return;
	}
	guest_stop(g, "%s of guest-physical 0x%llx, where it has no memory",
		   e->npf.exec	  ? "instruction fetch"
		   : e->npf.write ? "write"
				  : "read",
		   (unsigned long long)e->npf.gpa);
}

/* HLT waits for the next interrupt; with RFLAGS.IF = 0 none can come
 * (only NMI or SMI, which braid never sends), so the guest is dead. */
static void handle_hlt(struct guest *g, const struct vmexit *e)
{
	struct vcpu *v = &g->vcpu;

	if (!(vendor->get(v, VREG_RFLAGS) & RFLAGS_IF)) {
		guest_stop(g,
			   "HLT with interrupts disabled: nothing can wake it");
		return;
	}
	vcpu_skip_insn(v, e->insn_len);
	vplat_halt(g);
}

void handle_exit(struct guest *g, const struct vmexit *e)
{
	enum braid_exit_reason r = count_as(e->kind);

	if (e->kind == VMEXIT_EXCEPTION && e->exc.vector == VEC_PF)
		r = EXIT_PF;
	g->stats.exits[r]++;
	g->stats.exits_total++;
	switch (e->kind) {
	case VMEXIT_CPUID: handle_cpuid(g, e); break;
	case VMEXIT_IO: handle_io(g, e); break;
	case VMEXIT_RDMSR:
	case VMEXIT_WRMSR: handle_msr(g, e); break;
	case VMEXIT_HYPERCALL: handle_hypercall(g, e); break;
	case VMEXIT_CR_ACCESS:
		if (e->cr.cr == 8)
			handle_cr8(g, e);
		else if (g->cfg.paging == PAGING_NESTED)
			handle_cr_write(g, e);
		else
			mmu_cr_access(g, e);
		break;
	case VMEXIT_INVLPG: mmu_invlpg(g, e); break;
	case VMEXIT_NPF: handle_npf(g, e); break;
	case VMEXIT_INTR: host_irq_window(); break; /* braid's timer */
	case VMEXIT_IRQ_WINDOW: break; /* vplat_before_entry() injects */
	case VMEXIT_HLT: handle_hlt(g, e); break;
	case VMEXIT_TRIPLE_FAULT: guest_stop(g, "triple fault"); break;
	case VMEXIT_VIRT_INSN:
		guest_stop(
			g,
			"executed %s: guests may not use VMX/SVM instructions",
			e->insn);
		break;
	case VMEXIT_EXCEPTION:
		if (e->exc.vector == VEC_PF && g->cfg.paging != PAGING_NESTED) {
			mmu_page_fault(g, e->exc.cr2, e->exc.error);
			break;
		}
		guest_stop(g, "unexpected exception %u (error 0x%x)",
			   e->exc.vector, e->exc.error);
		break;
	case VMEXIT_ENTRY_FAILED:
		guest_stop(g, "the CPU refused to enter it (%s error %llu)",
			   vendor->name, (unsigned long long)e->raw);
		break;
	default:
		guest_stop(g, "unhandled %s exit 0x%llx", vendor->name,
			   (unsigned long long)e->raw);
	}
}
