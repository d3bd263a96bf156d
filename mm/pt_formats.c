// SPDX-License-Identifier: MIT
/*
 * The entry encodings the walker can build: the host's own x86-64 tables,
 * AMD NPT (x86-64 entries, with U=1 everywhere because the nested walk of
 * guest tables counts as a user access, APM Vol. 2 15.25.5) and Intel EPT.
 */
#include "mm/paging.h"

/* PT_UC is PCD|PWT: PAT entry 3, UC in the PAT braid programs and in the
 * power-on one (SDM Vol. 3A 13.12.3, table 13-11); otherwise entry 0, WB. */
static u64 x86_flags(unsigned perm)
{
	return X86_PTE_P | (perm & PT_W ? X86_PTE_RW : 0) |
	       (perm & PT_U ? X86_PTE_US : 0) | (perm & PT_X ? 0 : X86_PTE_NX) |
	       (perm & PT_UC ? X86_PTE_PCD | X86_PTE_PWT : 0);
}

static bool x86_present(u64 e)
{
	return e & X86_PTE_P;
}

/* PS is reserved at level 4 and means "leaf" at levels 2 and 3; every
 * present level-1 entry is a leaf (SDM Vol. 3A 4.5.4). */
static bool x86_is_leaf(u64 e, unsigned level)
{
	return level == 1 || (level <= 3 && (e & X86_PTE_PS));
}

static unsigned x86_perm(u64 e)
{
	return PT_R | (e & X86_PTE_RW ? PT_W : 0) |
	       (e & X86_PTE_US ? PT_U : 0) | (e & X86_PTE_NX ? 0 : PT_X) |
	       ((e & (X86_PTE_PCD | X86_PTE_PWT)) == (X86_PTE_PCD | X86_PTE_PWT)
			? PT_UC
			: 0);
}

static u64 x86_leaf(phys_t pa, unsigned perm, unsigned level)
{
	return (pa & PTE_ADDR_MASK) | x86_flags(perm) |
	       (level > 1 ? X86_PTE_PS : 0);
}

static u64 host_table(phys_t next)
{
	return (next & PTE_ADDR_MASK) | X86_PTE_P | X86_PTE_RW;
}

static u64 npt_table(phys_t next)
{
	return (next & PTE_ADDR_MASK) | X86_PTE_P | X86_PTE_RW | X86_PTE_US;
}

static u64 npt_leaf(phys_t pa, unsigned perm, unsigned level)
{
	return x86_leaf(pa, perm | PT_U, level);
}

const struct pt_format pt_host = {
	.name = "x86-64",
	.leaf_levels = BIT(1) | BIT(2) | BIT(3),
	.mk_table = host_table,
	.mk_leaf = x86_leaf,
	.present = x86_present,
	.is_leaf = x86_is_leaf,
	.perm = x86_perm,
};

const struct pt_format pt_npt = {
	.name = "npt",
	.leaf_levels = BIT(1) | BIT(2) | BIT(3),
	.mk_table = npt_table,
	.mk_leaf = npt_leaf,
	.present = x86_present,
	.is_leaf = x86_is_leaf,
	.perm = x86_perm,
};

/* An EPT entry is present if any of R, W, X is set (SDM Vol. 3C 29.3.2). */
static bool ept_present(u64 e)
{
	return e & (EPT_R | EPT_W | EPT_X);
}

static bool ept_is_leaf(u64 e, unsigned level)
{
	return level == 1 || (level <= 3 && (e & EPT_PS));
}

static unsigned ept_perm(u64 e)
{
	return (e & EPT_R ? PT_R : 0) | (e & EPT_W ? PT_W : 0) |
	       (e & EPT_X ? PT_X : 0) | PT_U |
	       ((e & EPT_MT_MASK) == EPT_MT_UC << EPT_MT_SHIFT ? PT_UC : 0);
}

static u64 ept_table(phys_t next)
{
	return (next & PTE_ADDR_MASK) | EPT_R | EPT_W | EPT_X;
}

/*
 * Guest RAM is write-back whatever the guest's PAT or CR0.CD say
 * (ignore-PAT): braid's own mapping of the same frames is write-back, and
 * the SDM leaves two mappings of one frame with different types undefined
 * (Vol. 3A 13.12.4). With IPAT the guest's type choices cost it nothing
 * and change nothing, as under KVM without non-coherent DMA. Anything else
 * is uncacheable, and the guest's PAT may make it stricter still
 * (29.3.7.2).
 */
static u64 ept_leaf(phys_t pa, unsigned perm, unsigned level)
{
	u64 type = perm & PT_UC ? EPT_MT_UC << EPT_MT_SHIFT
				: EPT_MT_WB << EPT_MT_SHIFT | EPT_IPAT;

	return (pa & PTE_ADDR_MASK) | (perm & PT_R ? EPT_R : 0) |
	       (perm & PT_W ? EPT_W : 0) | (perm & PT_X ? EPT_X : 0) | type |
	       (level > 1 ? EPT_PS : 0);
}

const struct pt_format pt_ept = {
	.name = "ept",
	.leaf_levels = BIT(1) | BIT(2) | BIT(3),
	.mk_table = ept_table,
	.mk_leaf = ept_leaf,
	.present = ept_present,
	.is_leaf = ept_is_leaf,
	.perm = ept_perm,
};
