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
	[VMEXIT_INVPCID] = { EXIT_INVLPG, PATH_INVLPG }, /* counted as one */
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

static __attribute__((noinline)) void handle_npf(struct vcpu *v,
						 const struct vmexit *e)
{
	struct guest *g = v->guest;

	enum mmu_fault r;

	/* The store is emulated under the MMU lock too: atomic with
	 * respect to every other vCPU's (hv/mmu_sync.c). */
	mmu_lock(v);
	r = mmu_npf(v, e);
	if (r == MMU_PT_WRITE) {
		stats_path(v, PATH_PT_WRITE);
		/* With the linear address (VMX), the store needs no walk
		 * of the guest's tables, as after a #PF. */
		ptwrite_emulate(v, e->npf.gva_valid ? e->npf.gva : e->npf.gpa,
				e->npf.gva_valid ? &e->npf.gpa : NULL,
				PTWRITE_CPL_UNKNOWN);
	}
	mmu_unlock(v);
	if (r != MMU_NOT_MINE)
		return;
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

	enum mmu_fault r;

	mmu_lock(v); /* see handle_npf() */
	r = mmu_page_fault(v, gva, error, &gpa);
	if (r == MMU_PT_WRITE) {
		stats_path(v, PATH_PT_WRITE);
		ptwrite_emulate(v, gva, &gpa, error & PFERR_U);
	}
	mmu_unlock(v);
	if (r == MMU_REFLECTED)
		stats_path(v, PATH_PF_REFLECT);
	if (r != MMU_NO_MEMORY)
		return;
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
static __attribute__((noinline)) void handle_hlt(struct vcpu *v,
						 const struct vmexit *e)
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
 * or the guest would resume in the middle of its instruction, then handle
 * the exit with the whole length. Out of line, and a tail call from
 * handle_exit() (whose dispatch then needs no stack frame): only SVM
 * without NRIP save gets here, and the exit path is hot. */
static __attribute__((noinline, cold)) void add_prefixes(struct vcpu *v,
							 struct vmexit *e)
{
	enum cpu_mode mode = (enum cpu_mode)vendor->get(v, VREG_CS_MODE);
	u8 buf[X86_MAX_LEN];
	unsigned len;

	if (!guest_fetch(v, vendor->get(v, VREG_RIP), buf, &len))
		e->insn_len += x86_prefix_len(buf, len, mode);
	e->insn_len_no_prefixes = false;
	handle_exit(v, e);
}

/* braid's timer, or another CPU's kick. */
static __attribute__((noinline)) void handle_intr(struct vcpu *v)
{
	host_irq_window();
	guest_check_time(v->guest);
	sched_tick(v);
}

/* A vCPU of an SMP guest spins: perhaps on one that waits for this CPU
 * (hv/sched.c). */
static __attribute__((noinline)) void handle_pause(struct vcpu *v,
						   const struct vmexit *e)
{
	vcpu_skip_insn(v, e->insn_len);
	sched_yield(v);
}

static __attribute__((noinline)) void handle_machine_check(struct vcpu *v)
{
	struct guest *g = v->guest;

	mce_handle(g->cfg.name);
	guest_stop(g, "a machine check struck while it ran (logged "
		      "above); its state cannot be trusted");
}

static __attribute__((noinline)) void handle_exception(struct vcpu *v,
						       const struct vmexit *e)
{
	struct guest *g = v->guest;

	if (e->exc.vector == VEC_PF && g->cfg.paging != PAGING_NESTED) {
		handle_pf(v, e->exc.cr2, e->exc.error);
		return;
	}
	if (e->exc.reflect && e->exc.vector == VEC_PF) {
		guest_raise_pf(v, e->exc.cr2, e->exc.error);
		return;
	}
	if (e->exc.reflect || (BIT(e->exc.vector) & VEC_ALWAYS_INTERCEPTED)) {
		/* The guest's own #DB or #AC: deliver it, through an exit
		 * each time (arch/x86_64/cpu.h says why); or one the vendor
		 * code watched for (an IRET's fault, svm.c). */
		guest_raise(v, e->exc.vector, e->exc.has_error, e->exc.error);
		return;
	}
	guest_stop(g, "unexpected exception %u (error 0x%x)", e->exc.vector,
		   e->exc.error);
}

static __attribute__((noinline)) void handle_virt_insn(struct vcpu *v,
						       const struct vmexit *e)
{
	guest_stop(v->guest,
		   "executed %s: guests may not use VMX/SVM instructions",
		   e->insn);
}

static __attribute__((noinline)) void handle_unknown(struct vcpu *v,
						     const struct vmexit *e)
{
	guest_stop(v->guest, "unhandled %s exit 0x%llx", vendor->name,
		   (unsigned long long)e->raw);
}

/*
 * Count the exit, then hand it on. Every case is a tail call, the
 * handler's own work in its own function (noinline above, or GCC brings
 * it back): the dispatch then keeps nothing across a call and needs no
 * stack frame, some ten instructions saved on every exit.
 */
void handle_exit(struct vcpu *v, struct vmexit *e)
{
	struct gcpu *gc = gcpu(v);
	unsigned k = e->kind < ARRAY_SIZE(kinds) ? e->kind : VMEXIT_UNHANDLED;
	enum braid_exit_reason r = kinds[k].reason;

	if (__builtin_expect(e->insn_len_no_prefixes, 0))
		return add_prefixes(v, e);
	stats_path(v, kinds[k].path);
	if (e->kind == VMEXIT_EXCEPTION && e->exc.vector == VEC_PF &&
	    !e->exc.reflect) {
		r = EXIT_PF;
		stats_path(v, PATH_PF_FILL);
	}
	gc->stats.exits[r]++;
	gc->stats.exits_total++;
	switch (e->kind) {
	case VMEXIT_CPUID: return handle_cpuid(v, e);
	case VMEXIT_IO: return handle_io(v, e);
	case VMEXIT_RDMSR:
	case VMEXIT_WRMSR: return handle_msr(v, e);
	case VMEXIT_HYPERCALL: return handle_hypercall(v, e);
	case VMEXIT_CR_ACCESS: return handle_cr(v, e);
	case VMEXIT_INVLPG: return handle_invlpg(v, e);
	case VMEXIT_INVPCID: return handle_invpcid(v, e);
	case VMEXIT_NPF: return handle_npf(v, e);
	case VMEXIT_INTR: return handle_intr(v);
	case VMEXIT_IRQ_WINDOW: return; /* vplat_before_entry() injects */
	case VMEXIT_NMI:
		return; /* the host's, not the guest's: run.c logs it */
	case VMEXIT_MACHINE_CHECK: return handle_machine_check(v);
	case VMEXIT_HLT: return handle_hlt(v, e);
	case VMEXIT_PAUSE: return handle_pause(v, e);
	case VMEXIT_TRIPLE_FAULT: return guest_stop(v->guest, "triple fault");
	case VMEXIT_XSETBV: return handle_xsetbv(v, e);
	case VMEXIT_CACHE:
		/* INVD must never discard the real caches (braid's dirty
		 * lines among them); guest memory is coherent write-back, so
		 * neither it nor WBINVD has anything to do (KVM agrees). */
		return vcpu_skip_insn(v, e->insn_len);
	case VMEXIT_RDPMC: return handle_rdpmc(v, e);
	case VMEXIT_MONITOR:
		/* Hidden from CPUID (hv/cpuid.c): #UD, as on a CPU without
		 * them (SDM Vol. 2B, MONITOR). */
		return guest_raise(v, VEC_UD, false, 0);
	case VMEXIT_VIRT_INSN: return handle_virt_insn(v, e);
	case VMEXIT_EXCEPTION: return handle_exception(v, e);
	case VMEXIT_ENTRY_FAILED: return guest_entry_failed(v, e);
	default: return handle_unknown(v, e);
	}
}
