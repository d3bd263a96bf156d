// SPDX-License-Identifier: MIT
/*
 * insn/emulate.c against the host CPU: each generated instruction (store or
 * load) runs natively on a test buffer and through the emulator on a copy
 * of the same buffer, with the same random registers and flags; memory,
 * registers and flags must agree. Then unit tests for what the CPU cannot
 * show: failing accesses, REP limits, racing locked stores, 16-bit mode,
 * segment bases, loads through MMIO-like callbacks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "insn/decode.h"
#include "insn/emulate.h"
#include "insn/x86_flags.h"
#include "tests/decoder/cs_check.h"
#include "tests/decoder/gen.h"
#include "tests/decoder/native.h"

/* --- Fake guest memory: a window of host memory, gva = host address. --- */

struct fake_mem {
	u64 lo, hi;	  /* accessible [lo, hi) */
	u64 fail_gva;	  /* an access touching this address fails... */
	bool fail_armed;  /* ...if armed */
	bool fail_writes; /* ...only writes (not reads) */
	unsigned nwrites; /* write() calls */
	unsigned nreads;
	unsigned last_write_n;
	unsigned last_read_n;
	/* cmpxchg test hooks */
	unsigned races; /* make this many cmpxchg calls lose */
	u64 race_xor;	/* what "another CPU" does to the value */
	unsigned ncmpxchg;
};

static bool fake_ok(struct fake_mem *m, u64 gva, unsigned n, bool write)
{
	if (gva < m->lo || gva + n > m->hi || gva + n < gva)
		return false;
	if (m->fail_armed && (write || !m->fail_writes) && m->fail_gva >= gva &&
	    m->fail_gva < gva + n)
		return false;
	return true;
}

static int fake_read(void *opaque, u64 gva, void *buf, unsigned n)
{
	struct fake_mem *m = opaque;

	m->nreads++;
	m->last_read_n = n;
	if (!fake_ok(m, gva, n, false))
		return -EFAULT;
	memcpy(buf, (void *)(uintptr_t)gva, n);
	return 0;
}

static int fake_write(void *opaque, u64 gva, const void *buf, unsigned n)
{
	struct fake_mem *m = opaque;

	m->nwrites++;
	m->last_write_n = n;
	if (!fake_ok(m, gva, n, true))
		return -EFAULT;
	memcpy((void *)(uintptr_t)gva, buf, n);
	return 0;
}

static int fake_cmpxchg(void *opaque, u64 gva, void *old, const void *new_,
			unsigned n)
{
	struct fake_mem *m = opaque;
	u8 *p = (u8 *)(uintptr_t)gva;

	m->ncmpxchg++;
	if (!fake_ok(m, gva, n, true))
		return -EFAULT;
	if (m->races) { /* another CPU changes the value first */
		m->races--;
		for (unsigned i = 0; i < n && i < 8; i++)
			p[i] ^= (u8)(m->race_xor >> (8 * i));
	}
	if (memcmp(p, old, n)) {
		memcpy(old, p, n);
		return 1;
	}
	memcpy(p, new_, n);
	return 0;
}

static void ctx_init(struct emu_ctx *c, struct fake_mem *m, enum cpu_mode mode)
{
	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->opaque = m;
	c->read = fake_read;
	c->write = fake_write;
	c->rflags = 0x202;
}

/* --- Differential cases against the host CPU -------------------------- */

static u8 image[NATIVE_DATA_SIZE];	/* memory before */
static u8 native_mem[NATIVE_DATA_SIZE]; /* memory after the CPU ran */

struct dcase {
	unsigned mode; /* 64, 32 or 16 */
	enum cpu_mode cm;
	u64 seg_base[X86_NR_SEGS];
	struct gen g;
	u8 b[16];
	size_t n;
	struct x86_insn insn;
	struct native_state init;
};

static u64 amask_of(unsigned asz)
{
	return asz >= 8 ? ~0ull : (1ull << (8 * asz)) - 1;
}

/* Flags an instruction leaves undefined (SDM Vol. 2, "Flags Affected"). */
static u64 undefined_flags(enum x86_kind k)
{
	switch (k) {
	case X86_AND:
	case X86_OR:
	case X86_XOR: return X86_FL_AF;
	case X86_BTS:
	case X86_BTR:
	case X86_BTC: return X86_FL_OF | X86_FL_SF | X86_FL_AF | X86_FL_PF;
	default: return 0;
	}
}

static u64 seg_base_of(const struct dcase *c, int seg)
{
	return c->seg_base[seg];
}

/*
 * Make the generated prefixes runnable here. In 32/16-bit runs the FS
 * selector is null (FS holds our TLS) and CS is not writable; the GS base
 * is beyond the reach of 16-bit offsets, and without an LDT so is every
 * base. In 64-bit mode, a 32-bit address cannot reach the arena from the
 * (high) FS base.
 */
static void fix_prefixes(struct dcase *c)
{
	struct gen *g = &c->g;
	bool a16 = gen_addrsize(g) == 2;
	unsigned k = 0;

	for (unsigned i = 0; i < g->npfx; i++) {
		u8 p = g->pfx[i];

		if (c->mode != 64) {
			if (p == 0x67 && c->mode == 32 && !native_have_ldt())
				continue;
			if (p == 0x64)
				p = 0x65;
			if (p == 0x2e || (p == 0x65 && a16))
				p = 0x3e;
		} else if (p == 0x64 && gen_has_prefix(g, 0x67)) {
			p = 0x65;
		}
		g->pfx[k++] = p;
	}
	g->npfx = k;
}

static void set_gpr(struct dcase *c, unsigned r, u64 v)
{
	c->init.gpr[r] = c->mode == 64 ? v : (v & 0xffffffffull);
}

/* Random garbage above the address size, where the CPU ignores it. */
static u64 garbage_above(const struct dcase *c, unsigned asz)
{
	if (c->mode == 64 && asz == 4)
		return rng_next() << 32;
	if (c->mode != 64 && asz == 2)
		return (rng_next() << 16) & 0xffff0000ull;
	return 0;
}

/*
 * A segment offset reaching linear address t, or false. Outside 64-bit
 * mode, keep 1 KiB away from both ends of the offset range: an access
 * straddling the 4 GiB segment limit faults (#GP) on the CPU, and string
 * instructions move rSI/rDI by up to a few hundred bytes.
 */
static bool offset_to(const struct dcase *c, int seg, u64 t, unsigned asz,
		      u64 *off)
{
	u64 o = t - seg_base_of(c, seg);

	if (c->mode == 64) {
		*off = o & amask_of(asz);
		return *off == o;
	}
	o &= 0xffffffffull;
	*off = o;
	return o >= 1024 && o <= amask_of(asz) - 1024;
}

static void patch_disp(struct dcase *c, size_t off, size_t len, u64 v)
{
	for (size_t i = 0; i < len; i++)
		c->b[off + i] = (u8)(v >> (8 * i));
}

/* Registers for STOS/MOVS: rDI at dst, rSI at src, a small count. */
static bool solve_string(struct dcase *c, u64 data)
{
	unsigned asz = gen_addrsize(&c->g);
	u64 dst = data + 2048 + rng_below(NATIVE_DATA_SIZE - 4096);
	u64 src = data + 2048 + rng_below(NATIVE_DATA_SIZE - 4096);
	u64 count = rng_chance(5) ? 0 : rng_below(40), di, si;

	if (rng_chance(20)) /* overlapping source and destination */
		src = dst + rng_below(17) - 8;
	if (!offset_to(c, X86_SEG_ES, dst, asz, &di) ||
	    !offset_to(c, c->insn.src_mem.seg, src, asz, &si))
		return false;
	set_gpr(c, X86_RDI, di | garbage_above(c, asz));
	set_gpr(c, X86_RSI, si | garbage_above(c, asz));
	if (c->insn.rep)
		set_gpr(c, X86_RCX,
			(c->init.gpr[X86_RCX] & ~amask_of(asz)) | count);
	return true;
}

/*
 * Registers (and, where the form has no base register, the displacement)
 * such that the memory operand (a store's destination, a load's source)
 * lands at a random place in the test buffer. Works from Capstone's
 * reading of the operand, not the decoder's.
 */
static bool solve_operand(struct dcase *c, const cs_insn *ci, size_t disp_off,
			  size_t disp_len)
{
	const cs_x86_op *op = cs_mem_op(ci);
	u64 data = (u64)(uintptr_t)native_data();
	unsigned asz = gen_addrsize(&c->g);
	u64 am = amask_of(asz);
	u8 base = X86_REG_NONE, index = X86_REG_NONE, num;
	bool hi8, rip = false;
	unsigned size, scale = (unsigned)op->mem.scale;
	u64 t, need, disp = (u64)op->mem.disp;

	if (!op)
		return false;
	if (op->mem.base == X86_REG_RIP || op->mem.base == X86_REG_EIP)
		rip = true;
	else if (op->mem.base != X86_REG_INVALID &&
		 cs_gpr(op->mem.base, &num, &hi8, &size))
		base = num;
	if (op->mem.index != X86_REG_INVALID &&
	    cs_gpr(op->mem.index, &num, &hi8, &size))
		index = num;

	/* BTx with a register: a small signed bit offset, independent of
	 * the address registers. */
	if (c->insn.src == X86_SRC_REG && c->insn.kind >= X86_BTS &&
	    c->insn.kind <= X86_BTC) {
		unsigned r = c->insn.reg, osz = c->insn.opsize;
		u64 m = amask_of(osz);
		u64 off = (u64)((s64)rng_below(4096) - 2048);

		if (r == base || r == index)
			return false;
		set_gpr(c, r, (c->init.gpr[r] & ~m) | (off & m));
	}

	t = data + 1024 + rng_below(NATIVE_DATA_SIZE - 2048);
	if (c->insn.kind == X86_CMPXCHG16B)
		t &= ~15ull;
	if (!offset_to(c, c->insn.mem.seg, t, asz, &need))
		return false;

	if (rip) {
		disp = t - (native_insn_addr(c->mode) + c->n);
		patch_disp(c, disp_off, disp_len, disp);
	} else if (base != X86_REG_NONE && base == index) {
		s64 v = ((s64)need - (s64)disp) / (s64)(1 + scale);

		set_gpr(c, base, ((u64)v & am) | garbage_above(c, asz));
	} else if (base != X86_REG_NONE) {
		u64 iv = index != X86_REG_NONE ? c->init.gpr[index] : 0;

		set_gpr(c, base,
			((need - iv * scale - disp) & am) |
				garbage_above(c, asz));
	} else if (index != X86_REG_NONE) {
		u64 iv = rng_below(1u << 24);

		set_gpr(c, index, iv | garbage_above(c, asz));
		patch_disp(c, disp_off, disp_len, need - iv * scale);
	} else {
		patch_disp(c, disp_off, disp_len, need);
	}
	return true;
}

/* The memory operand's linear address, from Capstone and the registers. */
static bool cs_dest(const struct dcase *c, const cs_insn *ci, u64 *out)
{
	const cs_x86_op *op = cs_mem_op(ci);
	u64 am = amask_of(gen_addrsize(&c->g));
	u64 ea = (u64)op->mem.disp;
	u8 num;
	bool hi8;
	unsigned size;

	if (!op)
		return false;
	if (op->mem.base == X86_REG_RIP || op->mem.base == X86_REG_EIP)
		ea += native_insn_addr(c->mode) + c->n;
	else if (cs_gpr(op->mem.base, &num, &hi8, &size))
		ea += c->init.gpr[num];
	if (cs_gpr(op->mem.index, &num, &hi8, &size))
		ea += c->init.gpr[num] * (u64)op->mem.scale;
	*out = seg_base_of(c, c->insn.mem.seg) + (ea & am);
	if (c->mode != 64)
		*out &= 0xffffffffull;
	return true;
}

/* Put the accumulator's value at the destination, so that CMPXCHG takes
 * its "equal" path. */
static void make_cmpxchg_equal(const struct dcase *c, u64 dest)
{
	u8 *p = image + (dest - (u64)(uintptr_t)native_data());
	const u64 *g = c->init.gpr;

	switch (c->insn.kind) {
	case X86_CMPXCHG: memcpy(p, &g[X86_RAX], c->insn.opsize); break;
	case X86_CMPXCHG8B:
		memcpy(p, &g[X86_RAX], 4);
		memcpy(p + 4, &g[X86_RDX], 4);
		break;
	case X86_CMPXCHG16B:
		memcpy(p, &g[X86_RAX], 8);
		memcpy(p + 8, &g[X86_RDX], 8);
		break;
	default: break;
	}
}

static char why[512];

/* Build one runnable case for form f; false to try another. */
static bool build_case(struct dcase *c, unsigned mode, const struct form *f)
{
	size_t disp_off, disp_len;
	const cs_insn *ci;
	u64 data = (u64)(uintptr_t)native_data(), dest = 0, off;
	unsigned nreg = mode == 64 ? 16 : 8;

	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->cm = mode == 64   ? CPU_MODE_64
		: mode == 32 ? CPU_MODE_32
			     : CPU_MODE_16;
	native_seg_bases(mode, c->seg_base);
	if ((f->not64 && mode == 64) || (f->only64 && mode != 64) ||
	    (f->not16 && mode == 16))
		return false;
	gen_random(&c->g, c->cm, f, false);
	fix_prefixes(c);
	c->n = gen_encode(&c->g, c->b, &disp_off, &disp_len);
	if (c->n > 15)
		return false;
	for (unsigned r = 0; r < nreg; r++)
		set_gpr(c, r, rng_next());
	c->init.rflags = 0x202 | (rng_next() & X86_FL_STATUS) |
			 (rng_chance(50) ? X86_FL_DF : 0);
	if (x86_decode(c->b, c->n, c->cm, &c->insn)) {
		snprintf(why, sizeof(why), "generated %s does not decode: %s",
			 hexbytes(c->b, c->n), c->insn.reason);
		fail_msg("%s", why);
	}
	ci = cs_one(c->cm, c->b, c->n);
	if (!ci)
		return false;
	if (f->string)
		return solve_string(c, data);
	if (c->insn.kind == X86_CMPXCHG16B && mode != 64)
		return false;
	if (!solve_operand(c, ci, disp_off, disp_len))
		return false;
	/* Decode again: the displacement may have been patched. */
	assert_int_equal(x86_decode(c->b, c->n, c->cm, &c->insn), 0);
	ci = cs_one(c->cm, c->b, c->n);
	assert_non_null(ci);
	if (!cs_dest(c, ci, &dest))
		return false;
	if (dest < data + 512 || dest > data + NATIVE_DATA_SIZE - 512 ||
	    !offset_to(c, c->insn.mem.seg, dest, 4, &off))
		return false;
	if (c->insn.kind == X86_CMPXCHG16B && (dest & 15))
		return false;
	if (c->insn.kind >= X86_CMPXCHG && c->insn.kind <= X86_CMPXCHG16B &&
	    rng_chance(50))
		make_cmpxchg_equal(c, dest);
	return true;
}

static const char *state_diff(const struct dcase *c,
			      const struct native_state *hw,
			      const struct emu_ctx *e)
{
	unsigned nreg = c->mode == 64 ? 16 : 8;
	u64 rm = c->mode == 64 ? ~0ull : 0xffffffffull;
	u64 fm = 0xfff & ~undefined_flags(c->insn.kind) & ~0x2ull;

	for (unsigned r = 0; r < nreg; r++) {
		if ((hw->gpr[r] & rm) != (e->gpr[r] & rm)) {
			snprintf(why, sizeof(why),
				 "r%u: cpu %#llx emulator %#llx (was %#llx)", r,
				 (unsigned long long)hw->gpr[r],
				 (unsigned long long)e->gpr[r],
				 (unsigned long long)c->init.gpr[r]);
			return why;
		}
	}
	if ((hw->rflags & fm) != (e->rflags & fm)) {
		snprintf(why, sizeof(why),
			 "rflags: cpu %#llx emulator %#llx (was %#llx)",
			 (unsigned long long)hw->rflags,
			 (unsigned long long)e->rflags,
			 (unsigned long long)c->init.rflags);
		return why;
	}
	if (memcmp(native_mem, native_data(), NATIVE_DATA_SIZE)) {
		unsigned i = 0;

		while (native_mem[i] == native_data()[i])
			i++;
		snprintf(why, sizeof(why),
			 "memory at +%#x: cpu %02x emulator %02x (was %02x)", i,
			 native_mem[i], native_data()[i], image[i]);
		return why;
	}
	return NULL;
}

/* Every byte the CPU changed lies in what the emulator says it wrote. */
static const char *check_written(const struct emu_ctx *e)
{
	u64 data = (u64)(uintptr_t)native_data();
	u64 lo = e->wr_gva - data, hi = lo + e->wr_len;

	if (!e->wr_len) {
		lo = hi = 0;
	} else if (e->wr_gva < data || hi > NATIVE_DATA_SIZE) {
		snprintf(why, sizeof(why),
			 "reported write [%#llx, +%llu) "
			 "outside the buffer",
			 (unsigned long long)e->wr_gva,
			 (unsigned long long)e->wr_len);
		return why;
	}
	if (memcmp(native_mem, image, lo) ||
	    memcmp(native_mem + hi, image + hi, NATIVE_DATA_SIZE - hi)) {
		snprintf(why, sizeof(why),
			 "bytes changed outside the reported write "
			 "[%#llx, +%llu)",
			 (unsigned long long)e->wr_gva,
			 (unsigned long long)e->wr_len);
		return why;
	}
	return NULL;
}

static unsigned long n_cases, n_eq_paths, n_changed, n_reg_changed;

/* Run one case on the CPU and in the emulator; false on a difference. */
static bool run_case(struct dcase *c)
{
	struct native_state hw = c->init;
	struct fake_mem m = { 0 };
	struct emu_ctx e;
	const char *d;
	int sig, r;

	/* The CPU. */
	memcpy(native_data(), image, NATIVE_DATA_SIZE);
	sig = native_run(c->mode, c->b, c->n, &hw);
	if (sig) {
		print_error("[%u] %s (%s): faulted on the CPU, signal %d\n",
			    c->mode, hexbytes(c->b, c->n), c->g.f->name, sig);
		for (unsigned r = 0; r < (c->mode == 64 ? 16u : 8u); r++)
			print_error("  r%u = %#llx\n", r,
				    (unsigned long long)c->init.gpr[r]);
		return false;
	}
	memcpy(native_mem, native_data(), NATIVE_DATA_SIZE);

	/* The emulator. */
	memcpy(native_data(), image, NATIVE_DATA_SIZE);
	ctx_init(&e, &m, c->cm);
	m.lo = (u64)(uintptr_t)native_data();
	m.hi = m.lo + NATIVE_DATA_SIZE;
	memcpy(e.gpr, c->init.gpr, sizeof(e.gpr));
	e.rflags = c->init.rflags;
	e.rip = native_insn_addr(c->mode);
	memcpy(e.seg_base, c->seg_base, sizeof(e.seg_base));
	if (rng_chance(50))
		e.cmpxchg = fake_cmpxchg; /* either way, the same result */
	if (rng_chance(50))
		e.rep_bulk = true; /* REP STOS/MOVS in blocks: the same too */
	r = x86_emulate(&c->insn, &e);
	if (r) {
		print_error("[%u] %s (%s): emulator returned %d\n", c->mode,
			    hexbytes(c->b, c->n), c->g.f->name, r);
		return false;
	}
	d = state_diff(c, &hw, &e);
	if (!d)
		d = check_written(&e);
	if (!d && e.rip != native_insn_addr(c->mode) + c->n)
		d = "rip not advanced by the length";
	if (!d && !c->g.f->string &&
	    (m.nwrites > 1 || (m.nwrites && m.last_write_n != c->insn.opsize)))
		d = "not one write of the operand's width";
	if (!d && x86_kind_is_load(c->insn.kind) &&
	    (m.nwrites || m.ncmpxchg || e.wr_len || m.nreads != 1 ||
	     m.last_read_n != c->insn.opsize))
		d = "load: not one read of the operand's width, or a write";
	if (!d && (c->insn.kind == X86_SETCC || c->insn.kind == X86_MOV) &&
	    m.nreads)
		d = "a pure store read its destination";
	if (!d && !c->g.f->string && !x86_kind_is_load(c->insn.kind) &&
	    !e.wr_len && c->insn.kind != X86_CMPXCHG &&
	    c->insn.kind != X86_CMPXCHG8B && c->insn.kind != X86_CMPXCHG16B)
		d = "no write reported";
	if (d) {
		print_error("[%u] %s (%s, %s): %s\n", c->mode,
			    hexbytes(c->b, c->n), c->g.f->name, c->insn.reason,
			    d);
		return false;
	}
	n_cases++;
	n_changed += memcmp(native_mem, image, NATIVE_DATA_SIZE) != 0;
	n_reg_changed += memcmp(hw.gpr, c->init.gpr, sizeof(hw.gpr)) != 0;
	if (e.wr_len && c->insn.kind >= X86_CMPXCHG &&
	    c->insn.kind <= X86_CMPXCHG16B)
		n_eq_paths++;
	return true;
}

struct native_param {
	unsigned mode;
	enum x86_kind kind;
	unsigned cases;
};

/* All forms of one kind, in one mode, many random cases each. */
static void test_native(void **state)
{
	const struct native_param *p = *state;
	unsigned bad = 0, nforms = 0;

	if (!native_init())
		fail_msg("cannot map the test arena");
	if (!native_have(p->mode)) {
		print_message("  %u-bit code does not run on this host\n",
			      p->mode);
		skip();
	}
	n_cases = n_eq_paths = n_changed = n_reg_changed = 0;
	for (unsigned i = 0; i < NATIVE_DATA_SIZE; i += 8) {
		u64 v = rng_next();

		memcpy(image + i, &v, 8);
	}
	for (unsigned fi = 0; fi < nr_forms; fi++) {
		const struct form *f = &forms[fi];
		enum x86_kind k = f->kind;

		if (k != p->kind &&
		    !(p->kind == X86_CMPXCHG16B && k == X86_CMPXCHG8B))
			continue;
		nforms++;
		for (unsigned i = 0, tries = 0;
		     i < p->cases && bad < 10 && tries < 20 * p->cases;
		     tries++) {
			struct dcase c;

			if (!build_case(&c, p->mode, f))
				continue;
			/* CMPXCHG8B's form stands for both widths */
			if (p->kind == X86_CMPXCHG8B &&
			    c.insn.kind != X86_CMPXCHG8B)
				continue;
			if (p->kind == X86_CMPXCHG16B &&
			    c.insn.kind != X86_CMPXCHG16B)
				continue;
			bad += !run_case(&c);
			i++;
		}
	}
	if (x86_kind_is_load(p->kind))
		print_message("  %lu cases agreed with the CPU, %lu changed "
			      "registers",
			      n_cases, n_reg_changed);
	else
		print_message("  %lu cases agreed with the CPU, %lu changed "
			      "memory",
			      n_cases, n_changed);
	if (p->kind >= X86_CMPXCHG && p->kind <= X86_CMPXCHG16B)
		print_message(" (%lu stored, %lu compared unequal)", n_eq_paths,
			      n_cases - n_eq_paths);
	print_message("\n");
	assert_int_equal(bad, 0);
	if (p->mode == 64 || p->kind != X86_CMPXCHG16B)
		assert_true(nforms > 0 && n_cases > 0);
}

/* --- Unit tests with fake memory ------------------------------------- */

/* Below 4 GiB, so that 16/32-bit linear addresses reach it. */
#define MEM_SIZE 0x20000u
static u8 *mem;

static struct fake_mem fake_on_mem(void)
{
	struct fake_mem m = { .lo = (u64)(uintptr_t)mem,
			      .hi = (u64)(uintptr_t)mem + MEM_SIZE };

	return m;
}

static u64 A(unsigned off) /* guest address of mem[off] */
{
	return (u64)(uintptr_t)mem + off;
}

static int emulate_hex(struct emu_ctx *c, const char *hex)
{
	u8 b[16];
	size_t n = 0;
	struct x86_insn insn;
	int r;

	while (*hex) {
		char *end;
		unsigned long v = strtoul(hex, &end, 16);

		if (end == hex)
			break;
		b[n++] = (u8)v;
		hex = end;
	}
	r = x86_decode(b, n, c->mode, &insn);
	if (r)
		fail_msg("%s: %s", hex, insn.reason);
	return x86_emulate(&insn, c);
}

/* A failed read or write leaves registers, flags and RIP alone. */
static void test_failed_access_changes_nothing(void **state)
{
	static const char *const insns[] = {
		"89 07",       "f0 48 01 07",	 "87 07",	"f0 0f b1 0f",
		"48 0f c7 0f", "f0 48 0f ab 07", "0f ba 2f 03", "ab",
		"48 a5",       "c6 07 01",	 "83 37 01",	"0f c3 07",
		"0f c7 0f",    "66 31 07",	 "28 27",	"f0 0f bb 07",
		"0f c1 07",    "f0 48 0f c1 07", "f0 fe 07",	"48 ff 0f",
		"f0 f7 17",    "f6 1f",		 "48 11 07",	"f0 83 1f 01",
		"0f 94 07",    "0f 95 07",
	};
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c, before;

	(void)state;
	for (unsigned writes_only = 0; writes_only < 2; writes_only++) {
		for (size_t i = 0; i < sizeof(insns) / sizeof(insns[0]); i++) {
			ctx_init(&c, &m, CPU_MODE_64);
			for (unsigned r = 0; r < 16; r++)
				c.gpr[r] = 0x1111111111111111ull * (r + 1);
			c.gpr[X86_RDI] = A(64);
			c.gpr[X86_RSI] = A(1024);
			c.gpr[X86_RAX] = 0; /* so that cmpxchg stores */
			c.gpr[X86_RDX] = 0;
			memset(mem, 0, 4096);
			c.rip = 0x1000;
			c.rflags = 0x202 | X86_FL_CF;
			if (i & 1)
				c.cmpxchg = fake_cmpxchg;
			m.fail_gva = A(64);
			m.fail_armed = true;
			m.fail_writes = writes_only;
			before = c;
			assert_int_equal(emulate_hex(&c, insns[i]), -EFAULT);
			assert_memory_equal(c.gpr, before.gpr, sizeof(c.gpr));
			assert_int_equal(c.rip, before.rip);
			assert_int_equal(c.rflags, before.rflags);
			assert_int_equal(c.wr_len, 0);
			for (unsigned k = 0; k < 4096; k++)
				assert_int_equal(mem[k], 0);
			m.fail_armed = false;
		}
	}
}

/* REP STOS stopping at a failing iteration: RCX/RDI count the done ones. */
static void test_rep_stos_fault_midway(void **state)
{
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c;

	(void)state;
	memset(mem, 0, MEM_SIZE);
	ctx_init(&c, &m, CPU_MODE_64);
	c.rip = 0x1000;
	c.gpr[X86_RAX] = 0x1122334455667788ull;
	c.gpr[X86_RDI] = A(0);
	c.gpr[X86_RCX] = 100;
	m.fail_gva = A(8 * 10 + 3); /* the 11th qword */
	m.fail_armed = true;
	assert_int_equal(emulate_hex(&c, "f3 48 ab"), -EFAULT);
	assert_int_equal(c.gpr[X86_RCX], 90);
	assert_int_equal(c.gpr[X86_RDI], A(80));
	assert_int_equal(c.rip, 0x1000); /* the guest re-executes the rest */
	assert_int_equal(c.rep_done, 10);
	assert_int_equal(c.wr_gva, A(0));
	assert_int_equal(c.wr_len, 80);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(((u64 *)mem)[i], 0x1122334455667788ull);
	assert_int_equal(((u64 *)mem)[10], 0);

	/* Resumed: it completes. */
	m.fail_armed = false;
	assert_int_equal(emulate_hex(&c, "f3 48 ab"), 0);
	assert_int_equal(c.gpr[X86_RCX], 0);
	assert_int_equal(c.gpr[X86_RDI], A(800));
	assert_int_equal(c.rip, 0x1003);
	assert_int_equal(c.rep_done, 90);
}

/* REP MOVS with a failing read, backwards (DF = 1). */
static void test_rep_movs_fault_backwards(void **state)
{
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c;

	(void)state;
	for (unsigned i = 0; i < 256; i++)
		mem[i] = (u8)i;
	ctx_init(&c, &m, CPU_MODE_64);
	c.rip = 0x1000;
	c.rflags |= X86_FL_DF;
	c.gpr[X86_RSI] = A(252); /* last dword of the source */
	c.gpr[X86_RDI] = A(4092);
	c.gpr[X86_RCX] = 64;
	m.fail_gva = A(200);
	m.fail_armed = true;
	assert_int_equal(emulate_hex(&c, "f3 a5"), -EFAULT);
	/* dwords at 252, 248, ..., 204 copied: 13 of them */
	assert_int_equal(c.rep_done, 13);
	assert_int_equal(c.gpr[X86_RCX], 64 - 13);
	assert_int_equal(c.gpr[X86_RSI], A(252 - 4 * 13));
	assert_int_equal(c.gpr[X86_RDI], A(4092 - 4 * 13));
	assert_int_equal(c.wr_gva, A(4092 - 4 * 12));
	assert_int_equal(c.wr_len, 4 * 13);
	assert_memory_equal(mem + 4092 - 4 * 12, mem + 252 - 4 * 12, 4 * 13);
	assert_int_equal(c.rip, 0x1000);
}

/* rep_max: at most that many iterations, then RIP stays for the guest. */
static void test_rep_max(void **state)
{
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c;

	(void)state;
	ctx_init(&c, &m, CPU_MODE_64);
	c.rip = 0x1000;
	c.gpr[X86_RDI] = A(0);
	c.gpr[X86_RCX] = 1000;
	c.rep_max = 512;
	assert_int_equal(emulate_hex(&c, "f3 aa"), 0);
	assert_int_equal(c.rep_done, 512);
	assert_int_equal(c.gpr[X86_RCX], 488);
	assert_int_equal(c.rip, 0x1000);
	assert_int_equal(emulate_hex(&c, "f3 aa"), 0);
	assert_int_equal(c.rep_done, 488);
	assert_int_equal(c.gpr[X86_RCX], 0);
	assert_int_equal(c.gpr[X86_RDI], A(1000));
	assert_int_equal(c.rip, 0x1002);

	/* REP with RCX = 0 does nothing but advance RIP */
	m.nwrites = 0;
	assert_int_equal(emulate_hex(&c, "f3 aa"), 0);
	assert_int_equal(m.nwrites, 0);
	assert_int_equal(c.wr_len, 0);
	assert_int_equal(c.rip, 0x1004);
}

/* rep_bulk: blocks end at page ends; a MOVS whose destination runs into
 * its source still copies element by element. */
static void test_rep_bulk(void **state)
{
	static const u8 want[16] = { 0, 1, 2, 3, 0, 1, 2, 3,
				     0, 1, 2, 3, 0, 1, 2, 3 };
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c;
	u32 v;

	(void)state;
	memset(mem, 0, 8192);
	ctx_init(&c, &m, CPU_MODE_64);
	c.rep_bulk = true;
	c.rip = 0x1000;
	c.gpr[X86_RDI] = A(4000);
	c.gpr[X86_RCX] = 100;
	c.gpr[X86_RAX] = 0x11223344;
	assert_int_equal(emulate_hex(&c, "f3 ab"), 0); /* rep stosd */
	assert_int_equal(m.nwrites, 2);		       /* 24 dwords, then 76 */
	assert_int_equal(c.rep_done, 100);
	assert_int_equal(c.gpr[X86_RCX], 0);
	assert_int_equal(c.gpr[X86_RDI], A(4400));
	assert_int_equal(c.wr_gva, A(4000));
	assert_int_equal(c.wr_len, 400);
	for (unsigned i = 0; i < 100; i++) {
		memcpy(&v, mem + 4000 + 4 * i, 4);
		assert_int_equal(v, 0x11223344);
	}
	assert_int_equal(mem[4400], 0);

	for (unsigned i = 0; i < 16; i++)
		mem[i] = (u8)i;
	ctx_init(&c, &m, CPU_MODE_64);
	c.rep_bulk = true;
	c.gpr[X86_RSI] = A(0);
	c.gpr[X86_RDI] = A(4);
	c.gpr[X86_RCX] = 12;
	assert_int_equal(emulate_hex(&c, "f3 a4"), 0); /* rep movsb */
	assert_memory_equal(mem, want, 16);
	assert_int_equal(c.gpr[X86_RSI], A(12));
	assert_int_equal(c.gpr[X86_RDI], A(16));

	m.nreads = m.nwrites = 0;
	ctx_init(&c, &m, CPU_MODE_64);
	c.rep_bulk = true;
	c.gpr[X86_RSI] = A(8192);
	c.gpr[X86_RDI] = A(0);
	c.gpr[X86_RCX] = 64;
	assert_int_equal(emulate_hex(&c, "f3 48 a5"), 0); /* rep movsq */
	assert_int_equal(m.nreads, 1);
	assert_int_equal(m.nwrites, 1);
	assert_memory_equal(mem, mem + 8192, 512);
}

/* Locked RMW through cmpxchg(): a lost race is redone from the new value. */
static void test_locked_race(void **state)
{
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c;
	u64 v = 100;

	(void)state;
	memcpy(mem, &v, 8);
	ctx_init(&c, &m, CPU_MODE_64);
	c.cmpxchg = fake_cmpxchg;
	c.gpr[X86_RDI] = A(0);
	c.gpr[X86_RAX] = 5;
	m.races = 2;
	m.race_xor = 0x100; /* 100 -> 356 -> 100 */
	assert_int_equal(emulate_hex(&c, "f0 48 01 07"), 0); /* lock add */
	memcpy(&v, mem, 8);
	assert_int_equal(v, 105);
	assert_int_equal(m.ncmpxchg, 3);
	assert_int_equal(m.nwrites, 0);

	/* lock cmpxchg: the value changes under it, so it now fails */
	v = 7;
	memcpy(mem, &v, 8);
	m.ncmpxchg = 0;
	m.races = 1;
	m.race_xor = 1; /* 7 -> 6 */
	c.gpr[X86_RAX] = 7;
	c.gpr[X86_RCX] = 9;
	assert_int_equal(emulate_hex(&c, "f0 48 0f b1 0f"), 0);
	memcpy(&v, mem, 8);
	assert_int_equal(v, 6);
	assert_int_equal(c.gpr[X86_RAX], 6);
	assert_false(c.rflags & X86_FL_ZF);
	assert_int_equal(c.wr_len, 0);

	/* An unlocked add does not use cmpxchg() */
	m.ncmpxchg = 0;
	assert_int_equal(emulate_hex(&c, "48 01 07"), 0);
	assert_int_equal(m.ncmpxchg, 0);

	/* Losing forever: -EBUSY and nothing changed */
	m.races = 1000;
	c.rip = 0x2000;
	assert_int_equal(emulate_hex(&c, "f0 48 0f ab 07"), -EBUSY);
	assert_int_equal(c.rip, 0x2000);
}

/*
 * XADD and the other read-modify-writes Linux does on data that shares a
 * page with a page table: the register gets the final old value after a
 * lost race; flags the CPU cannot be caught getting wrong by random
 * values alone.
 */
static void test_rmw_more(void **state)
{
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c;
	u32 d;
	u64 v;

	(void)state;
	/* lock xadd [rdi + 0x830], eax, racing once: 100 -> 356 */
	ctx_init(&c, &m, CPU_MODE_64);
	c.cmpxchg = fake_cmpxchg;
	c.rip = 0x1000;
	c.gpr[X86_RDI] = A(0x1000);
	c.gpr[X86_RAX] = 0xffffffff00000005ull;
	d = 100;
	memcpy(mem + 0x1830, &d, 4);
	m.races = 1;
	m.race_xor = 0x100;
	assert_int_equal(emulate_hex(&c, "f0 0f c1 87 30 08 00 00"), 0);
	memcpy(&d, mem + 0x1830, 4);
	assert_int_equal(d, 361);
	assert_int_equal(c.gpr[X86_RAX], 356); /* zero-extended */
	assert_int_equal(m.ncmpxchg, 2);
	assert_int_equal(m.nwrites, 0);
	assert_int_equal(c.wr_gva, A(0x1830));
	assert_int_equal(c.wr_len, 4);
	assert_int_equal(c.rip, 0x1008);

	/* unlocked xadd byte: no cmpxchg(), one write; AH gets the old */
	m = fake_on_mem();
	mem[0] = 0xff;
	c.gpr[X86_RDI] = A(0);
	c.gpr[X86_RAX] = 0x0200;
	assert_int_equal(emulate_hex(&c, "0f c0 27"), 0); /* xadd [rdi], ah */
	assert_int_equal(mem[0], 0x01);
	assert_int_equal(c.gpr[X86_RAX], 0xff00);
	assert_true(c.rflags & X86_FL_CF);
	assert_int_equal(m.ncmpxchg, 0);
	assert_int_equal(m.nwrites, 1);

	/* inc and dec keep CF; not keeps every flag */
	v = ~0ull;
	memcpy(mem, &v, 8);
	c.rflags = 0x202 | X86_FL_CF;
	assert_int_equal(emulate_hex(&c, "48 ff 07"), 0); /* inc qword */
	memcpy(&v, mem, 8);
	assert_int_equal(v, 0);
	assert_int_equal(c.rflags & X86_FL_STATUS,
			 X86_FL_CF | X86_FL_ZF | X86_FL_PF | X86_FL_AF);
	c.rflags = 0x202;
	assert_int_equal(emulate_hex(&c, "48 ff 0f"), 0); /* dec qword */
	memcpy(&v, mem, 8);
	assert_int_equal(v, ~0ull);
	assert_false(c.rflags & X86_FL_CF);
	assert_true(c.rflags & X86_FL_SF);
	c.rflags = 0x202 | X86_FL_OF | X86_FL_ZF;
	assert_int_equal(emulate_hex(&c, "48 f7 17"), 0); /* not qword */
	memcpy(&v, mem, 8);
	assert_int_equal(v, 0);
	assert_int_equal(c.rflags, 0x202 | X86_FL_OF | X86_FL_ZF);

	/* neg: CF = (operand != 0) */
	c.rflags = 0x202 | X86_FL_CF;
	assert_int_equal(emulate_hex(&c, "48 f7 1f"), 0); /* neg 0 */
	assert_false(c.rflags & X86_FL_CF);
	assert_true(c.rflags & X86_FL_ZF);
	mem[0] = 0x80;
	assert_int_equal(emulate_hex(&c, "f6 1f"), 0); /* neg byte 0x80 */
	assert_int_equal(mem[0], 0x80);
	assert_true(c.rflags & X86_FL_CF);
	assert_true(c.rflags & X86_FL_OF);

	/* adc/sbb take CF in: 0xffffffff + 0 + 1 carries out */
	d = 0xffffffff;
	memcpy(mem, &d, 4);
	c.gpr[X86_RCX] = 0;
	c.rflags = 0x202 | X86_FL_CF;
	assert_int_equal(emulate_hex(&c, "11 0f"), 0); /* adc [rdi], ecx */
	memcpy(&d, mem, 4);
	assert_int_equal(d, 0);
	assert_true(c.rflags & X86_FL_CF);
	assert_true(c.rflags & X86_FL_ZF);
	assert_int_equal(emulate_hex(&c, "19 0f"), 0); /* sbb: 0 - 0 - 1 */
	memcpy(&d, mem, 4);
	assert_int_equal(d, 0xffffffff);
	assert_true(c.rflags & X86_FL_CF);
}

/* SETcc writes one byte and reads nothing, also on MMIO. */
static void test_setcc(void **state)
{
	static const struct {
		const char *hex;
		u64 flags;
		u8 want;
	} cases[] = {
		{ "0f 94 07", X86_FL_ZF, 1 },		  /* sete */
		{ "0f 95 07", X86_FL_ZF, 0 },		  /* setne */
		{ "0f 92 07", X86_FL_CF, 1 },		  /* setb */
		{ "0f 97 07", X86_FL_CF, 0 },		  /* seta */
		{ "0f 97 07", 0, 1 },			  /* seta */
		{ "0f 9c 07", X86_FL_SF, 1 },		  /* setl */
		{ "0f 9c 07", X86_FL_SF | X86_FL_OF, 0 }, /* setl */
		{ "0f 9f 07", X86_FL_SF | X86_FL_OF, 1 }, /* setg */
		{ "0f 9e 07", X86_FL_ZF, 1 },		  /* setle */
		{ "0f 9a 07", X86_FL_PF, 1 },		  /* setp */
		{ "0f 90 07", X86_FL_OF, 1 },		  /* seto */
		{ "0f 99 07", X86_FL_SF, 0 },		  /* setns */
	};
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ctx_init(&c, &m, CPU_MODE_64);
		c.cmpxchg = fake_cmpxchg;
		c.gpr[X86_RDI] = A(0x10);
		c.rflags = 0x202 | cases[i].flags;
		memset(mem, 0xaa, 0x20);
		m.nreads = m.nwrites = m.ncmpxchg = 0;
		assert_int_equal(emulate_hex(&c, cases[i].hex), 0);
		assert_int_equal(mem[0x10], cases[i].want);
		assert_int_equal(mem[0x0f], 0xaa);
		assert_int_equal(mem[0x11], 0xaa);
		assert_int_equal(m.nreads, 0);
		assert_int_equal(m.nwrites, 1);
		assert_int_equal(m.last_write_n, 1);
		assert_int_equal(m.ncmpxchg, 0);
		assert_int_equal(c.wr_gva, A(0x10));
		assert_int_equal(c.wr_len, 1);
		assert_int_equal(c.rflags, 0x202 | cases[i].flags);
	}
}

/* 16-bit mode: segment bases, 16-bit offsets wrapping, IP wrapping. */
static void test_mode16(void **state)
{
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c;
	u16 w;

	(void)state;
	memset(mem, 0, MEM_SIZE);
	ctx_init(&c, &m, CPU_MODE_16);
	c.seg_base[X86_SEG_DS] = A(0x100);
	c.seg_base[X86_SEG_SS] = A(0x800);
	c.seg_base[X86_SEG_ES] = A(0x1000);
	c.rip = 0xfffe;
	c.gpr[X86_RBX] = 0xfff0;
	c.gpr[X86_RSI] = 0x0020;
	c.gpr[X86_RAX] = 0xdeadbeef;
	/* mov [bx + si + 0x10], ax: offset (0xfff0 + 0x20 + 0x10) & 0xffff */
	assert_int_equal(emulate_hex(&c, "89 40 10"), 0);
	memcpy(&w, mem + 0x100 + 0x20, 2);
	assert_int_equal(w, 0xbeef);
	assert_int_equal(c.wr_gva, A(0x120));
	assert_int_equal(c.rip, 0x0001); /* IP wrapped */

	/* mov [bp + 4], ax uses SS */
	c.gpr[X86_RBP] = 4;
	assert_int_equal(emulate_hex(&c, "89 46 04"), 0);
	assert_int_equal(c.wr_gva, A(0x808));

	/* es: override; 66: 32-bit operand */
	c.gpr[X86_RBX] = 0xfff0;
	assert_int_equal(emulate_hex(&c, "26 66 89 07"), 0);
	assert_int_equal(c.wr_gva, A(0x1000 + 0xfff0));
	assert_int_equal(c.wr_len, 4);

	/* rep stosw: DI wraps, CX counts in 16 bits, upper bits kept */
	c.gpr[X86_RDI] = 0xabcd0000fffeull;
	c.gpr[X86_RCX] = 0x5555000000000003ull;
	assert_int_equal(emulate_hex(&c, "f3 ab"), 0);
	assert_int_equal(c.gpr[X86_RDI], 0xabcd00000004ull);
	assert_int_equal(c.gpr[X86_RCX], 0x5555000000000000ull);
	memcpy(&w, mem + 0x1000 + 0xfffe, 2);
	assert_int_equal(w, 0xbeef);
	memcpy(&w, mem + 0x1000 + 0x2, 2);
	assert_int_equal(w, 0xbeef);
}

/* 32-bit mode with segment bases (not flat), and linear wrap at 4 GiB. */
static void test_mode32_segments(void **state)
{
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c;
	u32 d;

	(void)state;
	ctx_init(&c, &m, CPU_MODE_32);
	c.seg_base[X86_SEG_DS] = A(0x200);
	c.seg_base[X86_SEG_FS] = A(0x400);
	c.gpr[X86_RAX] = 0x100;
	c.gpr[X86_RCX] = 0xcafef00d;
	c.rip = 0x1000;
	/* mov [fs:eax*2 + 8], ecx */
	assert_int_equal(emulate_hex(&c, "64 89 0c 45 08 00 00 00"), 0);
	memcpy(&d, mem + 0x400 + 0x208, 4);
	assert_int_equal(d, 0xcafef00d);
	/* 67: 16-bit addressing in 32-bit mode: [bx + si] wraps at 64 KiB */
	c.gpr[X86_RBX] = 0xffff;
	c.gpr[X86_RSI] = 0x11;
	assert_int_equal(emulate_hex(&c, "67 89 08"), 0);
	assert_int_equal(c.wr_gva, A(0x200 + 0x10));
}

/* Odd cases: CMPXCHG16B alignment, mode mismatch, 32-bit register writes. */
static void test_misc(void **state)
{
	struct fake_mem m = fake_on_mem();
	struct emu_ctx c;
	struct x86_insn insn;

	(void)state;
	ctx_init(&c, &m, CPU_MODE_64);
	c.gpr[X86_RSI] = A(8);
	assert_int_equal(emulate_hex(&c, "48 0f c7 0e"), -EINVAL);

	assert_int_equal(
		x86_decode((const u8 *)"\x89\x00", 2, CPU_MODE_32, &insn), 0);
	assert_int_equal(x86_emulate(&insn, &c), -EINVAL);

	/* xchg with a 32-bit register zero-extends it */
	memset(mem, 0x5a, 16);
	c.gpr[X86_RDI] = A(0);
	c.gpr[X86_RDX] = 0xffffffff00000001ull;
	assert_int_equal(emulate_hex(&c, "87 17"), 0);
	assert_int_equal(c.gpr[X86_RDX], 0x5a5a5a5aull);
	/* ... an 8-bit one does not; AH is bits 15:8 */
	memset(mem, 0x5a, 16);
	c.gpr[X86_RAX] = 0x1111111111112211ull;
	assert_int_equal(emulate_hex(&c, "86 27"), 0);
	assert_int_equal(c.gpr[X86_RAX], 0x1111111111115a11ull);
	assert_int_equal(mem[0], 0x22);

	/* RIP-relative is relative to the next instruction */
	c.rip = A(0x100);
	c.gpr[X86_RAX] = 0x77;
	assert_int_equal(emulate_hex(&c, "88 05 f0 ff ff ff"), 0); /* -16 */
	assert_int_equal(c.wr_gva, A(0x100 + 6 - 16));
	assert_int_equal(mem[0x100 + 6 - 16], 0x77);

	/* bts with a negative register bit offset addresses below */
	c.gpr[X86_RDI] = A(0x200);
	c.gpr[X86_RAX] = (u64)-1; /* bit 63 of the qword at -8 */
	memset(mem + 0x1f8, 0, 16);
	assert_int_equal(emulate_hex(&c, "48 0f ab 07"), 0);
	assert_int_equal(c.wr_gva, A(0x1f8));
	assert_int_equal(mem[0x1ff], 0x80);
}

/* --- Loads through MMIO-like callbacks -------------------------------- */

/* A device register file: records each access, reads return reg_val. */
struct fake_mmio {
	unsigned nreads, nwrites;
	u64 last_gva;
	unsigned last_n;
	u64 reg_val;
	int fail; /* returned by read() if nonzero */
};

static int mmio_read(void *opaque, u64 gva, void *buf, unsigned n)
{
	struct fake_mmio *d = opaque;

	d->nreads++;
	d->last_gva = gva;
	d->last_n = n;
	if (d->fail)
		return d->fail;
	memcpy(buf, &d->reg_val, n);
	return 0;
}

static int mmio_write(void *opaque, u64 gva, const void *buf, unsigned n)
{
	struct fake_mmio *d = opaque;

	d->nwrites++;
	d->last_gva = gva;
	d->last_n = n;
	d->reg_val = 0;
	memcpy(&d->reg_val, buf, n);
	return 0;
}

static void mmio_ctx(struct emu_ctx *c, struct fake_mmio *d, enum cpu_mode mode)
{
	memset(d, 0, sizeof(*d));
	memset(c, 0, sizeof(*c));
	c->mode = mode;
	c->opaque = d;
	c->read = mmio_read;
	c->write = mmio_write;
	c->rip = 0x1000;
	c->rflags = 0x202 | X86_FL_CF | X86_FL_ZF | X86_FL_RF;
	for (unsigned r = 0; r < 16; r++)
		c->gpr[r] = 0x1111111111111111ull * (r + 1);
}

/* One read of the operand's width at gva, no write, RIP advanced by len,
 * flags unchanged but RF. */
static void expect_load(const struct emu_ctx *c, const struct fake_mmio *d,
			u64 gva, unsigned n, unsigned len)
{
	assert_int_equal(d->nreads, 1);
	assert_int_equal(d->nwrites, 0);
	assert_int_equal(d->last_gva, gva);
	assert_int_equal(d->last_n, n);
	assert_int_equal(c->wr_len, 0);
	assert_int_equal(c->rip, 0x1000 + len);
	assert_int_equal(c->rflags, 0x202 | X86_FL_CF | X86_FL_ZF);
}

static void test_loads(void **state)
{
	struct fake_mmio d;
	struct emu_ctx c, before;

	(void)state;
	/* Linux's readl() of an xAPIC register through the fixmap:
	 * mov eax, [0xffffffffff5fd030]; the upper half of RAX is zeroed */
	mmio_ctx(&c, &d, CPU_MODE_64);
	d.reg_val = 0xfedcba9887654321ull;
	assert_int_equal(emulate_hex(&c, "8b 04 25 30 d0 5f ff"), 0);
	expect_load(&c, &d, 0xffffffffff5fd030ull, 4, 7);
	assert_int_equal(c.gpr[X86_RAX], 0x87654321ull);
	assert_int_equal(c.gpr[X86_RCX], 0x2222222222222222ull);

	/* mov eax, [rdi + 0x20] (mod 2, disp32) */
	mmio_ctx(&c, &d, CPU_MODE_64);
	c.gpr[X86_RDI] = 0xffffffffff5fd000ull;
	d.reg_val = 0x14;
	assert_int_equal(emulate_hex(&c, "8b 87 20 00 00 00"), 0);
	expect_load(&c, &d, 0xffffffffff5fd020ull, 4, 6);
	assert_int_equal(c.gpr[X86_RAX], 0x14);

	/* writel(): mov [0xffffffffff5fd0b0], edi writes 4 bytes, reads
	 * nothing */
	mmio_ctx(&c, &d, CPU_MODE_64);
	assert_int_equal(emulate_hex(&c, "89 3c 25 b0 d0 5f ff"), 0);
	assert_int_equal(d.nreads, 0);
	assert_int_equal(d.nwrites, 1);
	assert_int_equal(d.last_gva, 0xffffffffff5fd0b0ull);
	assert_int_equal(d.last_n, 4);
	assert_int_equal(d.reg_val, 0x88888888ull);
	assert_int_equal(c.wr_gva, 0xffffffffff5fd0b0ull);
	assert_int_equal(c.wr_len, 4);

	/* 8- and 16-bit destinations merge; AH is bits 15:8 */
	mmio_ctx(&c, &d, CPU_MODE_64);
	c.gpr[X86_RSI] = 0x100;
	d.reg_val = 0xa5b6c7d8;
	assert_int_equal(emulate_hex(&c, "8a 26"), 0); /* mov ah, [rsi] */
	expect_load(&c, &d, 0x100, 1, 2);
	assert_int_equal(c.gpr[X86_RAX], 0x111111111111d811ull);
	mmio_ctx(&c, &d, CPU_MODE_64);
	c.gpr[X86_RSI] = 0x100;
	d.reg_val = 0xa5b6c7d8;
	assert_int_equal(emulate_hex(&c, "66 8b 16"), 0); /* mov dx, [rsi] */
	expect_load(&c, &d, 0x100, 2, 3);
	assert_int_equal(c.gpr[X86_RDX], 0x333333333333c7d8ull);

	/* movzx/movsx: zero- and sign-extension to the destination */
	mmio_ctx(&c, &d, CPU_MODE_64);
	d.reg_val = 0x80f0;
	c.gpr[X86_RSI] = 0x100;
	assert_int_equal(emulate_hex(&c, "48 0f b6 06"), 0); /* movzx rax, b */
	expect_load(&c, &d, 0x100, 1, 4);
	assert_int_equal(c.gpr[X86_RAX], 0xf0);
	mmio_ctx(&c, &d, CPU_MODE_64);
	d.reg_val = 0x80f0;
	c.gpr[X86_RSI] = 0x100;
	assert_int_equal(emulate_hex(&c, "48 0f bf 06"), 0); /* movsx rax, w */
	expect_load(&c, &d, 0x100, 2, 4);
	assert_int_equal(c.gpr[X86_RAX], 0xffffffffffff80f0ull);
	mmio_ctx(&c, &d, CPU_MODE_64);
	d.reg_val = 0x80f0;
	c.gpr[X86_RSI] = 0x100;
	assert_int_equal(emulate_hex(&c, "0f be 06"), 0); /* movsx eax, b */
	assert_int_equal(c.gpr[X86_RAX], 0xfffffff0ull);
	mmio_ctx(&c, &d, CPU_MODE_64);
	d.reg_val = 0x80f0;
	c.gpr[X86_RSI] = 0x100;
	assert_int_equal(emulate_hex(&c, "66 0f be 06"), 0); /* movsx ax, b */
	assert_int_equal(c.gpr[X86_RAX], 0x111111111111fff0ull);
	mmio_ctx(&c, &d, CPU_MODE_64);
	d.reg_val = 0x87654321;
	c.gpr[X86_RSI] = 0x100;
	assert_int_equal(emulate_hex(&c, "4c 63 0e"), 0); /* movsxd r9, d */
	expect_load(&c, &d, 0x100, 4, 3);
	assert_int_equal(c.gpr[9], 0xffffffff87654321ull);

	/* movabs rax, [moffs64]; 32-bit mode: mov eax, fs:[moffs32] */
	mmio_ctx(&c, &d, CPU_MODE_64);
	d.reg_val = 0x0123456789abcdefull;
	assert_int_equal(emulate_hex(&c, "48 a1 30 d0 5f ff ff ff ff ff"), 0);
	expect_load(&c, &d, 0xffffffffff5fd030ull, 8, 10);
	assert_int_equal(c.gpr[X86_RAX], 0x0123456789abcdefull);
	mmio_ctx(&c, &d, CPU_MODE_32);
	c.seg_base[X86_SEG_FS] = 0xfee00000;
	d.reg_val = 0x50;
	assert_int_equal(emulate_hex(&c, "64 a1 30 00 00 00"), 0);
	expect_load(&c, &d, 0xfee00030ull, 4, 6);
	assert_int_equal(c.gpr[X86_RAX], 0x50);

	/* A failing read leaves everything as it was */
	mmio_ctx(&c, &d, CPU_MODE_64);
	d.fail = -EFAULT;
	before = c;
	assert_int_equal(emulate_hex(&c, "8b 04 25 30 d0 5f ff"), -EFAULT);
	assert_int_equal(d.nreads, 1);
	assert_int_equal(d.nwrites, 0);
	assert_memory_equal(c.gpr, before.gpr, sizeof(c.gpr));
	assert_int_equal(c.rip, before.rip);
	assert_int_equal(c.rflags, before.rflags);
	assert_int_equal(c.wr_len, 0);
}

static int setup(void **state)
{
	void *p;

	(void)state;
	cs_setup();
	if (native_init())
		print_message(
			"native runs: 64-bit %s, 32-bit %s (%s segments), "
			"16-bit %s\n",
			native_have(64) ? "yes" : "no",
			native_have(32) ? "yes" : "no",
			native_have_ldt() ? "LDT" : "flat",
			native_have(16) ? "yes" : "no");
	p = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	mem = p;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cs_teardown();
	return 0;
}

#define NATIVE(m, k, name)                                     \
	{                                                      \
		"native" #m "_" name, test_native, NULL, NULL, \
			&(struct native_param)                 \
		{                                              \
			.mode = m, .kind = k, .cases = CASES   \
		}                                              \
	}
#define CASES 4000

int main(void)
{
	const struct CMUnitTest tests[] = {
		NATIVE(64, X86_MOV, "mov"),
		NATIVE(64, X86_MOVNTI, "movnti"),
		NATIVE(64, X86_XCHG, "xchg"),
		NATIVE(64, X86_CMPXCHG, "cmpxchg"),
		NATIVE(64, X86_CMPXCHG8B, "cmpxchg8b"),
		NATIVE(64, X86_CMPXCHG16B, "cmpxchg16b"),
		NATIVE(64, X86_ADD, "add"),
		NATIVE(64, X86_OR, "or"),
		NATIVE(64, X86_AND, "and"),
		NATIVE(64, X86_SUB, "sub"),
		NATIVE(64, X86_XOR, "xor"),
		NATIVE(64, X86_BTS, "bts"),
		NATIVE(64, X86_BTR, "btr"),
		NATIVE(64, X86_BTC, "btc"),
		NATIVE(64, X86_STOS, "stos"),
		NATIVE(64, X86_MOVS, "movs"),
		NATIVE(64, X86_MOV_LOAD, "mov_load"),
		NATIVE(64, X86_MOVZX, "movzx"),
		NATIVE(64, X86_MOVSX, "movsx"),
		NATIVE(64, X86_XADD, "xadd"),
		NATIVE(64, X86_ADC, "adc"),
		NATIVE(64, X86_SBB, "sbb"),
		NATIVE(64, X86_INC, "inc"),
		NATIVE(64, X86_DEC, "dec"),
		NATIVE(64, X86_NOT, "not"),
		NATIVE(64, X86_NEG, "neg"),
		NATIVE(64, X86_SETCC, "setcc"),
		NATIVE(32, X86_MOV, "mov"),
		NATIVE(32, X86_MOVNTI, "movnti"),
		NATIVE(32, X86_XCHG, "xchg"),
		NATIVE(32, X86_CMPXCHG, "cmpxchg"),
		NATIVE(32, X86_CMPXCHG8B, "cmpxchg8b"),
		NATIVE(32, X86_ADD, "add"),
		NATIVE(32, X86_OR, "or"),
		NATIVE(32, X86_AND, "and"),
		NATIVE(32, X86_SUB, "sub"),
		NATIVE(32, X86_XOR, "xor"),
		NATIVE(32, X86_BTS, "bts"),
		NATIVE(32, X86_BTR, "btr"),
		NATIVE(32, X86_BTC, "btc"),
		NATIVE(32, X86_STOS, "stos"),
		NATIVE(32, X86_MOVS, "movs"),
		NATIVE(32, X86_MOV_LOAD, "mov_load"),
		NATIVE(32, X86_MOVZX, "movzx"),
		NATIVE(32, X86_MOVSX, "movsx"),
		NATIVE(32, X86_XADD, "xadd"),
		NATIVE(32, X86_ADC, "adc"),
		NATIVE(32, X86_SBB, "sbb"),
		NATIVE(32, X86_INC, "inc"),
		NATIVE(32, X86_DEC, "dec"),
		NATIVE(32, X86_NOT, "not"),
		NATIVE(32, X86_NEG, "neg"),
		NATIVE(32, X86_SETCC, "setcc"),
		NATIVE(16, X86_MOV, "mov"),
		NATIVE(16, X86_XCHG, "xchg"),
		NATIVE(16, X86_CMPXCHG, "cmpxchg"),
		NATIVE(16, X86_CMPXCHG8B, "cmpxchg8b"),
		NATIVE(16, X86_ADD, "add"),
		NATIVE(16, X86_OR, "or"),
		NATIVE(16, X86_AND, "and"),
		NATIVE(16, X86_SUB, "sub"),
		NATIVE(16, X86_XOR, "xor"),
		NATIVE(16, X86_BTS, "bts"),
		NATIVE(16, X86_BTR, "btr"),
		NATIVE(16, X86_BTC, "btc"),
		NATIVE(16, X86_STOS, "stos"),
		NATIVE(16, X86_MOVS, "movs"),
		NATIVE(16, X86_MOV_LOAD, "mov_load"),
		NATIVE(16, X86_MOVZX, "movzx"),
		NATIVE(16, X86_MOVSX, "movsx"),
		NATIVE(16, X86_XADD, "xadd"),
		NATIVE(16, X86_ADC, "adc"),
		NATIVE(16, X86_SBB, "sbb"),
		NATIVE(16, X86_INC, "inc"),
		NATIVE(16, X86_DEC, "dec"),
		NATIVE(16, X86_NOT, "not"),
		NATIVE(16, X86_NEG, "neg"),
		NATIVE(16, X86_SETCC, "setcc"),
		cmocka_unit_test(test_failed_access_changes_nothing),
		cmocka_unit_test(test_rep_stos_fault_midway),
		cmocka_unit_test(test_rep_movs_fault_backwards),
		cmocka_unit_test(test_rep_max),
		cmocka_unit_test(test_rep_bulk),
		cmocka_unit_test(test_locked_race),
		cmocka_unit_test(test_rmw_more),
		cmocka_unit_test(test_setcc),
		cmocka_unit_test(test_mode16),
		cmocka_unit_test(test_mode32_segments),
		cmocka_unit_test(test_misc),
		cmocka_unit_test(test_loads),
	};

	print_message("emulator seed %#llx (set DECODER_SEED to change)\n",
		      (unsigned long long)rng_seed_from_env());
	return cmocka_run_group_tests_name("emulator", tests, setup, teardown);
}
