// SPDX-License-Identifier: MIT
/*
 * The guest page-table walk. The order of checks follows the SDM: an entry
 * that is not present ends the walk (P=0 in the error code); a reserved bit
 * ends it with P=1 and RSVD=1 (4.7); otherwise permissions are combined
 * over all levels (4.6) and checked once at the end.
 */
#include "lib/atomic.h"
#include "mm/gwalk.h"
#include "mm/pte.h"

/* Bits reserved in every entry: address bits 51:MAXPHYADDR (bits 62:52
 * are ignored), and XD without EFER.NXE. */
static u64 reserved_always(const struct gwalk_mode *m)
{
	u64 rsvd = (~0ull << m->maxphyaddr) & ((1ull << 52) - 1);

	return m->nxe ? rsvd : rsvd | X86_PTE_NX;
}

/* Bits reserved in an entry at @level that is (or is not) a leaf, beyond
 * @rsvd (SDM tables 4-14 to 4-20). */
static u64 reserved_bits(u64 rsvd, unsigned level, bool leaf)
{
	if (level == 4)
		rsvd |= X86_PTE_PS;
	if (level == 3 && leaf)
		rsvd |= 0x3fffe000ull; /* bits 29:13 of a 1 GiB page */
	if (level == 2 && leaf)
		rsvd |= 0x1fe000ull; /* bits 20:13 of a 2 MiB page */
	return rsvd;
}

static bool is_leaf(const struct gwalk_mode *m, unsigned level, u64 e,
		    bool *rsvd_ps)
{
	*rsvd_ps = false;
	if (level == 1)
		return true;
	if (!(e & X86_PTE_PS))
		return false;
	if (level == 4 || (level == 3 && !m->pse1g)) {
		*rsvd_ps = true; /* PS is reserved here */
		return false;
	}
	return true;
}

static bool permitted(const struct gwalk_mode *m, const struct gwalk *w,
		      u32 access)
{
	bool user = access & PFERR_U;

	if (user && !w->user)
		return false;
	if ((access & PFERR_W) && !w->writable && (user || m->wp))
		return false;
	if (access & PFERR_I) {
		if (!w->exec)
			return false;
		if (!user && w->user && m->smep)
			return false;
	}
	return true;
}

static void fail(struct gwalk *w, u32 access, const struct gwalk_mode *m,
		 u32 extra)
{
	w->fault = true;
	w->error = (access & (PFERR_W | PFERR_U)) | extra;
	/* I/D is reported only when NX or SMEP makes fetches special. */
	if ((access & PFERR_I) && (m->nxe || m->smep))
		w->error |= PFERR_I;
}

/*
 * Set A along the path, and D in the leaf for a write (SDM 4.8), as the
 * CPU does: each with a locked compare-and-exchange on the entry the walk
 * read, so that a store another vCPU makes to the entry in the meantime
 * (which braid does not trap in a table it does not mirror yet) is not
 * overwritten (SDM Vol. 3A 4.8: the processor sets them atomically).
 * False: an entry changed since the walk read it; walk again.
 */
static bool set_accessed(struct gwalk *w, u64 *ptes[5], u32 access)
{
	for (unsigned l = 4; l >= w->level; l--) {
		u64 want = w->pte[l] | X86_PTE_A;

		if (l == w->level && (access & PFERR_W))
			want |= X86_PTE_D;
		if (want != w->pte[l] &&
		    !atomic_cmpxchg(ptes[l], &w->pte[l], want))
			return false;
		w->pte[l] = want;
	}
	return true;
}

static bool walk_once(u64 cr3, u64 gva, u32 access, const struct gwalk_mode *m,
		      gwalk_map_fn map, void *ctx, struct gwalk *w)
{
	u64 table = cr3 & PTE_ADDR_MASK, *ptes[5] = { 0 };
	u64 rsvd = reserved_always(m);

	*w = (struct gwalk){ .writable = true, .user = true, .exec = true };
	for (unsigned l = 4; l >= 1; l--) {
		u64 *p = map(ctx, table + PT_INDEX(gva, l) * 8), e;
		bool leaf, rsvd_ps;

		w->table_gpa[l] = table;
		/* An entry with no RAM behind it reads as all ones, as open
		 * bus does: present, with reserved bits set. */
		e = p ? *p : ~0ull;
		ptes[l] = p;
		w->pte[l] = e;
		if (!(e & X86_PTE_P)) {
			fail(w, access, m, 0);
			return true;
		}
		leaf = is_leaf(m, l, e, &rsvd_ps);
		if (!p || rsvd_ps || (e & reserved_bits(rsvd, l, leaf))) {
			fail(w, access, m, PFERR_P | PFERR_RSVD);
			return true;
		}
		w->writable &= !!(e & X86_PTE_RW);
		w->user &= !!(e & X86_PTE_US);
		w->exec &= !(m->nxe && (e & X86_PTE_NX));
		if (leaf) {
			u64 size = PT_LEVEL_SIZE(l);

			w->level = l;
			w->gpa = (e & PTE_ADDR_MASK & ~(size - 1)) |
				 (gva & (size - 1));
			break;
		}
		table = e & PTE_ADDR_MASK;
	}
	if (!permitted(m, w, access)) {
		fail(w, access, m, PFERR_P);
		return true;
	}
	return set_accessed(w, ptes, access);
}

/* Another vCPU may keep changing an entry on the path; the walk itself
 * always ends, so a guest can only make this CPU retry as often as it
 * races (a bound keeps braid's own exit time finite all the same). */
#define GWALK_RETRIES 64

void gwalk(u64 cr3, u64 gva, u32 access, const struct gwalk_mode *m,
	   gwalk_map_fn map, void *ctx, struct gwalk *w)
{
	for (unsigned i = 0; i < GWALK_RETRIES; i++)
		if (walk_once(cr3, gva, access, m, map, ctx, w))
			return;
	fail(w, access, m, 0);
	w->raced = true;
}

bool gwalk_sibling(const struct gwalk_mode *m, const struct gwalk *w, u64 gva,
		   u64 pte, struct gwalk *out)
{
	bool writable = true, user = true, exec = true;

	if (w->fault || w->level != 1 || !(pte & X86_PTE_P) ||
	    !(pte & X86_PTE_A) || (pte & reserved_always(m)))
		return false;
	*out = *w;
	out->pte[1] = pte;
	/* Permissions combine over every level (SDM 4.6). */
	for (unsigned l = 1; l <= 4; l++) {
		writable &= !!(out->pte[l] & X86_PTE_RW);
		user &= !!(out->pte[l] & X86_PTE_US);
		exec &= !(m->nxe && (out->pte[l] & X86_PTE_NX));
	}
	out->writable = writable;
	out->user = user;
	out->exec = exec;
	out->gpa = (pte & PTE_ADDR_MASK) | (gva & (PAGE_SIZE - 1));
	return true;
}
