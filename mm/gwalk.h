/* SPDX-License-Identifier: MIT */
/*
 * A software walk of the guest's own 4-level page tables, as the CPU would
 * do it (SDM Vol. 3A 4.5-4.8): the translation, the effective permissions,
 * the exact page-fault error code when it fails, and the accessed/dirty
 * updates when it succeeds. Shadow and compound paging build on it.
 */
#ifndef MM_GWALK_H
#define MM_GWALK_H

#include "lib/types.h"

/* Page-fault error code bits (SDM Vol. 3A 4.7, figure 4-12). */
#define PFERR_P	   BIT(0) /* 0: not present; 1: protection or reserved bit */
#define PFERR_W	   BIT(1) /* write access */
#define PFERR_U	   BIT(2) /* user-mode access */
#define PFERR_RSVD BIT(3) /* reserved bit set in a paging entry */
#define PFERR_I	   BIT(4) /* instruction fetch */

/* The guest's paging controls that change what a walk means. */
struct gwalk_mode {
	bool wp;	     /* CR0.WP: supervisor writes honour R/W */
	bool nxe;	     /* EFER.NXE: bit 63 is NX, not reserved */
	bool smep;	     /* CR4.SMEP */
	bool pse1g;	     /* the guest was told it has 1 GiB pages */
	unsigned maxphyaddr; /* physical-address width the guest sees */
};

/* Where a guest paging entry lives: a host pointer, or NULL if the
 * guest-physical address has no RAM behind it. */
typedef u64 *(*gwalk_map_fn)(void *ctx, u64 gpa);

struct gwalk {
	u64 gpa;		   /* the translation (valid when !fault) */
	unsigned level;		   /* level of the leaf: 1, 2 (2M) or 3 (1G) */
	bool writable, user, exec; /* effective permissions of the path */
	u64 table_gpa[5]; /* table_gpa[l]: the guest table read at level l */
	u64 pte[5];	  /* pte[l]: the entry used at level l, with the A/D
		     * bits the walk set */
	bool fault;
	/* With fault: other vCPUs kept changing the path while the walk
	 * set A/D bits (gwalk() retries a while). Not the guest's fault:
	 * let the access run again. */
	bool raced;
	u32 error; /* #PF error code when fault */
};

/* Walk for an access of kind @access (PFERR_W/U/I bits). On success set
 * the A bits along the path, and D in the leaf for a write, atomically. */
void gwalk(u64 cr3, u64 gva, u32 access, const struct gwalk_mode *m,
	   gwalk_map_fn map, void *ctx, struct gwalk *w);

/*
 * The walk to @gva, whose path shares every table above the leaf with @w
 * (a 4 KiB leaf, @pte, in the same page table), as gwalk would make it
 * for a read, but touching no A/D bit: false unless @pte is present, has
 * no reserved bit, and is already accessed (A set), so that mapping it
 * ahead of an access tells the guest nothing it did not do. Shadow paging
 * prefetches neighbours of a faulting entry with it.
 */
bool gwalk_sibling(const struct gwalk_mode *m, const struct gwalk *w, u64 gva,
		   u64 pte, struct gwalk *out);

#endif
