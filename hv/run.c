// SPDX-License-Identifier: MIT
/*
 * Running one vCPU on this CPU until it ends, halts or its slice is over:
 * enter, take the exit, handle it, and keep account of the time on each
 * side of the boundary. The scheduler (hv/sched.c) decides what runs.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/nmi.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tracebox.h"
#include "arch/x86_64/tsc.h"
#include "hv/classify.h"
#include "hv/exit.h"
#include "hv/hostcons.h"
#include "hv/mmu.h"
#include "hv/vplat.h"
#include "hv/run.h"
#include "hv/stats.h"
#include "lib/deferred.h"
#include "hv/vplat_entry.h"

_Static_assert(PAGING_NESTED + 1 == TRACEBOX_NESTED &&
		       PAGING_SHADOW + 1 == TRACEBOX_SHADOW &&
		       PAGING_COMPOUND + 1 == TRACEBOX_COMPOUND,
	       "the trace box numbers paging modes from 1");

/*
 * What an NMI handler, a print or a handler left for later
 * (lib/deferred.h): the NMI log line, topping up the host UART's FIFO,
 * and leaving the CPU (HLT, or the slice is over). None of it is the
 * exit's own work: moving the exit's stamp forward by the time it took
 * leaves it out of the path time charged at the next entry (and of
 * hv_tsc), so that exit costs do not depend on what braid printed.
 * True: the vCPU leaves the CPU now.
 */
static __attribute__((noinline)) bool run_deferred(struct vcpu *v)
{
	u32 w = take_deferred();
	bool leave = false;

	if (w & DEFER_NMI_REPORT)
		nmi_report(); /* one taken in braid or in the guest */
	if (w & DEFER_CONSOLE) {
		hostcons_drain();
		if (hostcons_busy())
			defer(DEFER_CONSOLE);
	}
	if ((w & DEFER_HALT) && v->halted)
		leave = !vplat_halt_poll(v);
	if (w & DEFER_RESCHED)
		leave = true;
	return leave;
}

void guest_start(struct guest *g)
{
	g->state = GUEST_RUNNING;
	g->run_deadline =
		g->cfg.timeout ? rdtsc() + g->cfg.timeout * tsc_hz() : ~0ull;
	g->cpu_budget = g->cfg.cpu_time * tsc_hz();
	for (unsigned i = 0; i < g->nr_cpus; i++) {
		struct vcpu *v = &g->cpus[i].vcpu;

		v->exit_charged = true; /* no exit before the first entry */
		v->halted = g->cpus[i].wait_sipi; /* APs wait for a SIPI */
	}
}

void vcpu_run(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	bool charged = v->exit_charged;
	u64 exit_tsc = v->last_exit_tsc;
	struct vmexit e = { 0 }; /* fields a vendor leaves alone stay 0 */

	this_cpu()->vcpu = v;
	cpu_state_load(v);
	tracebox_set_guest(v->cpu, g->cfg.name, g->cfg.paging + 1, g->cfg.mem);
	/* Back from HLT only if something can be delivered now. */
	if (v->halted && g->state == GUEST_RUNNING && !vplat_halt_poll(v))
		goto out;
	while (g->state == GUEST_RUNNING) {
		mmu_before_entry(v);
		vplat_before_entry(v);
		/* An INIT the full pass took: the CPU waits for a SIPI from
		 * now on, and runs not one more instruction (SDM Vol. 3A
		 * 9.4.4); it leaves the CPU unless the SIPI came already. */
		if (__builtin_expect(v->halted, 0)) {
			if (!vplat_halt_poll(v))
				break;
			continue;
		}
		if (!mmu_enter(v))
			continue; /* a shootdown came in between */
		vendor->vcpu_run(v, &e);
		mmu_exited(v);
		if (__builtin_expect(v->irq_not_taken, 0)) {
			vplat_requeue(v, (u8)(v->irq_not_taken - 1));
			v->irq_not_taken = 0;
		}
		/* Both sides of the boundary by the entry stubs' own stamps
		 * (a failed entry stamps no exit): the last exit's path ran
		 * from its VM exit to this entry. */
		if (!charged)
			stats_charge_path(v, v->regs.entry_tsc - exit_tsc);
		if (e.kind != VMEXIT_ENTRY_FAILED)
			gc->stats.guest_tsc +=
				v->regs.exit_tsc - v->regs.entry_tsc;
		exit_tsc = v->regs.exit_tsc;
		charged = false;
		gc->recent[gc->recent_n++ % GUEST_RECENT_EXITS] = (u32)e.raw;
		handle_exit(v, &e);
		if (__builtin_expect(deferred_pending(), 0)) {
			u64 t0 = rdtsc();
			bool leave = run_deferred(v);

			exit_tsc += rdtsc() - t0;
			if (leave && g->state == GUEST_RUNNING)
				break;
		}
		if (g->cfg.trace && gc->stats.exits_total >= g->next_trace &&
		    g->state == GUEST_RUNNING) {
			g->next_trace = gc->stats.exits_total + g->cfg.trace;
			mmu_lock(v);
			classify_dump(g);
			mmu_unlock(v);
		}
	}
out:
	if (g->state != GUEST_RUNNING && !charged) {
		gc->stats.hv_tsc += rdtsc() - exit_tsc; /* the last exit */
		charged = true;
	}
	v->last_exit_tsc = exit_tsc;
	v->exit_charged = charged;
	this_cpu()->vcpu = NULL;
}
