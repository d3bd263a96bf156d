// SPDX-License-Identifier: MIT
/*
 * Guest lifetime. RAM is backed by 2 MiB host chunks (mm/guest_mem.c);
 * the nested table maps each chunk with one large page where the CPU
 * allows.
 *
 * Guest-physical layout (what the guest's memory map says):
 *
 *   0x00000000 +-----------------+
 *              | low RAM         |  available
 *   0x0009fc00 +-----------------+
 *              | "EBDA/ROM" hole |  reserved (backed, but not RAM to the guest)
 *   0x00100000 +-----------------+
 *              | RAM             |  available, up to mem=
 *   mem        +-----------------+
 *              | nothing         |  any access stops the guest
 */
#include "lib/atomic.h"
#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_state.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/tsc.h"
#include "arch/x86_64/vendor.h"
#include "hv/console.h"
#include "hv/exit.h"
#include "hv/guest.h"
#include "lib/log.h"
#include "hv/mmu.h"
#include "hv/vplat.h"
#include "hv/walk_report.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/frame.h"
#include "lib/phys.h"

const char *paging_mode_name(enum paging_mode m)
{
	static const char *const names[] = { "nested", "shadow", "compound" };

	return names[m];
}

int guest_create(struct guest *g, const struct guest_config *cfg, char *why,
		 size_t len)
{
	static unsigned next_id; /* atomic: guests may start on any CPU */
	u64 free_mib = frame_free_count() * PAGE_SIZE >> 20;
	int err;

	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
	g->plat_lock = (struct spinlock)SPINLOCK_INIT("platform");
	g->mmu_lock = (struct spinlock)SPINLOCK_INIT("mmu");
	g->nr_cpus = cfg->vcpus ? cfg->vcpus : 1;

	for (unsigned i = 0; i < g->nr_cpus; i++) {
		struct gcpu *gc = &g->cpus[i];

		gc->index = i;
		gc->vcpu.guest = g;
		gc->sroot = SP_NONE; /* no root in the shared tree yet */
		/* Its own x87/SSE and debug registers, never the last
		 * guest's. */
		cpu_state_reset(&gc->vcpu);
	}
	g->id = atomic_fetch_add(&next_id, 1);
	vuart_reset(&g->uart);
	vplat_reset(g);
	err = guest_mem_alloc(&g->ram, cfg->mem);
	if (err) {
		snprintf(why, len,
			 "not enough memory: needs %llu MiB (mem=), only %llu "
			 "MiB free",
			 (unsigned long long)(cfg->mem >> 20),
			 (unsigned long long)free_mib);
		return err;
	}
	err = mmu_create(g);
	for (unsigned i = 0; i < g->nr_cpus && !err; i++) {
		struct vcpu *v = &g->cpus[i].vcpu;

		v->cr4_guest_ok = guest_cr4_allowed();
		err = vendor->vcpu_create(v, (enum vcpu_mmu)cfg->paging,
					  g->nested.root);
		/* A vCPU that spins on another should let it run. */
		if (!err && g->nr_cpus > 1)
			vendor->set_pause_exiting(v, true);
	}
	if (err) {
		snprintf(why, len,
			 "not enough memory for its page tables and vCPUs");
		guest_destroy(g);
		return err;
	}
	return 0;
}

void guest_destroy(struct guest *g)
{
	for (unsigned i = 0; i < g->nr_cpus; i++) {
		struct vcpu *v = &g->cpus[i].vcpu;

		cpu_state_drop(v);
		if (v->arch)
			vendor->vcpu_destroy(v);
	}
	mmu_destroy(g);
	guest_mem_free(&g->ram);
}

/* An AP at power-on: it waits for INIT-SIPI-SIPI (SDM Vol. 3A 9.4); its
 * registers are set when the SIPI comes (hv/ipi.c). */
static void ap_reset(struct gcpu *gc)
{
	struct vcpu *v = &gc->vcpu;

	memset(&v->regs, 0, sizeof(v->regs));
	gc->wait_sipi = true;
	gc->init_pending = false;
	gc->sipi_pending = false;
	v->halted = true;
	v->state_undefined = false;
	v->entry_check_off = false;
}

void guest_reset(struct guest *g, const struct boot_entry *e)
{
	struct vcpu *v = guest_bsp(g);

	for (unsigned i = 1; i < g->nr_cpus; i++)
		ap_reset(&g->cpus[i]);
	memset(&v->regs, 0, sizeof(v->regs));
	v->regs.gpr[RAX] = e->eax;
	v->regs.gpr[RBX] = e->ebx;
	v->regs.gpr[RSI] = e->esi;
	vendor->vcpu_reset_multiboot(v, e->eip);
	msr_reset(v);
	mmu_reset(v, CR0_PE | CR0_ET);
	v->state_undefined = false;
	if (g->cfg.entry_fault)
		vendor->break_entry(v);
	v->entry_check_off = g->cfg.entry_fault == ENTRY_FAULT_CPU;
}

void guest_exit(struct guest *g, u32 result)
{
	guest_console_flush(g);
	g->state = GUEST_EXITED;
	g->result = result;
}

void guest_machine_reset(struct guest *g, const char *how)
{
	if (!g->cfg.restart_on_reset) {
		guest_stop(g, "reset (%s)", how);
		return;
	}
	guest_console_flush(g);
	guest_info(g, "reset (%s): starting it again", how);
	g->state = GUEST_RESET;
}

void guest_power_off(struct guest *g, const char *how)
{
	guest_console_flush(g);
	guest_info(g, "stopped: powered off through %s", how);
	g->state = GUEST_STOPPED;
}

/* CPU time the guest has used, on all its vCPUs: its own, and braid's on
 * its behalf (handling its exits), but not the time it sat halted. Read
 * while the other vCPUs run: a moment stale at worst. */
static u64 cpu_used(const struct guest *g)
{
	u64 t = 0;

	for (unsigned i = 0; i < g->nr_cpus; i++) {
		const struct guest_stats *s = &g->cpus[i].stats;
		u64 busy = s->guest_tsc + s->hv_tsc;

		/* A vCPU back from HLT counts its idle time before the HLT
		 * exit's path time is charged: not below 0 meanwhile. */
		if (busy > s->idle_tsc)
			t += busy - s->idle_tsc;
	}
	return t;
}

u64 guest_time_due(const struct guest *g, u64 now)
{
	u64 due = MIN(g->run_deadline, now + tsc_hz()), used;

	if (g->cpu_budget) {
		used = MIN(cpu_used(g), g->cpu_budget);
		due = MIN(due, now + (g->cpu_budget - used));
	}
	return due;
}

/* timeout= and time=: braid's timer (vplat.c folds guest_time_due() into
 * its own deadline) brings it back here however busy or quiet the guest
 * is. */
void guest_check_time(struct guest *g)
{
	if (g->state != GUEST_RUNNING)
		return;
	if (rdtsc() >= g->run_deadline)
		guest_stop(g,
			   "still running after %llu s, its time limit "
			   "(timeout=)",
			   (unsigned long long)g->cfg.timeout);
	else if (g->cpu_budget && cpu_used(g) >= g->cpu_budget)
		guest_stop(g, "used up its %llu s of CPU time (time=)",
			   (unsigned long long)g->cfg.cpu_time);
}

static const char *const report_names[REPORT_NR] = {
	[REPORT_MSR] = "MSR",
	[REPORT_PORT] = "port",
	[REPORT_MMIO] = "device-memory",
	[REPORT_UNBACKED] = "unbacked-memory",
	[REPORT_PT_DATA] = "page-table-data",
};

void guest_report(struct guest *g, enum guest_report why, const char *fmt, ...)
{
	char line[200];
	va_list ap;

	if (g->stats.reports[why] >= GUEST_REPORTS_MAX) {
		g->stats.suppressed[why]++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	guest_info(g, "%s", line);
	if (++g->stats.reports[why] == GUEST_REPORTS_MAX)
		guest_info(
			g,
			"further %s reports are only counted (\"suppressed\" "
			"in its stats line)",
			report_names[why]);
}

/* With no state to show, what led there: the vCPU's last exits. */
static void report_recent(struct vcpu *v)
{
	struct gcpu *gc = gcpu(v);
	unsigned n = MIN(gc->recent_n, GUEST_RECENT_EXITS);
	char line[GUEST_RECENT_EXITS * 12 + 1];
	int len = 0;

	for (unsigned i = gc->recent_n - n; i != gc->recent_n; i++)
		len += snprintf(line + len, sizeof(line) - len, " %#x",
				gc->recent[i % GUEST_RECENT_EXITS]);
	guest_info(v->guest,
		   "its last %u exits, oldest first (%s exit codes):%s; the "
		   "last entry injected 0x%llx, the exit left 0x%llx",
		   n, vendor->name, line, (unsigned long long)v->entry_event,
		   (unsigned long long)v->exit_event);
	if (vendor->describe_state) {
		char state[400];

		vendor->describe_state(v, false, state, sizeof(state));
		guest_info(v->guest, "its last entry started from %s", state);
		vendor->describe_state(v, true, state, sizeof(state));
		guest_info(v->guest, "the exit left (undefined): %s", state);
	}
	walk_report(v);
}

void guest_stop(struct guest *g, const char *fmt, ...)
{
	struct vcpu *v = this_cpu()->vcpu;
	char why[200], cpu[16] = "";
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	guest_console_flush(g);
	g->state = GUEST_STOPPED;
	/* The vCPU this CPU runs did it; from outside any vCPU, the first. */
	if (!v || v->guest != g)
		v = guest_bsp(g);
	/* An SMP guest: which vCPU. */
	if (g->nr_cpus > 1)
		snprintf(cpu, sizeof(cpu), " on vCPU %u", gcpu(v)->index);
	if (v->state_undefined) {
		guest_info(g,
			   "stopped: %s%s (the CPU left its state undefined, "
			   "so none is shown)",
			   why, cpu);
		report_recent(v);
		return;
	}
	guest_info(g, "stopped: %s%s at rip 0x%llx", why, cpu,
		   (unsigned long long)vendor->get(v, VREG_RIP));
	vendor->dump(v);
}
