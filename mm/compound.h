/* SPDX-License-Identifier: MIT */
/*
 * The compound-paging policy: which guest page-table pages are mirrored
 * (shadow entries, write-protected in EPT/NPT) and which the CPU walks
 * itself (nested entries), and when each moves to the other kind.
 *
 *   shadow -> nested  a table page written more than cp_writes times
 *                     within cp_window
 *   nested -> shadow  a nested entry left alone for cp_quiet is dropped;
 *                     the next walk mirrors (and protects) the table
 *                     again, which samples whether it is still written.
 *                     Each return to shadow doubles that page's quiet
 *                     time (up to 2^6), so a page cannot oscillate.
 *
 * Time is the caller's clock, in its ticks (now, knobs.window, knobs.quiet
 * and compound_next_scan() alike): hv/mmu.c gives it the guest's own
 * running time, the TSC ticks spent in the guest, with the knobs given in
 * microseconds. Guest time, not exits: a quiet nested table returns to
 * shadow even in a guest that makes no exits (braid's timer brings it
 * back for the scan), a guest that exits often does not age its tables
 * faster, and time braid spends in exits or the guest spends halted does
 * not count. Under Bochs the TSC counts instructions, so a run repeats
 * exactly.
 *
 * cp_start=nested makes every table braid has not seen before start nested
 * (cheap for short-lived address spaces, which then never trap); it
 * returns to shadow by the quiet rule above.
 */
#ifndef MM_COMPOUND_H
#define MM_COMPOUND_H

#include "mm/shadow.h"

#define CP_WRITES_DEFAULT 8
#define CP_WINDOW_DEFAULT 80000 /* us: 2000 exits at the toy workloads' rate */
#define CP_QUIET_DEFAULT  8000000 /* us: 200000 exits at that rate */
#define CP_MAX_NESTED	  4096 /* nested entries tracked for return to shadow */

struct compound_knobs {
	u32 writes;	   /* cp_writes= */
	u64 window;	   /* cp_window= (us; ticks once in struct compound) */
	u64 quiet;	   /* cp_quiet= (us; ticks once in struct compound) */
	bool start_nested; /* cp_start=nested */
	bool no_twin;	   /* cp_twin=off: always run with EPT/NPT on */
};

struct cp_gfn {
	u64 window_start;
	u16 writes;
	u8 nested;
	u8 flips; /* returns to shadow so far */
	u8 seen;  /* classified once: cp_start no longer applies */
};

struct cp_nested_entry {
	u64 gfn;
	u64 since;
	u32 sp;
	u16 idx;
	u16 gen;
};

struct compound_stats {
	u64 writes_trapped;
	u64 to_nested; /* guest table pages handed to the CPU */
	u64 to_shadow; /* nested entries taken back */
	/* The running address space moved between its twin (EPT/NPT off)
	 * and the compound tree (EPT/NPT on), and the guest time spent on
	 * the twin (TSC ticks; hv/mmu.c keeps these). */
	u64 to_twin, to_tree;
	u64 twin_tsc;
};

struct compound {
	struct shadow *shadow;
	struct compound_knobs knobs;
	struct cp_gfn *gfns;
	u64 nr_gfns;
	struct cp_nested_entry *nested;
	u32 nr_nested;
	u64 now; /* the caller's clock: the guest's running time */
	u64 next_scan;
	struct compound_stats stats;
};

int compound_init(struct compound *c, struct shadow *s, u64 guest_mem,
		  const struct compound_knobs *k);
void compound_destroy(struct compound *c);
/* shadow_ops hooks */
bool compound_nested(void *policy, u64 gfn);
void compound_nested_installed(void *policy, u32 sp, u16 idx, u64 gfn);
/* The guest wrote its protected table page @gfn (trapped). */
void compound_wrote(struct compound *c, u64 gfn);
/* The periodic scan: take back quiet nested entries. */
void compound_scan(struct compound *c);

/* The clock advanced to @now; scan when due. Inline: it runs before
 * every entry, and is due once in knobs.quiet / 4. */
static inline void compound_tick(struct compound *c, u64 now)
{
	c->now = now;
	if (now >= c->next_scan)
		compound_scan(c);
}

/* When to look again for the next scan, on the same clock: a little
 * after it is due. A timer set by the host's clock for exactly then fires
 * with the guest's clock still short of it by the exit's own cost (time
 * in braid is not guest time), and would be set again for the remainder,
 * exit after exit. */
static inline u64 compound_next_scan(const struct compound *c)
{
	return c->next_scan + c->knobs.quiet / 64;
}

#endif
