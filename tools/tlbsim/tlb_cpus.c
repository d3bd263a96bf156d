// SPDX-License-Identifier: MIT
/*
 * The TLB geometries of named CPUs. Entries and associativity come from
 * the vendors' optimization manuals where they are published; page-walk
 * cache sizes are not published by either vendor and are estimates, said
 * so below (they are model parameters, not facts).
 */
#include <string.h>

#include "tools/tlbsim/tlb.h"

#define S4K TLB_SIZE_BIT(TLB_4K)
#define S2M TLB_SIZE_BIT(TLB_2M)
#define S1G TLB_SIZE_BIT(TLB_1G)

static const struct tlb_geometry cpus[] = {
	{
		.name = "skylake",
		.source = "Intel 64 and IA-32 Architectures Optimization "
			  "Reference Manual (248966-045), Table 2-15, "
			  "Skylake client TLB parameters; page-walk caches "
			  "estimated (not published)",
		/* ITLB: 4K 128 entries 8-way; 2M/4M 8 per thread. */
		.l1i = { { { 128, 8, S4K, false }, { 8, 8, S2M, false } } },
		/* DTLB: 4K 64 entries 4-way; 2M/4M 32 4-way; 1G 4 4-way. */
		.l1d = { { { 64, 4, S4K, false },
			   { 32, 4, S2M, false },
			   { 4, 4, S1G, false } } },
		/* STLB, shared by both sides: 4K/2M 1536 entries 12-way;
		 * 1G 16 entries 4-way. */
		.l2d = { { { 1536, 12, S4K | S2M, false },
			   { 16, 4, S1G, false } } },
		.l2_unified = true,
		.pwc = { 4, 4, 32 },
	},
	{
		.name = "zen2",
		.source = "Software Optimization Guide for AMD Family 17h "
			  "Models 30h and Greater Processors (56305), "
			  "section 2.7, Translation Lookaside Buffers (and "
			  "7-cpu.com, Zen 2); the L2 DTLB's skewed 12-way "
			  "array is modeled with 16-way sets; page-walk "
			  "caches estimated (not published)",
		/* L1 ITLB and DTLB: 64 entries, fully associative, all
		 * page sizes. */
		.l1i = { { { 64, 64, S4K | S2M | S1G, false } } },
		.l1d = { { { 64, 64, S4K | S2M | S1G, false } } },
		/* L2 ITLB 512 entries 8-way, L2 DTLB 2048 entries: 4K and
		 * 2M pages; a 1G page is held as a smashed 2M entry. */
		.l2i = { { { 512, 8, S4K | S2M, true } } },
		.l2d = { { { 2048, 16, S4K | S2M, true } } },
		.l2_unified = false,
		.pwc = { 16, 16, 64 },
	},
};

const struct tlb_geometry *tlb_geometry_find(const char *name)
{
	for (unsigned i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++)
		if (!strcmp(cpus[i].name, name))
			return &cpus[i];
	return NULL;
}

const char *tlb_geometry_names(void)
{
	return "skylake zen2";
}
