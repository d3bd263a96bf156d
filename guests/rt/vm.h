/* SPDX-License-Identifier: MIT */
/*
 * 4-level page tables for tests (SDM Vol. 3A 4.5).
 *
 *   63    48 47    39 38    30 29    21 20    12 11       0
 *  | sign   | PML4   | PDPT   | PD     | PT     | offset   |
 *                      1G leaf  2M leaf  4K leaf
 *
 * Every address space from vm_create() identity-maps the first 1 GiB with
 * 2 MiB pages (user-accessible, like the boot tables), so the runtime keeps
 * working after a CR3 switch; tests map their pages elsewhere.
 *
 * Tables are allocated with page_alloc() and addressed through the identity
 * map. Intermediate entries are P|RW|US so only the leaf decides access.
 * vm_map()/vm_unmap() never flush the TLB: the caller does (invlpg() or a
 * CR3 load), because when to flush is often what a test is about.
 */
#ifndef GUEST_VM_H
#define GUEST_VM_H

#include "types.h"

/* Paging-entry bits, SDM Vol. 3A 4.5, Tables 4-15 to 4-20. */
#define PTE_P	 BIT(0) /* present */
#define PTE_W	 BIT(1) /* writable */
#define PTE_U	 BIT(2) /* user */
#define PTE_PWT	 BIT(3)
#define PTE_PCD	 BIT(4)
#define PTE_A	 BIT(5)	 /* accessed */
#define PTE_D	 BIT(6)	 /* dirty (leaf only) */
#define PTE_PS	 BIT(7)	 /* page size (PDPTE/PDE) */
#define PTE_G	 BIT(8)	 /* global (leaf only) */
#define PTE_NX	 BIT(63) /* execute-disable, with EFER.NXE */
#define PTE_ADDR 0x000ffffffffff000UL

enum pg_level { PG_4K = 1, PG_2M = 2, PG_1G = 3 };

typedef u64 pte_t;

static inline u64 level_size(enum pg_level l)
{
	return 1UL << (12 + 9 * (l - 1));
}

pte_t *vm_create(void);
pte_t *vm_current(void);
void vm_switch(pte_t *root);

/*
 * The entry mapping va at level, allocating missing tables if alloc.
 * NULL if a table is missing (and !alloc) or a larger page is in the way.
 */
pte_t *vm_entry(pte_t *root, u64 va, enum pg_level level, bool alloc);

/* Map va -> pa with leaf flags (PTE_PS is added for 2M/1G). 0 or -1. */
int vm_map(pte_t *root, u64 va, u64 pa, enum pg_level level, u64 flags);
/* Clear the leaf at level (if present). */
void vm_unmap(pte_t *root, u64 va, enum pg_level level);

const char *level_name(enum pg_level l);

#endif
