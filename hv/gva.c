// SPDX-License-Identifier: MIT
/*
 * Guest-virtual memory access, one page at a time: translate with the
 * guest's tables (mm/gwalk.c) unless guest paging is off, then copy to or
 * from guest RAM.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/msr.h"
#include "hv/gva.h"
#include "hv/mmu.h"
#include "lib/string.h"
#include "mm/shadow.h"

static u64 *map_gpa(void *ctx, u64 gpa)
{
	return guest_ptr(ctx, gpa, 8);
}

/* The paging features the guest sees (hv/cpuid.c passes these through),
 * read once: this runs on every emulated access. */
static void cpu_paging_features(bool *pse1g, unsigned *maxphyaddr)
{
	static bool have_1g;
	static unsigned width;

	if (!width) {
		have_1g = cpuid(0x80000001, 0).edx & BIT(26);
		width = cpuid(0x80000008, 0).eax & 0xff;
	}
	*pse1g = have_1g;
	*maxphyaddr = width;
}

void guest_walk_mode(struct guest *g, struct gwalk_mode *m)
{
	struct mmu_regs r;

	mmu_guest_regs(g, &r);
	m->wp = r.cr0 & CR0_WP;
	m->nxe = r.efer & EFER_NXE;
	m->smep = false; /* hidden from CPUID */
	cpu_paging_features(&m->pse1g, &m->maxphyaddr);
}

/* Translate @gva for @access; 0 and *gpa, or an error as gva_read(). */
static int translate(struct guest *g, u64 gva, u32 access, u64 *gpa, u32 *pf)
{
	struct gwalk_mode m;
	struct mmu_regs r;
	struct gwalk w;

	mmu_guest_regs(g, &r);
	if (!(r.cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffull;
		return 0;
	}
	guest_walk_mode(g, &m);
	gwalk(r.cr3, gva, access, &m, map_gpa, g, &w);
	if (w.fault) {
		*pf = w.error;
		return -EFAULT;
	}
	*gpa = w.gpa;
	return 0;
}

static int access_gva(struct guest *g, u64 gva, void *buf, unsigned n,
		      u32 access, u32 *pf, bool write)
{
	u8 *p = buf;

	while (n) {
		unsigned chunk = MIN(n, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
		u64 gpa;
		int err = translate(g, gva, access, &gpa, pf);

		if (err)
			return err;
		err = write ? guest_write(g, gpa, p, chunk)
			    : guest_read(g, gpa, p, chunk);
		if (err)
			return -ENOENT;
		if (write)
			mmu_guest_wrote(g, gpa, chunk);
		gva += chunk;
		p += chunk;
		n -= chunk;
	}
	return 0;
}

int gva_read(struct guest *g, u64 gva, void *buf, unsigned n, u32 access,
	     u32 *pf)
{
	return access_gva(g, gva, buf, n, access & ~PFERR_W, pf, false);
}

int gva_write(struct guest *g, u64 gva, const void *buf, unsigned n, u32 access,
	      u32 *pf)
{
	return access_gva(g, gva, (void *)buf, n, access | PFERR_W, pf, true);
}

bool gva_protected(struct guest *g, u64 gva, u32 access)
{
	u64 gpa;
	u32 pf;

	if (translate(g, gva, access | PFERR_W, &gpa, &pf))
		return true; /* let the write report its own fault */
	return g->cfg.paging != PAGING_NESTED &&
	       shadow_protected(&g->shadow, gpa >> PAGE_SHIFT);
}
