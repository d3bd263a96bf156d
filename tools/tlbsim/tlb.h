/* SPDX-License-Identifier: MIT */
/*
 * A model of a CPU's translation hardware: split L1 instruction and data
 * TLBs, second-level TLBs, and page-walk caches for the upper levels of
 * the page table, with the geometries of named real CPUs (tlb_cpus.c,
 * each figure cited). It is fed one access at a time — address space,
 * virtual address, the page size the hardware holds for it, instruction
 * or data — and counts hits per level, misses and the memory references
 * each miss's walk makes. It is a host-side tool: the QEMU plugin that
 * follows a guest's access stream drives it (issue 11), and the unit tests
 * in tests/unit/test_tlb.c check it against answers worked out by hand.
 *
 * Every array is set-associative with true LRU replacement; a fully
 * associative array is one set. Entries are tagged with the address space
 * (PCID, VPID or ASID), as on hardware with those tags.
 */
#ifndef TOOLS_TLBSIM_TLB_H
#define TOOLS_TLBSIM_TLB_H

#include <stdbool.h>
#include <stdint.h>

enum tlb_size { TLB_4K, TLB_2M, TLB_1G, TLB_NR_SIZES };

#define TLB_SIZE_BIT(s) (1u << (s))
#define TLB_MAX_ARRAYS	3
#define TLB_PWC_LEVELS	3 /* caches of PML4E, PDPTE and PDE */

/* One array: @entries in @ways-way sets, holding the page sizes in the
 * @sizes mask. @smash_1g: a 1 GiB page is held as the 2 MiB piece that
 * was accessed (AMD's L2 TLBs: "smashed"). */
struct tlb_array_geometry {
	unsigned entries, ways;
	unsigned sizes;
	bool smash_1g;
};

/* A TLB level of one side: the arrays looked up in parallel. */
struct tlb_level_geometry {
	struct tlb_array_geometry array[TLB_MAX_ARRAYS];
};

struct tlb_geometry {
	const char *name;   /* e.g. "skylake" */
	const char *source; /* where the figures come from */
	struct tlb_level_geometry l1i, l1d, l2i, l2d;
	bool l2_unified; /* l2i is not used: one L2 for both sides */
	/* Page-walk caches, fully associative: entries for PML4Es,
	 * PDPTEs and PDEs (index 0, 1, 2). */
	unsigned pwc[TLB_PWC_LEVELS];
};

struct tlb_side_stats {
	uint64_t accesses, l1_hits, l2_hits, misses;
	uint64_t walk_refs; /* page-table entries read by the walks */
};

struct tlb_stats {
	struct tlb_side_stats insn, data;
	uint64_t flushes;
};

enum tlb_result { TLB_L1_HIT, TLB_L2_HIT, TLB_MISS };

struct tlb;

/* The geometry called @name, or NULL; tlb_geometry_names() lists them. */
const struct tlb_geometry *tlb_geometry_find(const char *name);
const char *tlb_geometry_names(void);

struct tlb *tlb_create(const struct tlb_geometry *g);
void tlb_destroy(struct tlb *t);

/* One access by address space @asid to @va, which the hardware maps with
 * a page of @size. A miss walks the tables (using and filling the
 * page-walk caches) and fills both TLB levels. */
enum tlb_result tlb_access(struct tlb *t, uint32_t asid, uint64_t va,
			   enum tlb_size size, bool insn);

/* The same in two steps, for a caller that learns the page size only by
 * walking the tables after a miss (tools/tlbplugin): look @va up in every
 * array at every size it holds (a hit counts as one; L2 hits refill L1),
 * and after a TLB_MISS, fill it at @size (@global: the leaf's G bit),
 * which counts the miss and returns the entries its walk read. */
enum tlb_result tlb_lookup(struct tlb *t, uint32_t asid, uint64_t va,
			   bool insn);
unsigned tlb_fill(struct tlb *t, uint32_t asid, uint64_t va, enum tlb_size size,
		  bool insn, bool global);

/* A page walk alone, through the page-walk caches (filling them), with no
 * TLB lookup: the entries it reads. The plugin models the nested
 * dimension of a 2-D walk with a second instance's caches this way. */
unsigned tlb_walk(struct tlb *t, uint32_t asid, uint64_t va,
		  enum tlb_size size);

/* Flushes, as the hardware's: everything (INVEPT/INVVPID all-context,
 * TLB_CONTROL flush all), one address space with its global entries
 * (TLB_CONTROL flush this ASID, INVVPID single-context), or one page of
 * one (INVLPG, also dropping the page-walk caches of that space, as SDM
 * Vol. 3A 4.10.4.1 allows). */
void tlb_flush_all(struct tlb *t);
void tlb_flush_asid(struct tlb *t, uint32_t asid);
/* A CR3 load without PCID: one space's entries but its global ones
 * (SDM Vol. 3A 4.10.4.1), and its page-walk caches. */
void tlb_flush_nonglobal(struct tlb *t, uint32_t asid);
void tlb_flush_va(struct tlb *t, uint32_t asid, uint64_t va);

const struct tlb_stats *tlb_stats(const struct tlb *t);

#endif
