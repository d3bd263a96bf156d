// SPDX-License-Identifier: MIT
/* The per-guest stats line: machine-readable, one line, printed at exit. */
#include "arch/x86_64/vendor.h"
#include "lib/log.h"
#include "hv/sched.h"
#include "hv/stats.h"
#include "lib/printf.h"

static const char *const exit_names[EXIT_NR] = {
	[EXIT_CPUID] = "cpuid",
	[EXIT_IO] = "io",
	[EXIT_HLT] = "hlt",
	[EXIT_MSR] = "msr",
	[EXIT_HYPERCALL] = "hypercall",
	[EXIT_NPF] = "npf",
	[EXIT_EXCEPTION] = "exception",
	[EXIT_CR] = "cr",
	[EXIT_INTR] = "intr",
	[EXIT_TRIPLE_FAULT] = "triple_fault",
	[EXIT_VIRT_INSN] = "virt_insn",
	[EXIT_PF] = "pf",
	[EXIT_INVLPG] = "invlpg",
	[EXIT_IRQ_WINDOW] = "irq_window",
	[EXIT_OTHER] = "other",
};

static const char *result_name(const struct guest *g)
{
	if (g->state == GUEST_STOPPED)
		return "stopped";
	return g->result == BRAID_RESULT_PASS ? "pass" : "fail";
}

static int shadow_stats(const struct guest *g, char *buf, size_t size)
{
	const struct shadow_stats *s = &g->shadow.stats;

	return snprintf(
		buf, size,
		",\"shadow\":{\"pt_write_traps\":%llu,\"pages_in_use\":%u,"
		"\"pages_peak\":%llu,\"pool\":%u,\"reclaims\":%llu,\"rmap_flushes\":%llu,"
		"\"hidden_faults\":%llu,\"prefetched\":%llu,"
		"\"large_leaves\":%llu,\"large_splits\":%llu,"
		"\"reflected_faults\":%llu,\"cr3_switches\":%llu,\"root_hits\":%llu,"
		"\"cr3_keeps\":%llu,\"invlpgs\":%llu,"
		"\"flushes\":%llu,\"flushes_addr\":%llu,\"unshadows\":%llu,"
		"\"wp_keeps\":%llu}",
		(unsigned long long)s->pt_write_traps,
		shadow_pages_in_use(&g->shadow),
		(unsigned long long)s->pages_peak, g->shadow.nr_pages,
		(unsigned long long)s->reclaims,
		(unsigned long long)s->rmap_flushes,
		(unsigned long long)s->hidden_faults,
		(unsigned long long)s->prefetched,
		(unsigned long long)s->large_leaves,
		(unsigned long long)s->large_splits,
		(unsigned long long)s->reflected_faults,
		(unsigned long long)s->cr3_switches,
		(unsigned long long)s->root_hits,
		(unsigned long long)s->cr3_keeps,
		(unsigned long long)s->invlpgs, (unsigned long long)s->flushes,
		(unsigned long long)s->flushes_addr,
		(unsigned long long)s->unshadows,
		(unsigned long long)s->wp_keeps);
}

/* Compound: the policy's moves, and the tree by kind and level: mirror
 * pages at levels 1-4 (a level-L page mirrors a guest level-L table) and
 * nested entries handing over level 1-3 guest tables. */
static int compound_stats(const struct guest *g, char *buf, size_t size)
{
	const struct compound_stats *c = &g->compound.stats;
	u64 twin = c->twin_tsc;
	u32 mirrors[5], nested[5];

	for (unsigned i = 0; i < g->nr_cpus; i++) {
		const struct gcpu *gc = &g->cpus[i];

		if (gc->on_twin)
			twin += gc->stats.guest_tsc - gc->twin_since;
	}

	shadow_census(&g->shadow, mirrors, nested);
	return snprintf(
		buf, size,
		",\"compound\":{\"writes_trapped\":%llu,\"to_nested\":%llu,"
		"\"to_shadow\":%llu,\"to_twin\":%llu,\"to_tree\":%llu,"
		"\"twin_tsc\":%llu,\"shadow_tables\":[%u,%u,%u,%u],"
		"\"nested_tables\":[%u,%u,%u]}",
		(unsigned long long)c->writes_trapped,
		(unsigned long long)c->to_nested,
		(unsigned long long)c->to_shadow,
		(unsigned long long)c->to_twin, (unsigned long long)c->to_tree,
		(unsigned long long)twin, mirrors[1], mirrors[2], mirrors[3],
		mirrors[4], nested[1], nested[2], nested[3]);
}

static const char *const path_names[PATH_NR] = {
	[PATH_CPUID] = "cpuid",
	[PATH_IO] = "io",
	[PATH_MSR] = "msr",
	[PATH_HYPERCALL] = "hypercall",
	[PATH_HLT] = "hlt",
	[PATH_PF_FILL] = "pf_fill",
	[PATH_PF_REFLECT] = "pf_reflect",
	[PATH_PT_WRITE] = "pt_write",
	[PATH_CR3] = "cr3",
	[PATH_CR] = "cr",
	[PATH_INVLPG] = "invlpg",
	[PATH_NPF] = "npf",
	[PATH_MMIO] = "mmio",
	[PATH_INTR] = "intr",
	[PATH_IRQ_WINDOW] = "irq_window",
	[PATH_OTHER] = "other",
};

/* "path":{"cpuid":{"n":9,"avg":141,"max":160},...}: paths taken only. */
static int path_stats(const struct guest_stats *t, char *buf, size_t n)
{
	int len = snprintf(buf, n, ",\"path\":{");
	bool first = true;

	for (int i = 0; i < PATH_NR; i++) {
		const struct path_stats *p = &t->path[i];

		if (!p->n)
			continue;
		len += snprintf(
			buf + len, n - len,
			"%s\"%s\":{\"n\":%llu,\"avg\":%llu,\"max\":%llu}",
			first ? "" : ",", path_names[i],
			(unsigned long long)p->n,
			(unsigned long long)(p->tsc / p->n),
			(unsigned long long)p->max);
		first = false;
	}
	return len + snprintf(buf + len, n - len, "}");
}

/* Where and how it ran (hv/sched.c): the CPUs, its CPU time (its own and
 * braid's for it, not halted), the switches to it, its moves between
 * CPUs, the slices it gave up to others waiting, and the TSC ticks it
 * waited for a CPU while runnable. */
static int sched_stats(const struct guest *g, const struct guest_stats *t,
		       char *buf, size_t len)
{
	u64 ran_on = 0, switches = 0, migrations = 0, preemptions = 0;
	u64 wait = 0, yields = 0;
	char cpus[200];

	for (unsigned i = 0; i < g->nr_cpus; i++) {
		const struct vcpu *v = &g->cpus[i].vcpu;

		ran_on |= v->sched.ran_on;
		switches += v->sched.switches;
		migrations += v->sched.migrations;
		preemptions += v->sched.preemptions;
		wait += v->sched.wait_tsc;
		yields += v->sched.yields;
	}
	sched_format_cpus(ran_on, cpus, sizeof(cpus));
	return snprintf(
		buf, len,
		",\"sched\":{\"cpus\":\"%s\",\"vcpus\":%u,\"weight\":%u,"
		"\"cpu_tsc\":%llu,\"switches\":%llu,"
		"\"migrations\":%llu,\"preemptions\":%llu,"
		"\"wait_tsc\":%llu,\"yields\":%llu}",
		cpus, g->nr_cpus, g->cpus[0].vcpu.sched.weight,
		(unsigned long long)(t->guest_tsc + t->hv_tsc - t->idle_tsc),
		(unsigned long long)switches, (unsigned long long)migrations,
		(unsigned long long)preemptions, (unsigned long long)wait,
		(unsigned long long)yields);
}

static void add_stats(struct guest_stats *t, const struct guest_stats *s)
{
	for (int i = 0; i < EXIT_NR; i++)
		t->exits[i] += s->exits[i];
	t->exits_total += s->exits_total;
	t->hv_tsc += s->hv_tsc;
	t->guest_tsc += s->guest_tsc;
	t->idle_tsc += s->idle_tsc;
	t->irqs += s->irqs;
	t->mmio += s->mmio;
	t->unbacked += s->unbacked;
	t->ipis_sent += s->ipis_sent;
	t->ipis_delivered += s->ipis_delivered;
	t->mmu_lock_waits += s->mmu_lock_waits;
	t->mmu_lock_wait_tsc += s->mmu_lock_wait_tsc;
	t->shootdown_wait_tsc += s->shootdown_wait_tsc;
	t->entry_retries += s->entry_retries;
	t->shootdowns_sent += s->shootdowns_sent;
	t->shootdowns_received += s->shootdowns_received;
	for (int i = 0; i < REPORT_NR; i++) {
		t->reports[i] += s->reports[i];
		t->suppressed[i] += s->suppressed[i];
	}
	for (int i = 0; i < PATH_NR; i++) {
		t->path[i].n += s->path[i].n;
		t->path[i].tsc += s->path[i].tsc;
		t->path[i].max = MAX(t->path[i].max, s->path[i].max);
	}
}

/* An SMP guest's shared tree (hv/mmu_sync.c): lock waits, shootdowns,
 * and the compound reclassifications each vCPU caused. */
static int smp_mmu_stats(const struct guest *g, const struct guest_stats *t,
			 char *buf, size_t len)
{
	int n = snprintf(buf, len,
			 ",\"mmu_smp\":{\"lock_waits\":%llu,"
			 "\"lock_wait_tsc\":%llu,\"shootdowns_sent\":%llu,"
			 "\"shootdowns_received\":%llu,"
			 "\"shootdown_wait_tsc\":%llu,\"entry_retries\":%llu,"
			 "\"reclassified\":[",
			 (unsigned long long)t->mmu_lock_waits,
			 (unsigned long long)t->mmu_lock_wait_tsc,
			 (unsigned long long)t->shootdowns_sent,
			 (unsigned long long)t->shootdowns_received,
			 (unsigned long long)t->shootdown_wait_tsc,
			 (unsigned long long)t->entry_retries);

	for (unsigned i = 0; i < g->nr_cpus; i++)
		n += snprintf(
			buf + n, len - n, "%s%llu", i ? "," : "",
			(unsigned long long)g->cpus[i].stats.reclassified);
	return n + snprintf(buf + n, len - n, "]}");
}

/* The guest's counters: its own plus every vCPU's. */
static void stats_total(const struct guest *g, struct guest_stats *t)
{
	*t = g->stats;
	for (unsigned i = 0; i < g->nr_cpus; i++)
		add_stats(t, &g->cpus[i].stats);
}

void stats_print(const struct guest *g)
{
	struct guest_stats total, *t = &total;
	char buf[3000];
	int n;

	stats_total(g, t);
	n = snprintf(buf, sizeof(buf),
		     "{\"guest\":\"%s\",\"vendor\":\"%s\",\"paging\":\"%s\","
		     "\"mem_mib\":%llu,\"result\":\"%s\",\"code\":%u,"
		     "\"exits_total\":%llu,\"exits\":{",
		     g->cfg.name, vendor->name, paging_mode_name(g->cfg.paging),
		     (unsigned long long)(g->cfg.mem >> 20), result_name(g),
		     g->result, (unsigned long long)t->exits_total);
	for (int i = 0; i < EXIT_NR; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "%s\"%s\":%llu",
			      i ? "," : "", exit_names[i],
			      (unsigned long long)t->exits[i]);
	n += snprintf(buf + n, sizeof(buf) - n,
		      "},\"hv_tsc\":%llu,\"guest_tsc\":%llu,\"idle_tsc\":%llu,"
		      "\"irqs\":%llu,\"mmio\":%llu,\"nested_tables\":%llu,"
		      "\"suppressed\":{\"msr\":%llu,\"port\":%llu,"
		      "\"mmio\":%llu,\"unbacked\":%llu,\"output\":%llu},"
		      "\"unbacked\":%llu",
		      (unsigned long long)t->hv_tsc,
		      (unsigned long long)t->guest_tsc,
		      (unsigned long long)t->idle_tsc,
		      (unsigned long long)t->irqs, (unsigned long long)t->mmio,
		      (unsigned long long)g->nested.nr_tables,
		      (unsigned long long)t->suppressed[REPORT_MSR],
		      (unsigned long long)t->suppressed[REPORT_PORT],
		      (unsigned long long)t->suppressed[REPORT_MMIO],
		      (unsigned long long)t->suppressed[REPORT_UNBACKED],
		      (unsigned long long)g->console.dropped,
		      (unsigned long long)t->unbacked);
	if (g->cfg.paging != PAGING_NESTED)
		n += shadow_stats(g, buf + n, sizeof(buf) - n);
	if (g->cfg.paging == PAGING_COMPOUND)
		n += compound_stats(g, buf + n, sizeof(buf) - n);
	n += sched_stats(g, t, buf + n, sizeof(buf) - n);
	n += snprintf(buf + n, sizeof(buf) - n,
		      ",\"ipi\":{\"sent\":%llu,\"delivered\":%llu}",
		      (unsigned long long)t->ipis_sent,
		      (unsigned long long)t->ipis_delivered);
	n += smp_mmu_stats(g, t, buf + n, sizeof(buf) - n);
	n += path_stats(t, buf + n, sizeof(buf) - n);
	n += snprintf(buf + n, sizeof(buf) - n, "}\n");
	/* Longer than kprintf's buffer: written as it is. */
	kprintf("braid: stats ");
	console_write(buf, MIN((size_t)n, sizeof(buf) - 1));
}
