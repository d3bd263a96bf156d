// SPDX-License-Identifier: MIT
/*
 * The exit dispatcher: count the exit, then hand it to its handler. A
 * guest that does something braid does not allow is stopped here with a
 * report; only a broken invariant of braid itself panics.
 */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "hv/cr.h"
#include "hv/exit.h"
#include "lib/log.h"
#include "hv/mmio.h"
#include "hv/mmu.h"
#include "hv/ptwrite.h"
#include "hv/stats.h"
#include "hv/vplat.h"

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

static void handle_npf(struct guest *g, const struct vmexit *e)
{
	switch (mmu_npf(g, e)) {
	case MMU_PT_WRITE:
		stats_path(g, PATH_PT_WRITE);
		ptwrite_emulate(g, e->npf.gpa);
		return;
	case MMU_NOT_MINE: break;
	default: return;
	}
	if (!e->npf.walk && mmio_is_device(g, e->npf.gpa)) {
		stats_path(g, PATH_MMIO);
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

/* A #PF under shadow or compound paging: the MMU resolves it or says
 * which emulation the access needs. */
static void handle_pf(struct guest *g, u64 gva, u32 error)
{
	u64 gpa = 0;

	switch (mmu_page_fault(g, gva, error, &gpa)) {
	case MMU_REFLECTED: stats_path(g, PATH_PF_REFLECT); return;
	case MMU_PT_WRITE:
		stats_path(g, PATH_PT_WRITE);
		ptwrite_emulate(g, gva);
		return;
	case MMU_NO_MEMORY: break;
	default: return;
	}
	if (mmio_is_device(g, gpa)) {
		stats_path(g, PATH_MMIO);
		mmio_emulate(g, gpa);
	} else if (!g->paged) {
		guest_stop(
			g,
			"access to guest-physical 0x%llx, where it has no memory",
			(unsigned long long)gpa);
	} else {
		guest_stop(
			g,
			"access to virtual 0x%llx, which its page tables map to "
			"guest-physical 0x%llx, where it has no memory",
			(unsigned long long)gva, (unsigned long long)gpa);
	}
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

/* The path an exit of this kind takes unless its handler says more. */
static enum exit_path path_of(const struct vmexit *e)
{
	switch (e->kind) {
	case VMEXIT_CPUID: return PATH_CPUID;
	case VMEXIT_IO: return PATH_IO;
	case VMEXIT_HLT: return PATH_HLT;
	case VMEXIT_RDMSR:
	case VMEXIT_WRMSR: return PATH_MSR;
	case VMEXIT_HYPERCALL: return PATH_HYPERCALL;
	case VMEXIT_NPF: return PATH_NPF;
	case VMEXIT_EXCEPTION:
		return e->exc.vector == VEC_PF ? PATH_PF_FILL : PATH_OTHER;
	case VMEXIT_CR_ACCESS: return PATH_CR;
	case VMEXIT_INVLPG: return PATH_INVLPG;
	case VMEXIT_INTR: return PATH_INTR;
	case VMEXIT_IRQ_WINDOW: return PATH_IRQ_WINDOW;
	default: return PATH_OTHER;
	}
}

void handle_exit(struct guest *g, const struct vmexit *e)
{
	enum braid_exit_reason r = count_as(e->kind);

	stats_path(g, path_of(e));
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
	case VMEXIT_CR_ACCESS: handle_cr(g, e); break;
	case VMEXIT_INVLPG: handle_invlpg(g, e); break;
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
			handle_pf(g, e->exc.cr2, e->exc.error);
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
