// SPDX-License-Identifier: MIT
/*
 * Guest-virtual memory access: translate with the guest's tables
 * (mm/gwalk.c) unless guest paging is off, then copy from guest RAM.
 * Writes are the emulators' business (hv/ptwrite.c): they translate here
 * and tell the MMU what they wrote.
 */
#include "arch/x86_64/cpu.h"
#include "hv/gva.h"
#include "hv/mmu.h"
#include "lib/string.h"
#include "mm/gwalk.h"

static u64 *map_gpa(void *ctx, u64 gpa)
{
	return guest_ptr(ctx, gpa, 8);
}

/* Translate the page of @gva for @access; 0 and *gpa, or -EFAULT. */
static int translate_page(struct vcpu *v, u64 gva, u32 access, u64 *gpa,
			  u32 *pf)
{
	struct guest *g = v->guest;
	struct gwalk_mode m;
	struct mmu_regs r;
	struct gwalk w;

	mmu_guest_regs(v, &r);
	if (!(r.cr0 & CR0_PG)) {
		*gpa = gva & 0xffffffffull;
		return 0;
	}
	mmu_walk_mode(v, &m);
	/* Its A/D updates must not land inside an emulated locked store to
	 * a table (those hold the MMU lock: hv/exit.c). */
	mmu_lock(v);
	gwalk(r.cr3, gva, access, &m, map_gpa, g, &w);
	mmu_unlock(v);
	if (w.fault) {
		*pf = w.error;
		return -EFAULT;
	}
	*gpa = w.gpa;
	return 0;
}

int gva_translate(struct vcpu *v, u64 gva, unsigned n, u32 access,
		  struct gva_span *s, u32 *pf)
{
	struct guest *g = v->guest;

	s->nr = 0;
	while (n) {
		unsigned chunk = MIN(n, PAGE_SIZE - (gva & (PAGE_SIZE - 1)));
		u64 gpa;
		int err;

		if (s->nr == 2)
			return -EINVAL; /* more than a page: not an access */
		err = translate_page(v, gva, access, &gpa, pf);
		if (err) {
			s->fault_gva = gva;
			return err;
		}
		if (!guest_ptr(g, gpa, chunk))
			return -ENOENT;
		s->gpa[s->nr] = gpa;
		s->len[s->nr++] = chunk;
		gva += chunk;
		n -= chunk;
	}
	return 0;
}

int gva_read(struct vcpu *v, u64 gva, void *buf, unsigned n, u32 access,
	     u32 *pf, u64 *fault_gva)
{
	struct guest *g = v->guest;
	struct gva_span s;
	u8 *p = buf;
	int err = gva_translate(v, gva, n, access & ~PFERR_W, &s, pf);

	for (unsigned i = 0; !err && i < s.nr; p += s.len[i++])
		memcpy(p, guest_ptr(g, s.gpa[i], s.len[i]), s.len[i]);
	if (err == -EFAULT && fault_gva)
		*fault_gva = s.fault_gva;
	return err;
}
