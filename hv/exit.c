// SPDX-License-Identifier: MIT
/*
 * The exit dispatcher: count the exit, then hand it to its handler. A
 * guest that does something braid does not allow is stopped here with a
 * report; only a broken invariant of braid itself panics.
 */
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/mce.h"
#include "hv/event.h"
#include "hv/cr.h"
#include "hv/entry_fail.h"
#include "hv/exit.h"
#include "lib/deferred.h"
#include "hv/sched.h"
#include "hv/guest_insn.h"
#include "insn/decode.h"
#include "lib/log.h"
#include "hv/mmio.h"
#include "hv/mmu.h"
#include "hv/ptwrite.h"
#include "hv/stats.h"
#include "hv/vplat.h"

/* How each kind of exit is counted, and the path it takes unless its
 * handler says more: one lookup on every exit. */
static const struct {
	u8 reason; /* enum braid_exit_reason */
	u8 path;   /* enum exit_path */
} kinds[] = {
	[VMEXIT_CPUID] = { EXIT_CPUID, PATH_CPUID },
	[VMEXIT_IO] = { EXIT_IO, PATH_IO },
	[VMEXIT_HLT] = { EXIT_HLT, PATH_HLT },
	[VMEXIT_RDMSR] = { EXIT_MSR, PATH_MSR },
	[VMEXIT_WRMSR] = { EXIT_MSR, PATH_MSR },
	[VMEXIT_HYPERCALL] = { EXIT_HYPERCALL, PATH_HYPERCALL },
	[VMEXIT_NPF] = { EXIT_NPF, PATH_NPF },
	[VMEXIT_EXCEPTION] = { EXIT_EXCEPTION, PATH_OTHER },
	[VMEXIT_CR_ACCESS] = { EXIT_CR, PATH_CR },
	[VMEXIT_INVLPG] = { EXIT_INVLPG, PATH_INVLPG },
	[VMEXIT_INTR] = { EXIT_INTR, PATH_INTR },
	[VMEXIT_IRQ_WINDOW] = { EXIT_IRQ_WINDOW, PATH_IRQ_WINDOW },
	[VMEXIT_TRIPLE_FAULT] = { EXIT_TRIPLE_FAULT, PATH_OTHER },
	[VMEXIT_VIRT_INSN] = { EXIT_VIRT_INSN, PATH_OTHER },
	[VMEXIT_XSETBV] = { EXIT_OTHER, PATH_OTHER },
	[VMEXIT_CACHE] = { EXIT_OTHER, PATH_OTHER },
	[VMEXIT_RDPMC] = { EXIT_OTHER, PATH_OTHER },
	[VMEXIT_MONITOR] = { EXIT_OTHER, PATH_OTHER },
	[VMEXIT_PAUSE] = { EXIT_OTHER, PATH_OTHER },
	[VMEXIT_ENTRY_FAILED] = { EXIT_OTHER, PATH_OTHER },
	[VMEXIT_NMI] = { EXIT_INTR, PATH_INTR },
	[VMEXIT_MACHINE_CHECK] = { EXIT_EXCEPTION, PATH_OTHER },
	[VMEXIT_UNHANDLED] = { EXIT_OTHER, PATH_OTHER },
};

/* An access to guest-physical @gpa outside RAM that braid emulates: a
 * device's, or (unbacked=float) one where nothing is. An instruction
 * fetch from nowhere has no instruction to emulate. */
static bool floats(struct guest *g, gpa_t gpa, bool exec)
{
	if (mmio_is_device(g, gpa))
		return true;
	return !exec && !g->cfg.stop_unbacked;
}

static void handle_npf(struct vcpu *v, const struct vmexit *e)
{
	struct guest *g = v->guest;

	switch (mmu_npf(v, e)) {
	case MMU_PT_WRITE:
		stats_path(v, PATH_PT_WRITE);
		/* With the linear address (VMX), the store needs no walk
		 * of the guest's tables, as after a #PF. */
		ptwrite_emulate(v, e->npf.gva_valid ? e->npf.gva : e->npf.gpa,
				e->npf.gva_valid ? &e->npf.gpa : NULL,
				PTWRITE_CPL_UNKNOWN);
		return;
	case MMU_NOT_MINE: break;
	default: return;
	}
	if (!e->npf.walk && floats(g, e->npf.gpa, e->npf.exec)) {
		stats_path(v, PATH_MMIO);
		mmio_emulate(v, e->npf.gpa);
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
static void handle_pf(struct vcpu *v, u64 gva, u32 error)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	u64 gpa = 0;

	switch (mmu_page_fault(v, gva, error, &gpa)) {
	case MMU_REFLECTED: stats_path(v, PATH_PF_REFLECT); return;
	case MMU_PT_WRITE:
		stats_path(v, PATH_PT_WRITE);
		ptwrite_emulate(v, gva, &gpa, error & PFERR_U);
		return;
	case MMU_NO_MEMORY: break;
	default: return;
	}
	if (floats(g, gpa, error & PFERR_I)) {
		stats_path(v, PATH_MMIO);
		mmio_emulate(v, gpa);
	} else if (!gc->paged) {
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
static void handle_hlt(struct vcpu *v, const struct vmexit *e)
{
	struct guest *g = v->guest;

	if (!(vendor->get(v, VREG_RFLAGS) & RFLAGS_IF)) {
		guest_stop(g,
			   "HLT with interrupts disabled: nothing can wake it");
		return;
	}
	vcpu_skip_insn(v, e->insn_len);
	/* Not waited for here: the run loop sees the deferred word, and the
	 * CPU may run another vCPU meanwhile (hv/sched.c). */
	v->halted = true;
	defer(DEFER_HALT);
}

/* The exit gave the opcode's length only: add the prefixes before it,
 * or the guest would resume in the middle of its instruction. Out of
 * line: only SVM without NRIP save gets here, and the exit path is hot. */
static __attribute__((noinline, cold)) void add_prefixes(struct vcpu *v,
							 struct vmexit *e)
{
	enum cpu_mode mode = (enum cpu_mode)vendor->get(v, VREG_CS_MODE);
	u8 buf[X86_MAX_LEN];
	unsigned len;

	if (!guest_fetch(v, vendor->get(v, VREG_RIP), buf, &len))
		e->insn_len += x86_prefix_len(buf, len, mode);
	e->insn_len_no_prefixes = false;
}

void handle_exit(struct vcpu *v, struct vmexit *e)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	unsigned k = e->kind < ARRAY_SIZE(kinds) ? e->kind : VMEXIT_UNHANDLED;
	enum braid_exit_reason r = kinds[k].reason;

	if (__builtin_expect(e->insn_len_no_prefixes, 0))
		add_prefixes(v, e);
	stats_path(v, kinds[k].path);
	if (e->kind == VMEXIT_EXCEPTION && e->exc.vector == VEC_PF) {
		r = EXIT_PF;
		stats_path(v, PATH_PF_FILL);
	}
	gc->stats.exits[r]++;
	gc->stats.exits_total++;
	switch (e->kind) {
	case VMEXIT_CPUID: handle_cpuid(v, e); break;
	case VMEXIT_IO: handle_io(v, e); break;
	case VMEXIT_RDMSR:
	case VMEXIT_WRMSR: handle_msr(v, e); break;
	case VMEXIT_HYPERCALL: handle_hypercall(v, e); break;
	case VMEXIT_CR_ACCESS: handle_cr(v, e); break;
	case VMEXIT_INVLPG: handle_invlpg(v, e); break;
	case VMEXIT_NPF: handle_npf(v, e); break;
	case VMEXIT_INTR: /* braid's timer, or another CPU's kick */
		host_irq_window();
		guest_check_time(g);
		sched_tick(v);
		break;
	case VMEXIT_IRQ_WINDOW: break; /* vplat_before_entry() injects */
	case VMEXIT_NMI: break; /* the host's, not the guest's: run.c logs it */
	case VMEXIT_MACHINE_CHECK:
		mce_handle(g->cfg.name);
		guest_stop(g, "a machine check struck while it ran (logged "
			      "above); its state cannot be trusted");
		break;
	case VMEXIT_HLT: handle_hlt(v, e); break;
	case VMEXIT_PAUSE:
		/* A vCPU of an SMP guest spins: perhaps on one that waits
		 * for this CPU (hv/sched.c). */
		vcpu_skip_insn(v, e->insn_len);
		sched_yield(v);
		break;
	case VMEXIT_TRIPLE_FAULT: guest_stop(g, "triple fault"); break;
	case VMEXIT_XSETBV: handle_xsetbv(v, e); break;
	case VMEXIT_CACHE:
		/* INVD must never discard the real caches (braid's dirty
		 * lines among them); guest memory is coherent write-back, so
		 * neither it nor WBINVD has anything to do (KVM agrees). */
		vcpu_skip_insn(v, e->insn_len);
		break;
	case VMEXIT_RDPMC: handle_rdpmc(v, e); break;
	case VMEXIT_MONITOR:
		/* Hidden from CPUID (hv/cpuid.c): #UD, as on a CPU without
		 * them (SDM Vol. 2B, MONITOR). */
		guest_raise(v, VEC_UD, false, 0);
		break;
	case VMEXIT_VIRT_INSN:
		guest_stop(
			g,
			"executed %s: guests may not use VMX/SVM instructions",
			e->insn);
		break;
	case VMEXIT_EXCEPTION:
		if (e->exc.vector == VEC_PF && g->cfg.paging != PAGING_NESTED) {
			handle_pf(v, e->exc.cr2, e->exc.error);
			break;
		}
		if (BIT(e->exc.vector) & VEC_ALWAYS_INTERCEPTED) {
			/* The guest's own #DB or #AC: deliver it, through an
			 * exit each time (arch/x86_64/cpu.h says why). */
			guest_raise(v, e->exc.vector, e->exc.has_error,
				    e->exc.error);
			break;
		}
		guest_stop(g, "unexpected exception %u (error 0x%x)",
			   e->exc.vector, e->exc.error);
		break;
	case VMEXIT_ENTRY_FAILED: guest_entry_failed(v, e); break;
	default:
		guest_stop(g, "unhandled %s exit 0x%llx", vendor->name,
			   (unsigned long long)e->raw);
	}
}
