/* SPDX-License-Identifier: MIT */
/*
 * A guest's memory virtualization, whatever its paging mode: creating the
 * nested table or the shadow MMU, and, under shadow paging, virtualizing
 * CR0/CR3/CR4/EFER, INVLPG and page faults (mm/shadow.c does the tables).
 */
#ifndef HV_MMU_H
#define HV_MMU_H

#include "arch/x86_64/vendor.h"
#include "hv/guest.h"

int mmu_create(struct guest *g);
void mmu_destroy(struct guest *g);
/* Paging state a multiboot loader leaves: protected mode, paging off. */
void mmu_reset(struct guest *g);
/* Just before each VM entry: load a moved root, flush the TLB if needed. */
void mmu_before_entry(struct guest *g);

/* The guest's own view of its control registers and EFER. */
void mmu_guest_regs(struct guest *g, struct mmu_regs *r);
u64 mmu_get_efer(struct guest *g);
/* WRMSR EFER; false if it must #GP. */
bool mmu_set_efer(struct guest *g, u64 efer);

/* Shadow paging exits. */
void mmu_cr_access(struct guest *g, const struct vmexit *e);
void mmu_invlpg(struct guest *g, const struct vmexit *e);
void mmu_page_fault(struct guest *g, u64 gva, u32 error);
/* Compound paging: an EPT violation / NPF on a protected guest table;
 * true if handled. */
bool mmu_npf(struct guest *g, const struct vmexit *e);
/* Braid wrote guest RAM on the guest's behalf (emulation). */
void mmu_guest_wrote(struct guest *g, u64 gpa, unsigned len);

#endif
