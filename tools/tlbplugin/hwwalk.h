/* SPDX-License-Identifier: MIT */
/*
 * The page walk the hardware makes for one address, read from the
 * machine's RAM as the plugin sees it (a file QEMU backs guest RAM with):
 * 4-level long-mode tables, and under nested paging (AMD NPT: the same
 * entry format, APM Vol. 2 15.25.5) each table address and the final
 * address translated again through the nested tables. It answers what the
 * TLB model needs after a miss: the page size the TLB can hold for the
 * address (the smaller of the two dimensions' leaves, APM 15.25.8: a
 * combined translation is never larger than either), where it lands, and
 * which tables the walk read.
 */
#ifndef TOOLS_TLBPLUGIN_HWWALK_H
#define TOOLS_TLBPLUGIN_HWWALK_H

#include <stdbool.h>
#include <stdint.h>

#include "tools/tlbsim/tlb.h"

/* The machine's RAM: physical address pa is at base[pa]. */
struct phys_mem {
	const uint8_t *base;
	uint64_t size;
};

bool phys_read64(const struct phys_mem *m, uint64_t pa, uint64_t *val);

/* What the hardware translates with: the first dimension's top table
 * (its system-physical address, and its address as the first dimension
 * names it: the gPA under nested paging, HW_GPA_UNKNOWN if the top table
 * was found by a scan), and the nested tables if any. */
#define HW_GPA_UNKNOWN (~0ull)

struct hw_paging {
	uint64_t root_spa, root_gpa;
	bool np;
	uint64_t ncr3; /* system-physical address of the nested PML4 */
};

struct hw_walk {
	enum tlb_size size;    /* the page size the TLB holds for the address */
	bool global;	       /* the first dimension's leaf has G set */
	uint64_t spa;	       /* where the address lands */
	uint64_t gpa;	       /* the same, before the nested dimension */
	unsigned levels;       /* first-dimension entries read: 4, 3 or 2 */
	uint64_t table_gpa[4]; /* the tables they were read from */
	enum tlb_size table_nsize[4]; /* each table's nested page size */
	enum tlb_size data_nsize;     /* the data page's nested page size */
};

/* Translate @gpa through the nested tables at @ncr3: false if it is not
 * mapped. */
bool npt_translate(const struct phys_mem *m, uint64_t ncr3, uint64_t gpa,
		   uint64_t *spa, enum tlb_size *size);

/* Walk @va: false if some entry on the way is not present or points
 * outside RAM. */
bool hw_walk(const struct phys_mem *m, const struct hw_paging *p, uint64_t va,
	     struct hw_walk *w);

#endif
