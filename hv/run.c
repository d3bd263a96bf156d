// SPDX-License-Identifier: MIT
/*
 * Running one guest on this CPU until it ends: enter, take the exit, handle
 * it, and keep account of the time on each side of the boundary.
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
#include "hv/run.h"
#include "hv/stats.h"
#include "lib/deferred.h"
#include "hv/vplat.h"

_Static_assert(PAGING_NESTED + 1 == TRACEBOX_NESTED &&
		       PAGING_SHADOW + 1 == TRACEBOX_SHADOW &&
		       PAGING_COMPOUND + 1 == TRACEBOX_COMPOUND,
	       "the trace box numbers paging modes from 1");

/*
 * What an NMI handler or a print left for later (lib/deferred.h): the
 * NMI log line, and topping up the host UART's FIFO. None of it is the
 * exit's own work: moving the exit's stamp forward by the time it took
 * leaves it out of the path time charged at the next entry (and of
 * hv_tsc), so that exit costs do not depend on what braid printed.
 */
static __attribute__((noinline)) void run_deferred(void)
{
	u32 w = take_deferred();

	if (w & DEFER_NMI_REPORT)
		nmi_report(); /* one taken in braid or in the guest */
	if (w & DEFER_CONSOLE) {
		hostcons_drain();
		if (hostcons_busy())
			defer(DEFER_CONSOLE);
	}
}

void guest_run(struct guest *g)
{
	struct vcpu *v = &g->vcpu;
	bool charged = true; /* no exit before the first entry */
	u64 exit_tsc = 0;
	struct vmexit e = { 0 }; /* fields a vendor leaves alone stay 0 */

	v->cpu = this_cpu()->id;
	this_cpu()->vcpu = v;
	cpu_state_load(v);
	tracebox_set_guest(v->cpu, g->cfg.name, g->cfg.paging + 1, g->cfg.mem);
	g->state = GUEST_RUNNING;
	g->run_deadline =
		g->cfg.timeout ? rdtsc() + g->cfg.timeout * tsc_hz() : ~0ull;
	g->cpu_budget = g->cfg.cpu_time * tsc_hz();
	while (g->state == GUEST_RUNNING) {
		mmu_before_entry(g);
		vplat_before_entry(g);
		vendor->vcpu_run(v, &e);
		/* Both sides of the boundary by the entry stubs' own stamps
		 * (a failed entry stamps no exit): the last exit's path ran
		 * from its VM exit to this entry. */
		if (!charged)
			stats_charge_path(g, v->regs.entry_tsc - exit_tsc);
		if (e.kind != VMEXIT_ENTRY_FAILED)
			g->stats.guest_tsc +=
				v->regs.exit_tsc - v->regs.entry_tsc;
		exit_tsc = v->regs.exit_tsc;
		charged = false;
		handle_exit(g, &e);
		if (__builtin_expect(deferred_pending(), 0)) {
			u64 t0 = rdtsc();

			run_deferred();
			exit_tsc += rdtsc() - t0;
		}
		if (g->cfg.trace && g->stats.exits_total >= g->next_trace &&
		    g->state == GUEST_RUNNING) {
			g->next_trace = g->stats.exits_total + g->cfg.trace;
			classify_dump(g);
		}
	}
	g->stats.hv_tsc += rdtsc() - exit_tsc; /* the last exit */
	this_cpu()->vcpu = NULL;
}
