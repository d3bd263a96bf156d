// SPDX-License-Identifier: MIT
/*
 * smp: the guest side of SMP. Finds the CPUs in the ACPI MADT or the MP
 * table, starts the
 * APs (INIT-SIPI-SIPI into a real-mode trampoline, rt/smp.c), prints
 * "smp: N cpus", then runs from every CPU at once:
 *
 *  1. locked counters: LOCK XADD and a LOCK CMPXCHG loop on two shared
 *     words from all CPUs; the totals must be exact.
 *  2. IPIs (SDM Vol. 3A 11.6): a fixed IPI to each AP reaches it and no
 *     one else, an AP's fixed IPI reaches the BSP, the all-excluding-self
 *     shorthand reaches each AP once and not the sender, an NMI IPI (to
 *     one, and by shorthand) runs each AP's NMI handler.
 *  3. churn with TLB shootdown: the BSP maps, unmaps, remaps and changes
 *     permissions of a shared window while the APs read through it. Each
 *     change is published with a per-slot sequence number (odd while it
 *     changes) and finished by a shootdown (rt/shootdown.c, SDM 4.10.5);
 *     a frame is rewritten (reused) only after all CPUs acknowledged. A
 *     reader whose read fell in one stable generation must see the frame
 *     that generation names: a stale translation shows the reused frame's
 *     new contents instead. Now and then the BSP also moves the window's
 *     page table to a fresh page (same mappings) and clears the old one.
 *  4. A/D bits: all CPUs write (LOCK INC) the even pages and read the odd
 *     ones of a freshly mapped set; every PTE must have A, the written
 *     ones D, the read-only ones no D, and the counters must be exact.
 *  5. INIT to a running AP stops it: CPU 1 counts in a loop without
 *     exits, and its count stands still once the INIT has landed.
 *
 * With one CPU (no MP table, or one processor listed) every test runs on
 * the BSP alone and the checks that need a second CPU are skipped.
 *
 * `-- x2apic` first puts every CPU in x2APIC mode (SDM Vol. 3A 11.12) and
 * checks that it is, so that the tests above reach the APICs through
 * MSRs: the ICR as one 64-bit register, INIT-SIPI-SIPI included.
 *
 * `-- ap-triple` instead makes the first AP triple-fault (no IDT, then a
 * fault) while the BSP keeps running: the hypervisor must stop the whole
 * guest by name and stay up.
 */
#include "rt.h"
#include "lapic.h"
#include "shootdown.h"
#include "tsc.h"
#include "smp.h"

#define START_MS 2000	/* for an AP to check in after its SIPIs */
#define ACK_MS	 5000	/* for IPIs and shootdown acknowledgements */
#define WORK_MS	 120000 /* for the APs to finish a test (Bochs is slow) */
#define QUIET_MS 20	/* after an IPI: time for a wrong one to land */

/* --- Helpers ------------------------------------------------------------ */

/* xorshift64, one state per caller: runs can be replayed. */
static u64 rand_next(u64 *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void mfence(void)
{
	asm volatile("mfence" : : : "memory");
}

/* --- 1. Locked counters ------------------------------------------------- */

#define COUNT_ITERS 20000

static volatile u64 xadd_total, cmpxchg_total;

static u64 lock_xadd(volatile u64 *p, u64 add)
{
	asm volatile("lock xaddq %0, %1" : "+r"(add), "+m"(*p) : : "memory");
	return add;
}

/* LOCK CMPXCHG: *p = new if *p == *old; else *old = *p (SDM Vol. 2A). */
static bool lock_cmpxchg(volatile u64 *p, u64 *old, u64 new)
{
	bool ok;

	asm volatile("lock cmpxchgq %3, %1"
		     : "+a"(*old), "+m"(*p), "=@ccz"(ok)
		     : "r"(new)
		     : "memory");
	return ok;
}

static void count_locked(unsigned int cpu)
{
	unsigned int i;
	u64 old;

	(void)cpu;
	for (i = 0; i < COUNT_ITERS; i++) {
		lock_xadd(&xadd_total, 1);
		old = cmpxchg_total;
		while (!lock_cmpxchg(&cmpxchg_total, &old, old + 1))
			;
	}
}

static void test_locked_counters(void)
{
	u64 want = (u64)smp_ncpus * COUNT_ITERS;

	smp_post(count_locked);
	count_locked(0);
	report(smp_wait(WORK_MS), "counters: every CPU finished");
	report(xadd_total == want, "counters: LOCK XADD total %lu (want %lu)",
	       xadd_total, want);
	report(cmpxchg_total == want,
	       "counters: LOCK CMPXCHG total %lu (want %lu)", cmpxchg_total,
	       want);
}

/* --- 2. IPIs ------------------------------------------------------------ */

#define FIXED_VEC 0x50
#define BCAST_VEC 0x51

static volatile u32 fixed_hits[SMP_MAX_CPUS], bcast_hits[SMP_MAX_CPUS];
static volatile u32 nmi_hits[SMP_MAX_CPUS];

static void fixed_handler(struct trap_frame *tf)
{
	(void)tf;
	fixed_hits[smp_cpu_index()]++;
	lapic_eoi();
}

static void bcast_handler(struct trap_frame *tf)
{
	(void)tf;
	bcast_hits[smp_cpu_index()]++;
	lapic_eoi();
}

static void nmi_handler(struct trap_frame *tf)
{
	(void)tf;
	nmi_hits[smp_cpu_index()]++;
}

static u32 sum(volatile u32 *hits)
{
	u32 s = 0;
	unsigned int i;

	for (i = 0; i < smp_ncpus; i++)
		s += hits[i];
	return s;
}

/* Send icr_lo to AP i; it must count once in hits[i], no one else at all. */
static void ipi_to_one(unsigned int i, u32 icr_lo, volatile u32 *hits,
		       const char *what)
{
	u32 before = hits[i], total = sum(hits);
	bool sent = lapic_send_ipi(smp_cpus[i].apic_id, icr_lo, ACK_MS);
	bool got = spin_until_at_least(&hits[i], before + 1, ACK_MS);

	irq_on(); /* a stray one to the BSP must be able to land */
	tsc_delay_ms(QUIET_MS);
	irq_off();
	report(sent && got && sum(hits) == total + 1,
	       "ipi: %s to cpu %u reaches it alone (sent %d, got %u, "
	       "others %u)",
	       what, i, sent, hits[i] - before, sum(hits) - total - 1);
}

static void send_to_bsp(unsigned int cpu)
{
	if (cpu == 1)
		lapic_send_ipi(smp_cpus[0].apic_id, ICR_FIXED | FIXED_VEC,
			       ACK_MS);
}

static void ipi_ap_to_bsp(void)
{
	u32 before = fixed_hits[0];
	bool got;

	irq_on();
	smp_post(send_to_bsp);
	got = spin_until_at_least(&fixed_hits[0], before + 1, ACK_MS);
	irq_off();
	report(smp_wait(ACK_MS) && got,
	       "ipi: fixed from cpu 1 reaches the BSP");
}

/* The shorthand (ICR bits 19:18 = 11) needs no destination field. */
static void ipi_others(u32 icr_lo, volatile u32 *hits, const char *what)
{
	u32 before[SMP_MAX_CPUS];
	unsigned int i, wrong = 0;
	bool sent;

	for (i = 0; i < smp_ncpus; i++)
		before[i] = hits[i];
	sent = lapic_send_ipi(0, ICR_DEST_OTHERS | icr_lo, ACK_MS);
	for (i = 1; i < smp_ncpus; i++)
		spin_until_at_least(&hits[i], before[i] + 1, ACK_MS);
	irq_on();
	tsc_delay_ms(QUIET_MS);
	irq_off();
	for (i = 0; i < smp_ncpus; i++)
		wrong += hits[i] - before[i] != (i ? 1U : 0U);
	report(sent && !wrong,
	       "ipi: %s to all excluding self: once on each of %u others, "
	       "none here (%u CPUs wrong)",
	       what, smp_ncpus - 1, wrong);
}

/*
 * An NMI is blocked from its delivery until the next IRET (SDM Vol. 3A
 * 6.7.1): one this CPU sends itself from inside its NMI handler must wait
 * for the handler's IRET, and must not interrupt the handler's exit path
 * (isr_common up to and including its IRETQ) either. Sent to its own
 * APIC ID: the self shorthand carries fixed interrupts only (SDM Vol. 3A
 * 11.6.1, the valid ICR combinations).
 */
extern const char isr_common[], isr_iret[];
static volatile u32 self_nmis, nested_nmis, nmi_depth;

static void self_nmi_handler(struct trap_frame *tf)
{
	/* Inside the C handler (depth), or on the way out through the
	 * common stub after it (the frame's RIP). */
	if (nmi_depth ||
	    (tf->rip >= (u64)isr_common && tf->rip <= (u64)isr_iret))
		nested_nmis++;
	nmi_depth++;
	if (self_nmis++ == 0) {
		lapic_send_ipi(lapic_id(), ICR_DM_NMI, ACK_MS);
		tsc_delay_ms(1); /* room for a wrong one to land here */
	}
	nmi_depth--;
}

static void nmi_in_nmi(void)
{
	bool got;

	self_nmis = nested_nmis = 0;
	nmi_set_handler(self_nmi_handler);
	lapic_send_ipi(lapic_id(), ICR_DM_NMI, ACK_MS);
	irq_on(); /* the IRET restores IF: a hypervisor may wait for that */
	got = spin_until_at_least(&self_nmis, 2, ACK_MS);
	irq_off();
	nmi_set_handler(nmi_handler);
	report(got && !nested_nmis,
	       "ipi: an NMI sent from the NMI handler waits for its IRET "
	       "(%u taken, %u inside the handler)",
	       self_nmis, nested_nmis);
}

static void test_ipis(void)
{
	unsigned int i;

	irq_set_handler(FIXED_VEC, fixed_handler);
	irq_set_handler(BCAST_VEC, bcast_handler);
	nmi_set_handler(nmi_handler);
	for (i = 1; i < smp_ncpus; i++)
		ipi_to_one(i, ICR_FIXED | FIXED_VEC, fixed_hits, "fixed");
	for (i = 1; i < smp_ncpus; i++)
		ipi_to_one(i, ICR_DM_NMI, nmi_hits, "NMI");
	if (smp_ncpus > 1)
		ipi_ap_to_bsp();
	else
		report_skip("ipi: to one CPU, from an AP: no other CPU");
	ipi_others(ICR_FIXED | BCAST_VEC, bcast_hits, "fixed");
	ipi_others(ICR_DM_NMI, nmi_hits, "NMI");
	nmi_in_nmi();
}

/* --- 3. Churn with TLB shootdown ---------------------------------------- */

#define WIN_VA	    0x20000000000UL /* 2 TiB: outside the identity map */
#define SLOTS	    32
#define FRAMES	    48
#define CHURN_STEPS 1500
#define HOT_VA	    (WIN_VA + SLOTS * PAGE_SIZE) /* see step_hot() */
#define NO_FRAME    (-1)
#define TAG(f, ver) (0x5eed000000000000UL | (u64)(f) << 32 | (ver))

static pte_t *space;
static u64 frame_pa[FRAMES];
static bool frame_busy[FRAMES];	       /* the BSP's own bookkeeping */
static volatile u32 frame_ver[FRAMES]; /* changes only while unmapped */
static volatile u32 slot_seq[SLOTS];   /* odd: the slot is changing */
static volatile int slot_frame[SLOTS];
static volatile u32 churn_stop;
static unsigned int shootdown_failures, bsp_errors;

struct reader {
	u64 checked, skipped, stale;
	u64 bad_va, bad_got, bad_want;
};

static struct reader readers[SMP_MAX_CPUS];

static u64 slot_va(unsigned int s)
{
	return WIN_VA + s * PAGE_SIZE;
}

/* A frame's first and last word name it and its version. */
static void frame_retag(int f)
{
	volatile u64 *p = (volatile u64 *)frame_pa[f];
	u64 tag = TAG(f, ++frame_ver[f]);

	p[0] = tag;
	p[511] = ~tag;
}

/*
 * One read in one stable generation, with interrupts off: a shootdown
 * IPI cannot be acknowledged in the middle of it, so once the BSP has its
 * acknowledgements no reader is still inside a read that began before.
 */
static void read_slot(struct reader *r, unsigned int s)
{
	u32 seq = __atomic_load_n(&slot_seq[s], __ATOMIC_ACQUIRE);
	volatile u64 *p = (volatile u64 *)slot_va(s);
	u64 want, v0, v1;
	int f = slot_frame[s];

	if ((seq & 1) || f == NO_FRAME) {
		r->skipped++;
		return;
	}
	want = TAG(f, frame_ver[f]);
	v0 = p[0];
	v1 = p[511];
	mfence(); /* the page walk and the reads before the re-check */
	if (slot_seq[s] != seq) {
		r->skipped++;
		return;
	}
	r->checked++;
	if (v0 == want && v1 == ~want)
		return;
	if (!r->stale++) {
		r->bad_va = slot_va(s);
		r->bad_got = v0;
		r->bad_want = want;
	}
}

static void churn_reader(unsigned int cpu)
{
	u64 rng = 0x9e3779b97f4a7c15UL * (cpu + 1);
	struct reader *r = &readers[cpu];

	while (!__atomic_load_n(&churn_stop, __ATOMIC_ACQUIRE)) {
		irq_off();
		read_slot(r, rand_next(&rng) % SLOTS);
		(void)*(volatile u64 *)HOT_VA; /* always mapped */
		irq_on();
	}
}

/* Now and then a full flush, as Linux does past a few pages. */
static void shootdown(unsigned int s, u64 *rng)
{
	u64 va = rand_next(rng) % 8 ? slot_va(s) : FLUSH_ALL;

	if (!tlb_shootdown(va, ACK_MS))
		shootdown_failures++;
}

static void change_begin(unsigned int s)
{
	__atomic_fetch_add(&slot_seq[s], 1, __ATOMIC_SEQ_CST);
}

static void change_end(unsigned int s, int f)
{
	slot_frame[s] = f;
	__atomic_fetch_add(&slot_seq[s], 1, __ATOMIC_SEQ_CST);
}

static int free_frame(u64 *rng)
{
	int f = (int)(rand_next(rng) % FRAMES), n;

	for (n = 0; n < FRAMES && frame_busy[f]; n++)
		f = (f + 1) % FRAMES;
	return frame_busy[f] ? NO_FRAME : f;
}

static u64 random_flags(u64 *rng)
{
	u64 flags = PTE_P | (rand_next(rng) & (PTE_W | PTE_U));

	if (cpu_has_nx() && rand_next(rng) % 2)
		flags |= PTE_NX;
	return flags;
}

/* Not-present entries are never cached (SDM 4.10.2.3): no flush needed. */
static void step_map(unsigned int s, u64 *rng)
{
	int f = free_frame(rng);

	if (f == NO_FRAME)
		return;
	frame_busy[f] = true;
	change_begin(s);
	vm_map(space, slot_va(s), frame_pa[f], PG_4K, random_flags(rng));
	change_end(s, f);
}

/*
 * Two rounds: the first makes sure no reader is inside a read of the old
 * generation (one would fault once the entry is gone, as a Linux thread
 * would wait on the page-table lock); the second flushes the cleared one.
 */
static void step_unmap(unsigned int s, u64 *rng)
{
	int old = slot_frame[s];

	change_begin(s);
	shootdown(s, rng);
	vm_unmap(space, slot_va(s), PG_4K);
	shootdown(s, rng);
	change_end(s, NO_FRAME);
	frame_retag(old); /* reuse only after every acknowledgement */
	frame_busy[old] = false;
}

/*
 * After the shootdown that ends a change, the entry must still be what the
 * BSP wrote. A CPU's page walk sets A in the entry it read, and must do
 * so atomically (SDM Vol. 3A 4.8); done as a plain read and write, a walk
 * that read the old entry puts it back over the new one. Counted, and
 * written again so that the test goes on.
 */
static unsigned int overwritten;

/*
 * The same race made likely: one "hot" page the readers read all the
 * time, remapped by the BSP between two frames of equal contents (so any
 * read is right) with A clear, right after a shootdown has made every
 * reader walk the entry again. A walk that read the old entry and writes
 * it back with A set, after the BSP's store, leaves the old frame mapped.
 */
static u64 hot_pa[2];
static unsigned int hot_cur;

static void step_hot(void)
{
	pte_t *e = vm_entry(space, HOT_VA, PG_4K, false);
	unsigned int next = hot_cur ^ 1;

	if (!tlb_shootdown(HOT_VA, ACK_MS)) /* the readers walk again now */
		shootdown_failures++;
	__atomic_store_n(e, hot_pa[next] | PTE_P | PTE_W, __ATOMIC_SEQ_CST);
	if (!tlb_shootdown(HOT_VA, ACK_MS))
		shootdown_failures++;
	hot_cur = next;
	if ((*e & PTE_ADDR) == hot_pa[next])
		return;
	if (!overwritten++)
		printf("  hot page: entry %#lx after the change, want frame "
		       "%#lx\n",
		       *e, hot_pa[next]);
	__atomic_store_n(e, hot_pa[next] | PTE_P | PTE_W, __ATOMIC_SEQ_CST);
	if (!tlb_shootdown(HOT_VA, ACK_MS))
		shootdown_failures++;
}

static void check_entry(unsigned int s, int f, u64 flags, u64 *rng)
{
	pte_t *e = vm_entry(space, slot_va(s), PG_4K, false);

	if (e && (*e & (PTE_ADDR | PTE_P)) == (frame_pa[f] | PTE_P))
		return;
	if (!overwritten++)
		printf("  slot %u: entry %#lx after the change, want frame "
		       "%#lx\n",
		       s, e ? *e : 0UL, frame_pa[f]);
	vm_map(space, slot_va(s), frame_pa[f], PG_4K, flags);
	shootdown(s, rng);
}

static void step_remap(unsigned int s, u64 *rng)
{
	int old = slot_frame[s], f = free_frame(rng);
	u64 flags = random_flags(rng);

	if (f == NO_FRAME)
		return;
	frame_busy[f] = true;
	change_begin(s);
	vm_map(space, slot_va(s), frame_pa[f], PG_4K, flags);
	shootdown(s, rng);
	check_entry(s, f, flags, rng);
	change_end(s, f);
	frame_retag(old);
	frame_busy[old] = false;
}

/* R/W, U/S and XD flip; a CPL-0 read works under each (SMAP is off). */
static void step_protect(unsigned int s, u64 *rng)
{
	u64 flags = random_flags(rng);

	change_begin(s);
	vm_map(space, slot_va(s), frame_pa[slot_frame[s]], PG_4K, flags);
	shootdown(s, rng);
	check_entry(s, slot_frame[s], flags, rng);
	change_end(s, slot_frame[s]);
}

/*
 * Now and then the BSP moves the window's page table to another page, as
 * a kernel does when it frees or replaces a table: the copy maps the same
 * frames, so every read stays right; the old page is cleared once every
 * CPU acknowledged the shootdown, so a CPU still walking it would fault.
 * Under shadow and compound paging the hypervisor drops its copy of the
 * old table at once, while the readers run, and may reuse that memory
 * only after they all forgot it.
 */
static pte_t *spare_table;
static unsigned int table_moves;

static void step_move_table(void)
{
	pte_t *pde = vm_entry(space, WIN_VA, PG_2M, false), *old;
	u64 i;

	if (!pde || (*pde & (PTE_P | PTE_PS)) != PTE_P)
		return;
	old = (pte_t *)(*pde & PTE_ADDR);
	for (i = 0; i < PAGE_SIZE / sizeof(pte_t); i++)
		spare_table[i] = old[i];
	__atomic_store_n(pde, (*pde & ~PTE_ADDR) | (u64)spare_table,
			 __ATOMIC_SEQ_CST);
	if (!tlb_shootdown(FLUSH_ALL, ACK_MS))
		shootdown_failures++;
	memset(old, 0, PAGE_SIZE);
	spare_table = old;
	table_moves++;
}

static void churn_step(u64 *rng)
{
	unsigned int s = rand_next(rng) % SLOTS, op = rand_next(rng) % 3;
	struct reader self = { 0 };

	if (rand_next(rng) % 16 == 0)
		step_move_table();
	if (rand_next(rng) % 2 == 0)
		step_hot();
	if (slot_frame[s] == NO_FRAME)
		step_map(s, rng);
	else if (op == 0)
		step_unmap(s, rng);
	else if (op == 1)
		step_remap(s, rng);
	else
		step_protect(s, rng);
	read_slot(&self, s);
	if (self.stale && !bsp_errors++)
		printf("  BSP read %#lx: got %#lx, want %#lx\n", self.bad_va,
		       self.bad_got, self.bad_want);
}

static void churn_setup(void)
{
	unsigned int s;
	int f;

	for (f = 0; f < FRAMES; f++) {
		frame_pa[f] = (u64)page_alloc();
		frame_retag(f);
	}
	for (s = 0; s < SLOTS; s++)
		slot_frame[s] = NO_FRAME;
	spare_table = page_alloc();
	table_moves = 0;
	overwritten = 0;
	hot_pa[0] = (u64)page_alloc(); /* what they hold does not matter */
	hot_pa[1] = (u64)page_alloc();
	hot_cur = 0;
	vm_map(space, HOT_VA, hot_pa[0], PG_4K, PTE_P | PTE_W);
}

static void report_readers(void)
{
	unsigned int i;

	for (i = 1; i < smp_ncpus; i++) {
		struct reader *r = &readers[i];

		report(r->checked > 0 && !r->stale,
		       "churn: cpu %u saw no stale translation (%lu of %lu "
		       "reads in a stable generation wrong)",
		       i, r->stale, r->checked);
		if (r->stale)
			printf("  first: %#lx read %#lx, want %#lx\n",
			       r->bad_va, r->bad_got, r->bad_want);
	}
	if (smp_ncpus == 1)
		report_skip("churn: concurrent readers: no other CPU");
}

static void test_churn(void)
{
	u64 rng = 0x2545f4914f6cdd1dUL;
	unsigned int i, received = 0;

	churn_setup();
	churn_stop = 0;
	smp_post(churn_reader);
	for (i = 0; i < CHURN_STEPS; i++)
		churn_step(&rng);
	__atomic_store_n(&churn_stop, 1, __ATOMIC_RELEASE);
	report(smp_wait(WORK_MS), "churn: readers stopped");
	for (i = 1; i < smp_ncpus; i++)
		received += shootdowns_received[i];
	report(!shootdown_failures,
	       "churn: %u steps, every shootdown acknowledged (%u IPIs "
	       "handled, %u rounds timed out)",
	       CHURN_STEPS, received, shootdown_failures);
	report(table_moves > 0,
	       "churn: the window's page table moved %u times under the "
	       "readers",
	       table_moves);
	report(!overwritten,
	       "churn: every entry stayed as the BSP wrote it (%u put back "
	       "by a page walk's A/D update)",
	       overwritten);
	report(!bsp_errors,
	       "churn: the BSP read each slot right after its "
	       "change (%u wrong)",
	       bsp_errors);
	report_readers();
}

/* --- 4. A/D bits from several CPUs -------------------------------------- */

#define AD_VA	   0x28000000000UL
#define AD_PAGES   16
#define AD_ROUNDS  8
#define AD_TOUCHES 64

static u64 ad_pa[AD_PAGES];

/* Even pages are written (LOCK INC), odd ones only read; each CPU starts
 * at a different page so that the walks collide on different entries. */
static void ad_touch(unsigned int cpu)
{
	unsigned int t, i;

	for (t = 0; t < AD_TOUCHES; t++) {
		for (i = 0; i < AD_PAGES; i++) {
			unsigned int p = (cpu + i + t) % AD_PAGES;
			volatile u64 *w =
				(volatile u64 *)(AD_VA + p * PAGE_SIZE);

			if (p % 2 == 0)
				asm volatile("lock incq %0"
					     : "+m"(*w)
					     :
					     : "memory");
			else
				(void)*w;
		}
	}
}

/* Fresh entries (A = D = 0) flushed everywhere, then everyone touches. */
static unsigned int ad_round(void)
{
	unsigned int p, wrong = 0;

	for (p = 0; p < AD_PAGES; p++)
		vm_map(space, AD_VA + p * PAGE_SIZE, ad_pa[p], PG_4K,
		       PTE_P | PTE_W);
	if (!tlb_shootdown(FLUSH_ALL, ACK_MS))
		shootdown_failures++;
	smp_post(ad_touch);
	ad_touch(0);
	if (!smp_wait(WORK_MS))
		return AD_PAGES;
	for (p = 0; p < AD_PAGES; p++) {
		pte_t e = *vm_entry(space, AD_VA + p * PAGE_SIZE, PG_4K, false);
		bool d_want = p % 2 == 0;

		wrong += !(e & PTE_A) || !!(e & PTE_D) != d_want;
	}
	return wrong;
}

static void test_ad_bits(void)
{
	unsigned int r, p, wrong = 0, bad_counts = 0;
	u64 want = (u64)AD_ROUNDS * smp_ncpus * AD_TOUCHES;

	for (p = 0; p < AD_PAGES; p++)
		ad_pa[p] = (u64)page_alloc();
	shootdown_failures = 0;
	for (r = 0; r < AD_ROUNDS; r++)
		wrong += ad_round();
	for (p = 0; p < AD_PAGES; p += 2)
		bad_counts += *(volatile u64 *)ad_pa[p] != want;
	report(!wrong && !shootdown_failures,
	       "a/d: %u rounds on %u CPUs: A on every PTE, D exactly on the "
	       "written ones (%u PTEs wrong)",
	       AD_ROUNDS, smp_ncpus, wrong);
	report(!bad_counts, "a/d: LOCK INC counters exact (%u of %u wrong)",
	       bad_counts, AD_PAGES / 2);
}

/* --- Main --------------------------------------------------------------- */

static void start_cpus(void)
{
	struct mp_cpus mp;
	unsigned int n, listed;

	n = smp_boot(&mp, START_MS);
	listed = mp.n ? mp.n : 1;
	if (mp.table_pa)
		report_info("%s at %#lx: %u CPUs, BSP APIC %u", mp.source,
			    mp.table_pa, mp.n, smp_cpus[0].apic_id);
	printf("smp: %u cpus\n", n);
	report(n == listed, "start: %u of the %u CPUs listed are running", n,
	       listed);
}

/* --- INIT to a running AP ---------------------------------------------- */

/*
 * INIT stops a CPU where it is, and it waits for a SIPI (SDM Vol. 3A
 * 9.4.4, 11.6.1): CPU 1 counts in a loop that makes no exit of its own
 * (no PAUSE, no I/O), the BSP sends it INIT, lets it settle, and the
 * count must stand still from then on. Run last: CPU 1 stays stopped.
 */
static volatile u64 init_spins;

static void spin_counting(unsigned int cpu)
{
	if (cpu != 1)
		return;
	for (;;)
		__atomic_add_fetch(&init_spins, 1, __ATOMIC_RELAXED);
}

static void test_init_stops_ap(void)
{
	u64 t0, before, after;
	bool sent;

	if (smp_ncpus < 2) {
		report_skip("init: to a running AP: no other CPU");
		return;
	}
	smp_post(spin_counting);
	for (t0 = rdtsc();
	     init_spins < 1000 && rdtsc() - t0 < ACK_MS * tsc_per_ms();)
		asm volatile("pause");
	sent = lapic_send_ipi(smp_cpus[1].apic_id,
			      ICR_DM_INIT | ICR_LEVEL | ICR_ASSERT, ACK_MS);
	tsc_delay_ms(QUIET_MS);
	before = init_spins;
	tsc_delay_ms(5 * QUIET_MS);
	after = init_spins;
	report(sent && before >= 1000 && after == before,
	       "init: an INIT stops a running AP (%lu counts before, %lu "
	       "after it settled)",
	       before, after - before);
}

/* x2apic: every CPU in x2APIC mode, and its ID as the MSR reads it. */
static volatile u32 in_x2apic[SMP_MAX_CPUS];

static void note_x2apic(unsigned int cpu)
{
	in_x2apic[cpu] =
		lapic_in_x2apic() && lapic_id() == smp_cpus[cpu].apic_id;
}

static void test_x2apic_mode(void)
{
	unsigned int i, n = 0;

	note_x2apic(0);
	smp_post(note_x2apic);
	smp_wait(WORK_MS);
	for (i = 0; i < smp_ncpus; i++)
		n += in_x2apic[i];
	report(n == smp_ncpus,
	       "x2apic: %u of %u CPUs in x2APIC mode, each reading its own ID",
	       n, smp_ncpus);
}

/* An AP with no IDT takes a fault: a triple fault (SDM Vol. 3A 6.15,
 * interrupt 8), which shuts the CPU down. */
static void triple_fault(unsigned int cpu)
{
	static const struct {
		u16 limit;
		u64 base;
	} __attribute__((packed)) no_idt = { 0, 0 };

	if (cpu != 1)
		return;
	asm volatile("lidt %0; ud2" : : "m"(no_idt));
}

static void ap_triple(void)
{
	smp_post(triple_fault);
	/* Still running here when the AP shuts down: braid stops us. */
	smp_wait(WORK_MS);
	report(false, "ap-triple: still running after the AP's triple fault");
}

void guest_main(void)
{
	bool x2apic = boot.cmdline && cmdline_has(boot.cmdline, "x2apic");

	space = vm_create();
	vm_switch(space); /* every CPU shares it: the APs start on this CR3 */
	/* x2apic: the same tests with every APIC register an MSR. */
	if (x2apic && !lapic_use_x2apic()) {
		report(false, "x2apic: CPUID does not offer x2APIC mode");
		return;
	}
	start_cpus();
	if (x2apic)
		test_x2apic_mode();
	if (boot.cmdline && cmdline_has(boot.cmdline, "ap-triple")) {
		ap_triple();
		return;
	}
	shootdown_init();
	test_locked_counters();
	test_ipis();
	test_churn();
	test_ad_bits();
	test_init_stops_ap();
}
