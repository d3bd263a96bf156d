// SPDX-License-Identifier: MIT
/*
 * tlbplugin: a QEMU TCG plugin that feeds a guest's real access stream to
 * models of named CPUs' TLBs (tools/tlbsim) and counts, per measurement
 * window (include/braid/marker.h), the guest's TLB misses, the memory
 * references their page walks make, and braid's exits. docs/measurement.md
 * says how the numbers are used; tools/README.md how to run it.
 *
 *   qemu-system-x86_64 ... \
 *     -object memory-backend-file,id=ram0,size=512M,mem-path=F,share=on \
 *     -machine pc,memory-backend=ram0 \
 *     -plugin build/tools/tlbplugin.so,ram=F,out=LOG[,cpu=zen2][,bare=on]
 *
 * Guest or braid. Under braid (the AMD path) the guest runs between
 * braid's VMRUN and the #VMEXIT that brings the CPU back to the
 * instruction after it (APM Vol. 2 15.5, 15.6). The plugin recognizes
 * VMRUN by its bytes; it takes the instruction after an executed
 * VMRUN of braid's (by host address, which a guest cannot share) as the
 * #VMEXIT. Instructions and accesses in between are the guest's; the rest
 * are braid's, counted as its path length per exit reason. With bare=on
 * there is no hypervisor and everything is the guest's (the native
 * baseline).
 *
 * Translation state. The plugin reads RAM (QEMU's memory backend file)
 * but no registers. At each VMRUN it reads the VMCB braid names in its
 * trace box (include/braid/tracebox.h): CR3, nested paging and N_CR3,
 * ASID and TLB_CONTROL, and the CR3/INVLPG intercepts. A CR3 load the
 * guest makes without an exit (nested paging, or bare) flushes the
 * guest's entries, and the plugin finds the new top table by checking its
 * known tables, then every page of RAM, against the next data access's
 * virtual and physical address (root discovery). Page sizes come from
 * walking those tables: the TLB holds what the mode gives the hardware.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vmcb.h"
#include "include/braid/marker.h"
#include "include/braid/tracebox.h"
#include "mm/pte.h"
#include "tools/tlbplugin/hwwalk.h"
#include "tools/tlbplugin/insn_kind.h"
#include "tools/tlbplugin/qemu_plugin_api.h"
#include "tools/tlbplugin/window.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = QEMU_PLUGIN_API_VERSION;

#define NO_SPA	      (~0ull)
#define MAX_CPUS      TRACEBOX_CPUS
#define KNOWN_ROOTS   64
#define SCAN_INTERVAL 20000 /* accesses between two failed RAM scans */

/* One modeled CPU's translation hardware, per vCPU (each has its own
 * TLBs): its TLBs, and a second instance whose page-walk caches serve the
 * nested dimension of 2-D walks. */
struct model {
	struct tlb *tlb, *npwc;
};

struct cpu_state {
	struct model model[MAX_MODELS]; /* created when the vCPU first runs */
	bool in_guest;
	struct window *win;
	char guest[TRACEBOX_NAME];
	const char *paging;
	uint32_t seq;
	uint64_t vmcb, hsave, guest_mem;
	uint32_t asid;
	bool cr3_exits, invlpg_exits, guest_pg;
	struct hw_paging hw;
	bool root_known;
	uint64_t roots[KNOWN_ROOTS]; /* most recent first */
	uint64_t last_exit;
	uint64_t accesses, next_scan;
};

/* What the plugin attaches to a translated block and instruction. */
struct tb_info {
	unsigned n;
	uintptr_t vmexit_point; /* its first instruction follows a VMRUN */
	uint64_t first, last;	/* first and last byte's virtual address */
};

struct insn_info {
	enum insn_kind kind;
	unsigned op, window;
	uintptr_t next_haddr;
};

static struct phys_mem ram;
static struct tracebox_cpu *box; /* found lazily in RAM */
static uint64_t box_pa = NO_SPA;
static const struct tlb_geometry *geometry[MAX_MODELS];
static const char *model_names[MAX_MODELS];
static unsigned nmodels;
static bool bare;
static const char *bare_label = "bare";
static FILE *out;
static struct cpu_state cpus[MAX_CPUS];
/* Host addresses of the instructions right after VMRUNs: translated ones
 * (a guest's too), and those after a VMRUN braid executed. */
static uintptr_t after_vmrun[64], vmexit_haddr[8];
static unsigned nafter_vmrun, nvmexit;

static bool vmexit_known(uintptr_t haddr)
{
	for (unsigned i = 0; i < nvmexit; i++)
		if (vmexit_haddr[i] == haddr)
			return true;
	return false;
}

static const char *const paging_names[] = { "unknown", "nested", "shadow",
					    "compound" };

/* --- RAM, the trace box and the VMCB ---------------------------------- */

static uint64_t ram64(uint64_t pa)
{
	uint64_t v = 0;

	phys_read64(&ram, pa, &v);
	return v;
}

/* The trace box: the word equal to TRACEBOX_MAGIC ^ its own address. */
static bool find_box(void)
{
	static bool refused;

	if (refused)
		return false;
	for (uint64_t pa = 0; pa + sizeof(struct tracebox) <= ram.size;
	     pa += 4096) {
		if (ram64(pa) == (TRACEBOX_MAGIC ^ pa)) {
			const struct tracebox *b =
				(const void *)(ram.base + pa);

			if (b->version != TRACEBOX_VERSION) {
				fprintf(stderr,
					"tlbplugin: trace box version %u, "
					"this plugin reads %u: rebuild both\n",
					b->version, TRACEBOX_VERSION);
				refused = true;
				return false;
			}
			box_pa = pa;
			box = (struct tracebox_cpu *)(ram.base + pa +
						      offsetof(struct tracebox,
							       cpu));
			return true;
		}
	}
	return false;
}

/* A VMCB field, by its name in arch/x86_64/vmcb.h. */
#define VMCB(pa, field)                                \
	vmcb_read((pa) + offsetof(struct vmcb, field), \
		  sizeof(((struct vmcb *)0)->field))

static uint64_t vmcb_read(uint64_t pa, size_t size)
{
	uint64_t v = 0;

	if (pa + size <= ram.size)
		memcpy(&v, ram.base + pa, size); /* x86: little-endian */
	return v;
}

/* --- The TLB models ---------------------------------------------------- */

static void flush_all(struct cpu_state *cs)
{
	for (unsigned m = 0; m < nmodels; m++)
		tlb_flush_all(cs->model[m].tlb);
	if (cs->win)
		cs->win->flushes++;
}

/* One space's entries; @keep_global: but its global ones, as a CR3 load
 * or TLB_CONTROL 7 does. */
static void flush_asid(struct cpu_state *cs, bool keep_global)
{
	for (unsigned m = 0; m < nmodels; m++) {
		if (keep_global)
			tlb_flush_nonglobal(cs->model[m].tlb, cs->asid);
		else
			tlb_flush_asid(cs->model[m].tlb, cs->asid);
	}
	if (cs->win)
		cs->win->flushes++;
}

static void remember_root(struct cpu_state *cs, uint64_t root)
{
	unsigned i;

	for (i = 0; i < KNOWN_ROOTS - 1 && cs->roots[i] != root; i++)
		;
	memmove(&cs->roots[1], &cs->roots[0], i * sizeof(cs->roots[0]));
	cs->roots[0] = root;
}

static bool lands(const struct hw_walk *w, uint64_t spa)
{
	return spa == NO_SPA || (w->spa >> 12) == (spa >> 12);
}

static bool try_root(struct cpu_state *cs, uint64_t root, uint64_t va,
		     uint64_t spa, struct hw_walk *w)
{
	struct hw_paging p = cs->hw;

	p.root_spa = root;
	p.root_gpa = HW_GPA_UNKNOWN;
	if (!hw_walk(&ram, &p, va, w) || !lands(w, spa))
		return false;
	cs->hw = p;
	cs->root_known = true;
	remember_root(cs, root);
	return true;
}

/* Root discovery: which top table translates @va to @spa? The known ones
 * first, then every page of RAM, at most once per SCAN_INTERVAL accesses
 * when it keeps failing. */
static bool discover_root(struct cpu_state *cs, uint64_t va, uint64_t spa,
			  struct hw_walk *w)
{
	for (unsigned i = 0; i < KNOWN_ROOTS && cs->roots[i]; i++)
		if (try_root(cs, cs->roots[i], va, spa, w))
			return true;
	if (cs->accesses < cs->next_scan)
		return false;
	if (cs->win)
		cs->win->root_scans++;
	for (uint64_t pa = 0; pa + 4096 <= ram.size; pa += 4096) {
		uint64_t e = ram64(pa + 8 * PT_INDEX(va, 4));

		if ((e & X86_PTE_P) && !(e & X86_PTE_PS) &&
		    try_root(cs, pa, va, spa, w))
			return true;
	}
	cs->next_scan = cs->accesses + SCAN_INTERVAL;
	return false;
}

/* One access: where it landed is asked of QEMU only when a walk needs
 * checking (a TLB miss), since asking costs more than the lookups. */
struct access {
	uint64_t va;
	bool insn;
	bool data_info; /* info is QEMU's: a data access */
	qemu_plugin_meminfo_t info;
	uint64_t spa; /* NO_SPA: not known (fetches), or not asked yet */
};

static uint64_t access_spa(struct access *a)
{
	struct qemu_plugin_hwaddr *hw;

	if (a->data_info && a->spa == NO_SPA) {
		hw = qemu_plugin_get_hwaddr(a->info, a->va);
		if (hw && !qemu_plugin_hwaddr_is_io(hw))
			a->spa = qemu_plugin_hwaddr_phys_addr(hw);
		a->data_info = false;
	}
	return a->spa;
}

/* The walk the hardware makes for the access; where QEMU says it landed
 * (unknown for fetches) checks it, and finds a new top table when the
 * known one is stale. */
static bool translate(struct cpu_state *cs, struct access *a, struct hw_walk *w)
{
	uint64_t spa;

	if (!cs->guest_pg)
		return false;
	spa = access_spa(a);
	if (cs->root_known && hw_walk(&ram, &cs->hw, a->va, w) && lands(w, spa))
		return true;
	if (spa == NO_SPA)
		return false;
	cs->root_known = false;
	return discover_root(cs, a->va, spa, w);
}

/* The nested dimension of a 2-D walk (APM Vol. 2 15.25.6): each
 * first-dimension table the walk read (the last @refs of them, the rest
 * came from the page-walk caches) and the final gPA take a nested walk,
 * itself shortened by the nested page-walk caches. */
static unsigned nested_refs(struct model *m, uint32_t asid,
			    const struct hw_walk *w, unsigned refs)
{
	unsigned n = 0;

	for (unsigned i = w->levels - refs; i < w->levels; i++)
		n += tlb_walk(m->npwc, asid, w->table_gpa[i],
			      w->table_nsize[i]);
	return n + tlb_walk(m->npwc, asid, w->gpa, w->data_nsize);
}

/* How many of the walk's first-dimension tables were braid's: all of
 * them under shadow paging (no nested paging: braid's tables are the
 * hardware's), those in the compound window (above the guest's RAM)
 * under nested paging, none bare. */
static unsigned braid_levels(const struct cpu_state *cs,
			     const struct hw_walk *w)
{
	unsigned n = 0;

	if (bare)
		return 0;
	if (!cs->hw.np)
		return w->levels;
	for (unsigned i = 0; i < w->levels; i++)
		n += w->table_gpa[i] >= cs->guest_mem &&
		     w->table_gpa[i] != HW_GPA_UNKNOWN; /* found by a scan */
	return n;
}

static void count_miss(struct cpu_state *cs, unsigned m, uint64_t va, bool insn,
		       bool walked, const struct hw_walk *w)
{
	struct window *win = cs->win;
	enum tlb_size size = walked ? w->size : TLB_4K;
	unsigned refs = tlb_fill(cs->model[m].tlb, cs->asid, va, size, insn,
				 walked && w->global);
	struct counts *c = &win->c[m];
	struct space *s;

	c->miss[!insn]++;
	c->miss_by_size[size]++;
	if (walked)
		c->miss_by_braid_levels[braid_levels(cs, w)]++;
	c->refs[!insn] += refs;
	if (walked && cs->hw.np)
		c->nested_refs[!insn] +=
			nested_refs(&cs->model[m], cs->asid, w, refs);
	s = cs->root_known ? window_space(win, cs->hw.root_spa) : NULL;
	if (s)
		s->miss[m]++;
	else
		win->other_space_miss[m]++;
}

/* One access of the guest's: look it up in every model; walk the tables
 * once if any of them misses. */
static void model_access(struct cpu_state *cs, struct access *a)
{
	struct hw_walk w;
	int walked = -1;

	cs->accesses++;
	for (unsigned m = 0; m < nmodels; m++) {
		cs->win->c[m].access[!a->insn]++;
		if (tlb_lookup(cs->model[m].tlb, cs->asid, a->va, a->insn) !=
		    TLB_MISS)
			continue;
		if (walked < 0) {
			walked = translate(cs, a, &w);
			if (!walked)
				cs->win->unwalkable++;
		}
		count_miss(cs, m, a->va, a->insn, walked, &w);
	}
}

/* --- The guest/braid boundary ------------------------------------------ */

static bool counting(const struct cpu_state *cs)
{
	return cs->win && (bare || cs->in_guest);
}

/* braid's VMRUN: read what the CPU is about to run the guest with. */
static void on_vmrun(struct cpu_state *cs, unsigned cpu)
{
	const struct tracebox_cpu *slot;
	uint64_t vmcb, cr3;
	uint8_t tlb_control;
	enum tlb_size top_size;

	if (!box && !find_box())
		return;
	slot = &box[cpu < TRACEBOX_CPUS ? cpu : 0];
	if (slot->seq != cs->seq) {
		cs->seq = slot->seq;
		memcpy(cs->guest, slot->guest, sizeof(cs->guest));
		cs->guest[sizeof(cs->guest) - 1] = '\0';
		cs->paging = paging_names[slot->paging <= 3 ? slot->paging : 0];
		cs->win = window_find_open(cs->guest);
	}
	vmcb = cs->vmcb = slot->vmcb;
	cs->hsave = slot->hsave;
	cs->guest_mem = slot->guest_mem;
	cs->asid = (uint32_t)VMCB(vmcb, control.guest_asid);
	/* Bit n of the CR write intercepts is CRn (APM Vol. 2 15.9). */
	cs->cr3_exits = VMCB(vmcb, control.intercept_cr_write) & BIT(3);
	cs->invlpg_exits =
		VMCB(vmcb, control.intercept_misc1) & INTERCEPT_INVLPG;
	/* TLB_CONTROL acts at this VMRUN (APM Vol. 2 15.16.2): 1 all, 3
	 * this ASID, 7 this ASID's non-global entries. */
	tlb_control = (uint8_t)VMCB(vmcb, control.tlb_control);
	if (tlb_control == TLB_CONTROL_FLUSH_ALL)
		flush_all(cs);
	else if (tlb_control)
		flush_asid(cs, tlb_control == 7);
	cs->guest_pg = VMCB(vmcb, save.cr0) & CR0_PG;
	cs->hw.np = VMCB(vmcb, control.nested_ctl) & NESTED_CTL_NP_ENABLE;
	cs->hw.ncr3 = VMCB(vmcb, control.n_cr3) & PTE_ADDR_MASK;
	cr3 = VMCB(vmcb, save.cr3) & PTE_ADDR_MASK;
	cs->hw.root_gpa = cr3;
	cs->hw.root_spa = cr3;
	cs->root_known =
		!cs->hw.np || npt_translate(&ram, cs->hw.ncr3, cr3,
					    &cs->hw.root_spa, &top_size);
	if (cs->root_known)
		remember_root(cs, cs->hw.root_spa);
	cs->in_guest = true;
}

/* The instruction after braid's VMRUN: the guest has exited. */
static void on_vmexit(struct cpu_state *cs)
{
	if (!cs->in_guest)
		return;
	cs->in_guest = false;
	cs->last_exit = VMCB(cs->vmcb, control.exitcode);
	if (cs->win) {
		cs->win->exits++;
		window_exit(cs->win, cs->last_exit)->n++;
	}
}

/* A CR3 load the guest makes. If braid intercepts it, what happens is up
 * to braid (the next VMRUN's CR3 and TLB_CONTROL say); otherwise it is a
 * real CR3 load: the entries go (no PCID) and the top table changes. */
static void on_mov_to_cr3(struct cpu_state *cs)
{
	if (cs->win)
		cs->win->cr3_loads++;
	if (!bare && cs->cr3_exits)
		return;
	flush_asid(cs, true);
	cs->root_known = false;
}

/* An INVLPG braid intercepts ends in braid's INVLPGA of that address
 * (counted the same way, insn_exec()) or a TLB_CONTROL flush the model
 * follows. One that runs in the guest names an address in registers the
 * plugin cannot read: the model keeps the entry, at most one missed flush
 * per such INVLPG, which the report counts ("invlpgs"). */
static void on_invlpg(struct cpu_state *cs)
{
	if (cs->win && (bare || !cs->invlpg_exits))
		cs->win->invlpgs++;
}

static void on_mark(struct cpu_state *cs, unsigned op, unsigned window)
{
	const char *guest = bare ? bare_label : cs->guest;

	if (op == BRAID_MARK_BEGIN) {
		if (cs->win)
			window_close(cs->win, out, model_names, nmodels, false);
		cs->win = window_open(guest, bare ? "native" : cs->paging,
				      window);
	} else if (op == BRAID_MARK_END && cs->win && cs->win->id == window) {
		window_close(cs->win, out, model_names, nmodels, true);
		cs->win = NULL;
	}
}

/* --- QEMU callbacks ------------------------------------------------------ */

static struct cpu_state *cpu_of(unsigned vcpu)
{
	struct cpu_state *cs = &cpus[vcpu < MAX_CPUS ? vcpu : 0];

	if (!cs->model[0].tlb) {
		for (unsigned m = 0; m < nmodels; m++) {
			cs->model[m].tlb = tlb_create(geometry[m]);
			cs->model[m].npwc = tlb_create(geometry[m]);
			if (!cs->model[m].tlb || !cs->model[m].npwc)
				abort(); /* out of memory: no model to run */
		}
	}
	return cs;
}

static void insn_exec(unsigned vcpu, void *ud)
{
	struct cpu_state *cs = cpu_of(vcpu);
	struct insn_info *ii = ud;

	switch (ii->kind) {
	case INSN_VMRUN:
		if (bare || cs->in_guest)
			return; /* a guest's own VMRUN: it exits */
		if (nvmexit < 8 && !vmexit_known(ii->next_haddr))
			vmexit_haddr[nvmexit++] = ii->next_haddr;
		on_vmrun(cs, vcpu);
		return;
	case INSN_MOV_TO_CR3:
		if (bare || cs->in_guest)
			on_mov_to_cr3(cs);
		return;
	case INSN_INVLPG:
		if (bare || cs->in_guest)
			on_invlpg(cs);
		return;
	case INSN_INVLPGA:
		/* braid flushing one page of the guest's ASID for it (an
		 * intercepted INVLPG): the same unknown address. */
		if (!bare && !cs->in_guest && cs->win)
			cs->win->invlpgs++;
		return;
	case INSN_MARK:
		if (bare || cs->in_guest)
			on_mark(cs, ii->op, ii->window);
		return;
	case INSN_OTHER: return;
	}
}

static void tb_exec(unsigned vcpu, void *ud)
{
	struct cpu_state *cs = cpu_of(vcpu);
	struct tb_info *ti = ud;
	struct access a = { .va = ti->first, .insn = true, .spa = NO_SPA };

	/* A block that starts right after braid's VMRUN runs after the
	 * #VMEXIT: this callback comes before any instruction's. */
	if (ti->vmexit_point && !bare && vmexit_known(ti->vmexit_point))
		on_vmexit(cs);
	if (!cs->win)
		return;
	if (!counting(cs)) {
		cs->win->host_insns += ti->n;
		window_exit(cs->win, cs->last_exit)->host_insns += ti->n;
		return;
	}
	cs->win->insns += ti->n;
	/* Fetches: one lookup per page the block spans (later fetches from
	 * the same page hit in the L1 ITLB). */
	model_access(cs, &a);
	if ((ti->last ^ ti->first) >> 12) {
		a.va = ti->last;
		model_access(cs, &a);
	}
}

/* The page of @pa is braid's VMCB or host save area. */
static bool braid_state_page(const struct cpu_state *cs, uint64_t pa)
{
	return (pa >> 12) == (cs->vmcb >> 12) ||
	       (pa >> 12) == (cs->hsave >> 12);
}

static void mem_exec(unsigned vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr,
		     void *ud)
{
	struct cpu_state *cs = cpu_of(vcpu);
	struct access a = { vaddr, false, true, info, NO_SPA };

	(void)ud;
	if (!counting(cs))
		return;
	/* QEMU's #VMEXIT saves the guest's state in the VMCB and reloads
	 * the host's before braid's next instruction runs, and reports
	 * those stores, by physical address, as the guest instruction's. A
	 * guest can reach neither page (NPT keeps braid's memory out of its
	 * reach): they are not the guest's. */
	if (!bare && braid_state_page(cs, vaddr) &&
	    braid_state_page(cs, access_spa(&a)))
		return;
	model_access(cs, &a);
}

static struct insn_info *insn_info(struct qemu_plugin_insn *insn)
{
	size_t size = qemu_plugin_insn_size(insn);
	struct insn_info *ii;
	unsigned op = 0, window = 0;
	enum insn_kind kind =
		insn_kind(qemu_plugin_insn_data(insn), size, &op, &window);

	if (kind == INSN_OTHER)
		return NULL;
	ii = calloc(1, sizeof(*ii));
	if (!ii)
		abort();
	*ii = (struct insn_info){
		kind, op, window, (uintptr_t)qemu_plugin_insn_haddr(insn) + size
	};
	if (kind == INSN_VMRUN && nafter_vmrun < 64)
		after_vmrun[nafter_vmrun++] = ii->next_haddr;
	return ii;
}

static bool after_a_vmrun(uintptr_t haddr)
{
	for (unsigned i = 0; i < nafter_vmrun; i++)
		if (after_vmrun[i] == haddr)
			return true;
	return false;
}

/* A block is translated: count it when it runs, watch its memory
 * accesses, and its special instructions. The small records leak when
 * QEMU drops a translation: a few bytes per block. */
static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	struct qemu_plugin_insn *first = qemu_plugin_tb_get_insn(tb, 0);
	struct qemu_plugin_insn *last = qemu_plugin_tb_get_insn(tb, n - 1);
	struct tb_info *ti = calloc(1, sizeof(*ti));
	uintptr_t h0 = (uintptr_t)qemu_plugin_insn_haddr(first);

	(void)id;
	if (!ti)
		abort();
	ti->n = (unsigned)n;
	ti->first = qemu_plugin_insn_vaddr(first);
	ti->last =
		qemu_plugin_insn_vaddr(last) + qemu_plugin_insn_size(last) - 1;
	ti->vmexit_point = after_a_vmrun(h0) ? h0 : 0;
	qemu_plugin_register_vcpu_tb_exec_cb(tb, tb_exec,
					     QEMU_PLUGIN_CB_NO_REGS, ti);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
		struct insn_info *ii = insn_info(insn);

		if (ii)
			qemu_plugin_register_vcpu_insn_exec_cb(
				insn, insn_exec, QEMU_PLUGIN_CB_NO_REGS, ii);
		qemu_plugin_register_vcpu_mem_cb(insn, mem_exec,
						 QEMU_PLUGIN_CB_NO_REGS,
						 QEMU_PLUGIN_MEM_RW, NULL);
	}
}

/* Windows still open when QEMU ends are reported too ("ended":false). */
static void at_exit(qemu_plugin_id_t id, void *ud)
{
	(void)id;
	(void)ud;
	window_close_all(out, model_names, nmodels);
	if (!box && !bare)
		fprintf(out, "tlbplugin: warning: no trace box found in RAM "
			     "(not braid, or no VMRUN ran)\n");
	fclose(out);
}

/* --- Installation ---------------------------------------------------------- */

static int fail(const char *what, const char *detail)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "tlbplugin: error: %s%s%s\n", what,
		 detail ? ": " : "", detail ? detail : "");
	/* QEMU's plugin log shows only with -d plugin: say it on stderr
	 * too, before QEMU's own "could not load plugin". */
	qemu_plugin_outs(msg);
	fputs(msg, stderr);
	return -1;
}

static int map_ram(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	void *p;

	if (fd < 0 || fstat(fd, &st))
		return fail("cannot open the RAM file (ram=)", path);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return fail("cannot map the RAM file", path);
	ram.base = p;
	ram.size = (uint64_t)st.st_size;
	return 0;
}

static int add_models(const char *list)
{
	char buf[128], *save = NULL, *name;

	snprintf(buf, sizeof(buf), "%s", list);
	for (name = strtok_r(buf, ",:", &save); name;
	     name = strtok_r(NULL, ",:", &save)) {
		const struct tlb_geometry *g = tlb_geometry_find(name);

		if (!g)
			return fail("unknown cpu= (known: skylake zen2)", name);
		if (nmodels == MAX_MODELS)
			return fail("too many cpu= models", name);
		geometry[nmodels] = g;
		model_names[nmodels++] = g->name;
	}
	return 0;
}

static int parse_option(const char *arg, const char **ram_path,
			const char **out_path, const char **cpu_list)
{
	const char *eq = strchr(arg, '=');
	size_t klen = eq ? (size_t)(eq - arg) : 0;
	const char *val = eq ? eq + 1 : "";

	if (klen == 3 && !strncmp(arg, "ram", 3))
		*ram_path = val;
	else if (klen == 3 && !strncmp(arg, "out", 3))
		*out_path = val;
	else if (klen == 3 && !strncmp(arg, "cpu", 3))
		*cpu_list = val;
	else if (klen == 5 && !strncmp(arg, "label", 5))
		bare_label = val;
	else if (klen == 4 && !strncmp(arg, "bare", 4) &&
		 (!strcmp(val, "on") || !strcmp(val, "off")))
		bare = !strcmp(val, "on");
	else
		return fail("unknown option (known: ram=, out=, cpu=, "
			    "bare=on|off, label=)",
			    arg);
	return 0;
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info, int argc,
					   char **argv)
{
	const char *ram_path = NULL, *out_path = NULL;
	const char *cpu_list = "skylake,zen2";

	if (info->version.min > QEMU_PLUGIN_API_VERSION ||
	    info->version.cur < QEMU_PLUGIN_API_VERSION)
		return fail("this QEMU's plugin API is not version 1", NULL);
	if (!info->system_emulation || strcmp(info->target_name, "x86_64"))
		return fail("needs qemu-system-x86_64", info->target_name);
	for (int i = 0; i < argc; i++)
		if (parse_option(argv[i], &ram_path, &out_path, &cpu_list))
			return -1;
	if (!ram_path)
		return fail("ram=FILE is required (the memory-backend-file "
			    "QEMU backs RAM with)",
			    NULL);
	if (map_ram(ram_path) || add_models(cpu_list))
		return -1;
	/* Bare, the guest is taken to page (long mode) inside its windows. */
	for (unsigned i = 0; i < MAX_CPUS; i++)
		cpus[i].guest_pg = bare;
	out = out_path ? fopen(out_path, "w") : stderr;
	if (!out)
		return fail("cannot write out=", out_path);
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
