// SPDX-License-Identifier: MIT
/*
 * conformance: a paging conformance matrix over all four levels.
 *
 * For each leaf size (4K, 2M and, with CPUID.80000001H:EDX[26], 1G) and
 * each level L of its walk (L4 = PML4E, L3 = PDPTE, L2 = PDE, L1 = PTE),
 * the entry at L takes each variant below while every other entry of the
 * walk stays fully permissive (P, R/W, U/S, NX=0):
 *
 *   p=0                  not present (R/W and U/S still set)
 *   rw=? us=? nx=?       present, all eight R/W, U/S, XD combinations
 *   rsvd=51              an address bit at or above MAXPHYADDR (if < 52)
 *   ps=1                 PML4E only: bit 7 is reserved (SDM 4.5, Table 4-15)
 *   rsvd=13              2M/1G leaf only: bit 13 of the page's address
 *
 * under CR0.WP = 0/1 and EFER.NXE = 0/1, with a supervisor and a user
 * (ring 3) read, write and execute each. Before each access the A and D
 * bits of the whole walk are cleared and the page is INVLPGed (which also
 * drops the paging-structure caches, SDM 4.10.4.1).
 *
 * One line per case, printed as the report() message, so the PASS/FAIL
 * verdict against the SDM is on the same line as what happened:
 *
 *   PASS: CASE 4K L3 rw=0 us=1 nx=0 wp=1 nxe=1 S-write -> #PF 0x3
 *   PASS: CASE 2M L2 rw=1 us=1 nx=0 wp=1 nxe=1 U-read -> ok A=111 D=0
 *
 * "ok" lists the A bits of the walk from L4 down to the leaf and the
 * leaf's D bit; a fault gives the exact error code. What must hold for
 * every fault is checked too, and only a violation is appended (keeping
 * the output short): "cr2=BAD" (CR2 is not the address), "D=1" (the
 * fault set the leaf's D bit), "mem=CHANGED" (a faulting write reached
 * memory), "rip=BAD" (a faulting fetch reported elsewhere); after a
 * successful access "data=BAD" (read a wrong value, or the write missed
 * the frame). Nothing in a CASE line depends on where memory was
 * allocated, so the output of two correct MMUs (nested and shadow paging,
 * say) is identical line by line.
 *
 * The expected outcome comes from a model of SDM Vol. 3A 4.5 (reserved
 * bits), 4.6 (access rights, no SMEP/SMAP/PKE) and 4.7 (error code),
 * evaluated on the entry values installed, independently of the CPU.
 *
 * Known emulator deviation: QEMU 7.x TCG reports reserved-bit faults with
 * P=0 (SDM 4.7: RSVD=1 implies P=1). The CASE line shows the real error
 * code; by default such a case passes and each level prints a NOTE with
 * the count. "strict" on the command line makes them FAILs.
 */
#include "rt.h"

#define L4 4
#define L3 3
#define L2 2
#define L1 1

#define CONTENT	 0x5a5a5a5a5a5a5ac3UL /* low byte: RET, for exec cases */
#define WRITTEN	 0x1122334455667788UL
#define NO_FAULT (-1L)
#define RSVD_LO	 BIT(13) /* 2M/1G leaf: address bit below the page size */

/* One PML4 slot per leaf size, so a varied PML4E touches nothing else. */
struct size_cfg {
	const char *name;
	enum pg_level leaf; /* level of the leaf entry: 1, 2 or 3 */
	u64 base;	    /* start of the PML4 slot */
	u64 va;		    /* tested address */
	pte_t *entry[5];    /* entry[L] for L = leaf..4 */
	u64 perm[5];	    /* fully permissive value of entry[L] */
};

enum vkind { V_NP, V_PERM, V_RSVD_HI, V_PS, V_RSVD_LO };

struct variant {
	enum vkind kind;
	int rw, us, nx;
};

static struct size_cfg sizes[] = {
	{ .name = "4K", .leaf = PG_4K, .base = 0x0000008000000000UL },
	{ .name = "2M", .leaf = PG_2M, .base = 0x0000010000000000UL },
	{ .name = "1G", .leaf = PG_1G, .base = 0x0000018000000000UL },
};

static pte_t *root;
static u8 *frame;
static bool has_nx;
static unsigned int maxphy;
static u64 rsvd_hi; /* BIT(51) if MAXPHYADDR < 52, else 0 */
static bool strict;
static unsigned int cases, quirks, group_quirks;

static unsigned int idx(u64 va, int level)
{
	return (va >> (12 + 9 * (level - 1))) & 511;
}

/* Build the walk for one size in its own tables; record every entry. */
static void build_path(struct size_cfg *s)
{
	u64 size = level_size(s->leaf);
	pte_t *table = root;
	int l;

	s->va = s->base + ((u64)frame & (size - 1));
	for (l = L4; l >= (int)s->leaf; l--) {
		pte_t *e = &table[idx(s->va, l)];

		s->entry[l] = e;
		if (l == (int)s->leaf) {
			s->perm[l] = ALIGN_DOWN((u64)frame, size) | PTE_P |
				     PTE_W | PTE_U | (l > L1 ? PTE_PS : 0);
		} else {
			table = page_alloc();
			s->perm[l] = (u64)table | PTE_P | PTE_W | PTE_U;
		}
		*e = s->perm[l];
	}
}

/* The value of the varied entry: the permissive one, bits changed. */
static u64 variant_value(const struct size_cfg *s, int l,
			 const struct variant *v)
{
	u64 keep = s->perm[l] & ~(PTE_P | PTE_W | PTE_U | PTE_NX);
	u64 all = PTE_P | PTE_W | PTE_U;

	switch (v->kind) {
	case V_NP: return keep | PTE_W | PTE_U;
	case V_PERM:
		return keep | PTE_P | (v->rw ? PTE_W : 0) |
		       (v->us ? PTE_U : 0) | (v->nx ? PTE_NX : 0);
	case V_RSVD_HI: return keep | all | rsvd_hi;
	case V_PS: return keep | all | PTE_PS;
	case V_RSVD_LO: return keep | all | RSVD_LO;
	}
	return 0;
}

static void variant_name(char *buf, size_t n, const struct variant *v)
{
	switch (v->kind) {
	case V_NP: snprintf(buf, n, "p=0"); break;
	case V_PERM:
		snprintf(buf, n, "rw=%d us=%d nx=%d", v->rw, v->us, v->nx);
		break;
	case V_RSVD_HI: snprintf(buf, n, "rsvd=51"); break;
	case V_PS: snprintf(buf, n, "ps=1"); break;
	case V_RSVD_LO: snprintf(buf, n, "rsvd=13"); break;
	}
}

/* Reserved bits of a present entry at level l (SDM 4.5, Tables 4-15..20). */
static u64 reserved_mask(const struct size_cfg *s, int l, bool nxe)
{
	u64 m = 0;

	if (maxphy < 52)
		m |= ((1UL << 52) - 1) & ~((1UL << maxphy) - 1);
	if (!nxe)
		m |= PTE_NX;
	if (l == L4)
		m |= PTE_PS;
	if (l == (int)s->leaf && l == L2)
		m |= 0x1fe000UL; /* bits 20:13 of a 2M page */
	if (l == (int)s->leaf && l == L3)
		m |= 0x3fffe000UL; /* bits 29:13 of a 1G page */
	return m;
}

/*
 * SDM Vol. 3A 4.6 and 4.7 for a walk of entries val[4..leaf]: the #PF
 * error code, or NO_FAULT. SMEP, SMAP and protection keys are off.
 */
static long sdm_expect(const struct size_cfg *s, const u64 *val, bool wp,
		       bool nxe, int cpl, enum access acc)
{
	u64 pfec = (acc == ACC_WRITE ? PFEC_W : 0) | (cpl == 3 ? PFEC_U : 0) |
		   (acc == ACC_EXEC && nxe ? PFEC_I : 0);
	bool rw = true, us = true, xd = false, allowed;
	int l;

	for (l = L4; l >= (int)s->leaf; l--) {
		if (!(val[l] & PTE_P))
			return (long)pfec;
		if (val[l] & reserved_mask(s, l, nxe))
			return (long)(pfec | PFEC_P | PFEC_RSVD);
		rw = rw && (val[l] & PTE_W);
		us = us && (val[l] & PTE_U);
		xd = xd || (val[l] & PTE_NX);
	}
	if (cpl == 3 && !us)
		allowed = false;
	else if (acc == ACC_WRITE)
		allowed = rw || (cpl == 0 && !wp);
	else if (acc == ACC_EXEC)
		allowed = !(nxe && xd);
	else
		allowed = true;
	return allowed ? NO_FAULT : (long)(pfec | PFEC_P);
}

/* The error code is right, or wrong only by QEMU's RSVD-without-P. */
static bool error_code_ok(u64 got, u64 want)
{
	if (got == want)
		return true;
	if (strict || !(want & PFEC_RSVD) || got != (want & ~PFEC_P))
		return false;
	quirks++;
	group_quirks++;
	return true;
}

static bool all_set(const char *a)
{
	for (; *a; a++)
		if (*a != '1')
			return false;
	return true;
}

struct outcome {
	struct fault f;
	bool faulted;
	u64 val; /* read result */
	u64 mem; /* the frame after the access */
	u64 ent[5];
};

static void run_case(const struct size_cfg *s, int lv, u64 value,
		     const char *vname, bool wp, bool nxe, int cpl,
		     enum access acc)
{
	static const char *const acc_name[] = { "read", "write", "exec" };
	u64 val[5];
	long want;
	struct outcome o;
	char line[160], a[8];
	int n, l, la = 0;
	bool ok, d;

	for (l = L4; l >= (int)s->leaf; l--) {
		val[l] = l == lv ? value : s->perm[l];
		*s->entry[l] = val[l]; /* A and D clear */
	}
	invlpg(s->va);
	*(volatile u64 *)frame = CONTENT;
	o.val = WRITTEN;
	o.faulted = try_access(acc, cpl, s->va, &o.val, &o.f);
	o.mem = *(volatile u64 *)frame;
	for (l = L4; l >= (int)s->leaf; l--) {
		o.ent[l] = *s->entry[l];
		a[la++] = (o.ent[l] & PTE_A) ? '1' : '0';
	}
	a[la] = '\0';
	d = o.ent[s->leaf] & PTE_D;
	want = sdm_expect(s, val, wp, nxe, cpl, acc);
	cases++;

	n = snprintf(line, sizeof(line),
		     "CASE %s L%d %s wp=%d nxe=%d %c-%s -> ", s->name, lv,
		     vname, wp, nxe, cpl ? 'U' : 'S', acc_name[acc]);
	if (!o.faulted) {
		bool data = acc == ACC_READ    ? o.val == CONTENT
			    : acc == ACC_WRITE ? o.mem == WRITTEN
					       : true;

		n += snprintf(line + n, sizeof(line) - n, "ok A=%s D=%d%s", a,
			      d, data ? "" : " data=BAD");
		ok = want == NO_FAULT && data && all_set(a) &&
		     d == (acc == ACC_WRITE);
	} else if (o.f.vector == X86_PF) {
		bool cr2 = o.f.cr2 == s->va;
		bool rip = acc != ACC_EXEC || o.f.rip == s->va;
		bool mem = o.mem == CONTENT;

		n += snprintf(line + n, sizeof(line) - n, "#PF 0x%lx%s%s%s%s",
			      o.f.error_code, cr2 ? "" : " cr2=BAD",
			      d ? " D=1" : "", rip ? "" : " rip=BAD",
			      mem ? "" : " mem=CHANGED");
		ok = want != NO_FAULT && cr2 && rip && mem && !d &&
		     error_code_ok(o.f.error_code, (u64)want);
	} else {
		snprintf(line + n, sizeof(line) - n, "%s(0x%lx)",
			 exception_name(o.f.vector), o.f.error_code);
		ok = false;
	}
	if (!report(ok, "%s", line)) {
		if (want == NO_FAULT)
			printf("  expected: ok A=%s D=%d\n", "1111" + (4 - la),
			       acc == ACC_WRITE);
		else
			printf("  expected: #PF 0x%lx\n", (u64)want);
	}
}

static void set_modes(bool wp, bool nxe)
{
	set_cr0_wp(wp);
	if (has_nx)
		set_efer_nxe(nxe); /* also reloads CR3 */
}

static unsigned int level_variants(const struct size_cfg *s, int lv,
				   struct variant *vs)
{
	unsigned int n = 0;
	int rw, us, nx;

	vs[n++] = (struct variant){ .kind = V_NP };
	for (rw = 0; rw <= 1; rw++)
		for (us = 0; us <= 1; us++)
			for (nx = 0; nx <= 1; nx++)
				vs[n++] =
					(struct variant){ V_PERM, rw, us, nx };
	if (rsvd_hi)
		vs[n++] = (struct variant){ .kind = V_RSVD_HI };
	if (lv == L4)
		vs[n++] = (struct variant){ .kind = V_PS };
	if (lv == (int)s->leaf && lv != L1)
		vs[n++] = (struct variant){ .kind = V_RSVD_LO };
	return n;
}

static void run_level(struct size_cfg *s, int lv)
{
	static const enum access accs[] = { ACC_READ, ACC_WRITE, ACC_EXEC };
	struct variant vs[16];
	unsigned int nv = level_variants(s, lv, vs), i, a, before = cases;
	char vname[32];
	int wp, nxe, cpl, l;

	group_quirks = 0;
	for (i = 0; i < nv; i++) {
		u64 value = variant_value(s, lv, &vs[i]);

		variant_name(vname, sizeof(vname), &vs[i]);
		for (wp = 0; wp <= 1; wp++) {
			for (nxe = 0; nxe <= 1; nxe++) {
				if (nxe && !has_nx)
					continue;
				set_modes(wp, nxe);
				for (cpl = 0; cpl <= 3; cpl += 3)
					for (a = 0; a < ARRAY_SIZE(accs); a++)
						run_case(s, lv, value, vname,
							 wp, nxe, cpl, accs[a]);
			}
		}
	}
	set_modes(true, true);
	for (l = L4; l >= (int)s->leaf; l--)
		*s->entry[l] = s->perm[l];
	invlpg(s->va);
	printf("conformance: %s L%d: %u variants, %u cases\n", s->name, lv, nv,
	       cases - before);
	if (group_quirks)
		printf("NOTE: %s L%d: %u RSVD faults had P=0 (QEMU TCG deviation)\n",
		       s->name, lv, group_quirks);
}

void guest_main(void)
{
	pte_t *boot_root = vm_current();
	bool with_1g = cpu_has_1g_pages();
	unsigned int i;
	int lv;

	has_nx = cpu_has_nx();
	maxphy = cpu_maxphyaddr();
	rsvd_hi = maxphy < 52 ? BIT(51) : 0;
	strict = boot.cmdline && cmdline_has(boot.cmdline, "strict");
	printf("conformance: MAXPHYADDR %u, NX %s, 1G pages %s%s\n", maxphy,
	       has_nx ? "yes" : "no", with_1g ? "yes" : "no",
	       strict ? ", strict" : "");
	if (!has_nx)
		report_skip(
			"EFER.NXE=1 cases: CPUID.80000001H:EDX[20] (NX) is clear");
	if (!rsvd_hi)
		report_skip("rsvd=51 cases: MAXPHYADDR is 52");

	frame = page_alloc();
	root = vm_create();
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		if (sizes[i].leaf != PG_1G || with_1g)
			build_path(&sizes[i]);
	vm_switch(root);

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		struct size_cfg *s = &sizes[i];

		if (s->leaf == PG_1G && !with_1g) {
			report_skip(
				"1G leaf cases: CPUID.80000001H:EDX[26] (Page1GB) is clear");
			continue;
		}
		for (lv = L4; lv >= (int)s->leaf; lv--)
			run_level(s, lv);
	}

	vm_switch(boot_root);
	printf("conformance: %u cases\n", cases);
	if (quirks)
		printf("NOTE: %u RSVD faults had P=0; pass \"strict\" to fail them\n",
		       quirks);
	report_summary();
}
