// SPDX-License-Identifier: MIT
/*
 * Emulation of the guest loads and stores decoded by insn/decode.c (see
 * emulate.h).
 *
 * Loads read their memory source once and then write their destination
 * register. Every store follows the same plan: compute the destination's
 * linear address, read the old value if the instruction needs it, compute
 * the new value, flags and register results, store, and only once the
 * store succeeded commit registers, RFLAGS and RIP. A failed access thus
 * leaves the guest as it was. REP string instructions are the exception:
 * they commit per iteration, as the CPU does when interrupted.
 */
#include "insn/emulate.h"
#include "insn/x86_flags.h"
#include "lib/string.h"

/* How often a locked read-modify-write may lose a race before -EBUSY. */
#define EMU_LOCK_TRIES 64

/* --- Registers ----------------------------------------------------------- */

/* The low n bytes of a GPR, or AH/CH/DH/BH if hi8 (decode.h). */
static u64 reg_get(const struct emu_ctx *c, unsigned r, bool hi8, unsigned n)
{
	if (hi8)
		return (c->gpr[r] >> 8) & 0xff;
	return c->gpr[r] & x86_size_mask(n);
}

/*
 * Write the low n bytes of a GPR. 8- and 16-bit writes keep the other
 * bits; 32-bit writes zero-extend to 64 bits (SDM Vol. 1, §3.4.1.1).
 */
static void reg_set(struct emu_ctx *c, unsigned r, bool hi8, unsigned n, u64 v)
{
	u64 *g = &c->gpr[r];

	if (hi8)
		*g = (*g & ~0xff00ull) | ((v & 0xff) << 8);
	else if (n == 4)
		*g = v & 0xffffffffull;
	else
		*g = (*g & ~x86_size_mask(n)) | (v & x86_size_mask(n));
}

/* --- Addresses ---------------------------------------------------------- */

static u64 addr_mask(unsigned addrsize)
{
	return x86_size_mask(addrsize);
}

/* RIP after the instruction; IP/EIP wrap at the mode's width. */
static u64 next_rip(const struct x86_insn *i, const struct emu_ctx *c)
{
	return (c->rip + i->len) & x86_size_mask(i->mode / 8);
}

/* SDM Vol. 1, §3.7.5; Vol. 2, §2.2.1.6 for RIP-relative addresses. */
u64 x86_mem_offset(const struct x86_insn *i, const struct x86_mem *m,
		   const u64 gpr[16], u64 rip)
{
	u64 ea = (u64)m->disp;

	if (m->rip_rel)
		ea += (rip + i->len) & x86_size_mask(i->mode / 8); /* next */
	if (m->base != X86_REG_NONE)
		ea += gpr[m->base];
	if (m->index != X86_REG_NONE)
		ea += gpr[m->index] * m->scale;
	return ea & addr_mask(i->addrsize);
}

static u64 mem_offset(const struct x86_insn *i, const struct emu_ctx *c,
		      const struct x86_mem *m)
{
	return x86_mem_offset(i, m, c->gpr, c->rip);
}

/*
 * Segment offset to linear address. In 64-bit mode only FS and GS have a
 * base (SDM Vol. 1, §3.7.4.1); elsewhere linear addresses wrap at 4 GiB.
 */
static u64 linear(const struct x86_insn *i, const struct emu_ctx *c,
		  unsigned seg, u64 off)
{
	if (i->mode == CPU_MODE_64) {
		if (seg == X86_SEG_FS || seg == X86_SEG_GS)
			return c->seg_base[seg] + off;
		return off;
	}
	return (c->seg_base[seg] + off) & 0xffffffffull;
}

/*
 * BTS/BTR/BTC with a register bit offset and a memory operand address
 * the operand-sized word that holds the bit: the offset is signed, and
 * the address moves by (offset DIV width) words (SDM Vol. 2, BT, "Bit
 * Base and Bit Offset"; Vol. 1, §3.4.2.1).
 */
static bool bt_reg_form(const struct x86_insn *i)
{
	return (i->kind == X86_BTS || i->kind == X86_BTR ||
		i->kind == X86_BTC) &&
	       i->src == X86_SRC_REG;
}

static unsigned log2_size(unsigned n)
{
	return n == 8 ? 3 : n == 4 ? 2 : n == 2 ? 1 : 0;
}

/* The signed bit offset of a BTx register form, sign-extended to 64. */
static s64 bt_offset(const struct x86_insn *i, const struct emu_ctx *c)
{
	unsigned shift = 64 - 8 * i->opsize;

	return (s64)(c->gpr[i->reg] << shift) >> shift;
}

/* The linear address of the destination operand. */
static u64 dest_linear(const struct x86_insn *i, const struct emu_ctx *c)
{
	u64 off = mem_offset(i, c, &i->mem);

	if (bt_reg_form(i)) {
		/* An arithmetic shift rounds towards -inf, as DIV must. */
		s64 words = bt_offset(i, c) >> (3 + log2_size(i->opsize));

		off = (off + ((u64)words << log2_size(i->opsize))) &
		      addr_mask(i->addrsize);
	}
	return linear(i, c, i->mem.seg, off);
}

/* --- Read-modify-write --------------------------------------------------- */

/* A register result, committed only after the store succeeded. */
struct reg_wr {
	u8 reg;
	bool hi8;
	u8 size;
	u64 val;
};

/* The outcome of one instruction on its destination. */
struct rmw {
	u64 old[2];  /* the destination before (low 64 bits first) */
	u64 new_[2]; /* ... and after, if store */
	bool store;  /* write new_ back */
	u64 rflags;  /* RFLAGS after */
	struct reg_wr regs[2];
	unsigned nregs;
};

static void set_reg_later(struct rmw *w, unsigned r, bool hi8, unsigned n,
			  u64 v)
{
	w->regs[w->nregs++] = (struct reg_wr){ (u8)r, hi8, (u8)n, v };
}

/* The source value: register or immediate, in the low n bytes. */
static u64 src_value(const struct x86_insn *i, const struct emu_ctx *c)
{
	if (i->src == X86_SRC_IMM)
		return i->imm & x86_size_mask(i->opsize);
	return reg_get(c, i->reg, i->reg_hi8, i->opsize);
}

/*
 * ADD, OR, ADC, SBB, AND, SUB, XOR, and XADD's sum (SDM Vol. 2, those
 * pages: Operation, Flags Affected).
 */
static void compute_alu(const struct x86_insn *i, const struct emu_ctx *c,
			struct rmw *w)
{
	unsigned n = i->opsize;
	u64 a = w->old[0], b = src_value(i, c), res, f;
	u64 cf = (c->rflags & X86_FL_CF) ? 1 : 0;

	switch (i->kind) {
	case X86_ADD:
	case X86_XADD:
		res = a + b;
		f = x86_flags_add(a, b, n);
		break;
	case X86_ADC:
		res = a + b + cf;
		f = x86_flags_adc(a, b, cf, n);
		break;
	case X86_SBB:
		res = a - b - cf;
		f = x86_flags_sbb(a, b, cf, n);
		break;
	case X86_SUB:
		res = a - b;
		f = x86_flags_sub(a, b, n);
		break;
	case X86_OR:
		res = a | b;
		f = x86_flags_logic(res, n);
		break;
	case X86_AND:
		res = a & b;
		f = x86_flags_logic(res, n);
		break;
	default: /* X86_XOR */
		res = a ^ b;
		f = x86_flags_logic(res, n);
		break;
	}
	w->new_[0] = res & x86_size_mask(n);
	w->store = true;
	w->rflags = x86_flags_merge(c->rflags, f, X86_FL_STATUS);
}

/*
 * INC, DEC, NOT, NEG (SDM Vol. 2, those pages). INC and DEC set OF, SF,
 * ZF, AF and PF as ADD/SUB with 1 would, and keep CF. NOT affects no
 * flags. NEG computes 0 - operand, with SUB's flags: CF = (operand != 0).
 */
static void compute_unary(const struct x86_insn *i, const struct emu_ctx *c,
			  struct rmw *w)
{
	unsigned n = i->opsize;
	u64 a = w->old[0];

	switch (i->kind) {
	case X86_INC:
		w->new_[0] = a + 1;
		w->rflags = x86_flags_merge(c->rflags, x86_flags_add(a, 1, n),
					    X86_FL_STATUS & ~X86_FL_CF);
		break;
	case X86_DEC:
		w->new_[0] = a - 1;
		w->rflags = x86_flags_merge(c->rflags, x86_flags_sub(a, 1, n),
					    X86_FL_STATUS & ~X86_FL_CF);
		break;
	case X86_NOT: w->new_[0] = ~a; break;
	default: /* X86_NEG */
		w->new_[0] = 0 - a;
		w->rflags = x86_flags_merge(c->rflags, x86_flags_sub(0, a, n),
					    X86_FL_STATUS);
		break;
	}
	w->new_[0] &= x86_size_mask(n);
	w->store = true;
}

/*
 * Whether condition cc (decode.h: insn->cc) holds for rflags (SDM Vol. 2,
 * SETcc; Vol. 1, Appendix B "EFLAGS Condition Codes"). Odd conditions are
 * the negations of the even ones before them.
 */
static bool cond_holds(unsigned cc, u64 rflags)
{
	bool cf = rflags & X86_FL_CF, zf = rflags & X86_FL_ZF;
	bool sf = rflags & X86_FL_SF, of = rflags & X86_FL_OF;
	bool pf = rflags & X86_FL_PF, t;

	switch (cc >> 1) {
	case 0: t = of; break;		    /* O */
	case 1: t = cf; break;		    /* B, C, NAE */
	case 2: t = zf; break;		    /* E, Z */
	case 3: t = cf || zf; break;	    /* BE, NA */
	case 4: t = sf; break;		    /* S */
	case 5: t = pf; break;		    /* P, PE */
	case 6: t = sf != of; break;	    /* L, NGE */
	default: t = zf || sf != of; break; /* LE, NG */
	}
	return t != (cc & 1);
}

/*
 * BTS/BTR/BTC (SDM Vol. 2, those pages): CF = the selected bit, which is
 * then set, cleared or complemented. ZF is unaffected; OF, SF, AF and PF
 * are undefined and left unchanged here.
 */
static void compute_bt(const struct x86_insn *i, const struct emu_ctx *c,
		       struct rmw *w)
{
	unsigned bits = 8 * i->opsize;
	u64 off = i->src == X86_SRC_IMM ? i->imm : (u64)bt_offset(i, c);
	u64 bit = BIT(off & (bits - 1));
	u64 a = w->old[0];

	if (i->kind == X86_BTS)
		w->new_[0] = a | bit;
	else if (i->kind == X86_BTR)
		w->new_[0] = a & ~bit;
	else
		w->new_[0] = a ^ bit;
	w->store = true;
	w->rflags = x86_flags_merge(c->rflags, (a & bit) ? X86_FL_CF : 0,
				    X86_FL_CF);
}

/*
 * CMPXCHG (SDM Vol. 2, CMPXCHG): compare the accumulator with the
 * destination, flags as CMP accumulator, destination. Equal: ZF = 1 and
 * the destination gets the source. Otherwise ZF = 0 and the accumulator
 * gets the destination.
 */
static void compute_cmpxchg(const struct x86_insn *i, const struct emu_ctx *c,
			    struct rmw *w)
{
	unsigned n = i->opsize;
	u64 acc = reg_get(c, X86_RAX, false, n), d = w->old[0];

	w->rflags = x86_flags_merge(c->rflags, x86_flags_sub(acc, d, n),
				    X86_FL_STATUS);
	if (acc == d) {
		w->new_[0] = src_value(i, c);
		w->store = true;
	} else {
		set_reg_later(w, X86_RAX, false, n, d);
	}
}

/*
 * CMPXCHG8B/16B (SDM Vol. 2, CMPXCHG8B/CMPXCHG16B): compare EDX:EAX
 * (RDX:RAX) with the destination. Equal: ZF = 1 and the destination gets
 * ECX:EBX (RCX:RBX). Otherwise ZF = 0 and EDX:EAX gets the destination.
 * Only ZF is affected.
 */
static void compute_cmpxchg_wide(const struct x86_insn *i,
				 const struct emu_ctx *c, struct rmw *w)
{
	bool eq;

	if (i->kind == X86_CMPXCHG16B) {
		eq = w->old[0] == c->gpr[X86_RAX] &&
		     w->old[1] == c->gpr[X86_RDX];
		w->new_[0] = c->gpr[X86_RBX];
		w->new_[1] = c->gpr[X86_RCX];
		if (!eq) {
			set_reg_later(w, X86_RAX, false, 8, w->old[0]);
			set_reg_later(w, X86_RDX, false, 8, w->old[1]);
		}
	} else {
		u64 edx_eax = (c->gpr[X86_RDX] << 32) |
			      (c->gpr[X86_RAX] & 0xffffffffull);

		eq = w->old[0] == edx_eax;
		w->new_[0] = (c->gpr[X86_RCX] << 32) |
			     (c->gpr[X86_RBX] & 0xffffffffull);
		if (!eq) {
			set_reg_later(w, X86_RAX, false, 4, w->old[0]);
			set_reg_later(w, X86_RDX, false, 4, w->old[0] >> 32);
		}
	}
	w->store = eq;
	w->rflags = x86_flags_merge(c->rflags, eq ? X86_FL_ZF : 0, X86_FL_ZF);
}

/* From the old destination value in w->old, the rest of w. */
static void compute(const struct x86_insn *i, const struct emu_ctx *c,
		    struct rmw *w)
{
	w->store = false;
	w->nregs = 0;
	w->rflags = c->rflags;
	switch (i->kind) {
	case X86_MOV: /* SDM Vol. 2, MOV: no flags */
	case X86_MOVNTI:
		w->new_[0] = src_value(i, c);
		w->store = true;
		break;
	case X86_XCHG: /* SDM Vol. 2, XCHG: no flags */
		w->new_[0] = src_value(i, c);
		w->store = true;
		set_reg_later(w, i->reg, i->reg_hi8, i->opsize, w->old[0]);
		break;
	case X86_XADD: /* SDM Vol. 2, XADD: the sum, and the old value */
		compute_alu(i, c, w);
		set_reg_later(w, i->reg, i->reg_hi8, i->opsize, w->old[0]);
		break;
	case X86_INC:
	case X86_DEC:
	case X86_NOT:
	case X86_NEG: compute_unary(i, c, w); break;
	case X86_SETCC: /* SDM Vol. 2, SETcc: no flags */
		w->new_[0] = cond_holds(i->cc, c->rflags) ? 1 : 0;
		w->store = true;
		break;
	case X86_CMPXCHG: compute_cmpxchg(i, c, w); break;
	case X86_CMPXCHG8B:
	case X86_CMPXCHG16B: compute_cmpxchg_wide(i, c, w); break;
	case X86_BTS:
	case X86_BTR:
	case X86_BTC: compute_bt(i, c, w); break;
	default: compute_alu(i, c, w); break;
	}
}

/* Registers, RFLAGS and RIP after a completed instruction. */
static void commit(const struct x86_insn *i, struct emu_ctx *c,
		   const struct rmw *w)
{
	for (unsigned k = 0; k < w->nregs; k++)
		reg_set(c, w->regs[k].reg, w->regs[k].hi8, w->regs[k].size,
			w->regs[k].val);
	c->rflags = w->rflags & ~X86_FL_RF;
	c->rip = next_rip(i, c);
}

/*
 * Store w->new_, with cmpxchg() if the instruction is locked and the
 * caller provided it. If another CPU changed the destination in the
 * meantime, recompute from the value it holds now and try again.
 */
static int store(const struct x86_insn *i, struct emu_ctx *c, u64 gva,
		 struct rmw *w)
{
	unsigned n = i->opsize;
	bool locked = i->lock || i->kind == X86_XCHG;

	for (unsigned tries = 0; w->store; tries++) {
		int r;

		if (!locked || !c->cmpxchg)
			return c->write(c->opaque, gva, w->new_, n);
		if (tries >= EMU_LOCK_TRIES)
			return -EBUSY;
		r = c->cmpxchg(c->opaque, gva, w->old, w->new_, n);
		if (r <= 0)
			return r;
		compute(i, c, w);
	}
	return 0;
}

/* Everything but the string instructions. */
static int emulate_one(const struct x86_insn *i, struct emu_ctx *c)
{
	struct rmw w;
	u64 gva = dest_linear(i, c);
	unsigned n = i->opsize;
	int r;

	if (i->kind == X86_CMPXCHG16B && (gva & 15))
		return -EINVAL; /* #GP(0) on the CPU: it cannot have trapped */
	memset(&w, 0, sizeof(w));
	/* Pure stores do not read their destination. */
	if (i->kind != X86_MOV && i->kind != X86_MOVNTI &&
	    i->kind != X86_SETCC) {
		r = c->read(c->opaque, gva, w.old, n);
		if (r)
			return r;
	}
	compute(i, c, &w);
	r = store(i, c, gva, &w);
	if (r)
		return r;
	if (w.store) {
		c->wr_gva = gva;
		c->wr_len = n;
	}
	commit(i, c, &w);
	return 0;
}

/* --- Loads --------------------------------------------------------------- */

/* Sign-extend the low n bytes of v to 64 bits. */
static u64 sign_extend(u64 v, unsigned n)
{
	unsigned shift = 64 - 8 * n;

	return (u64)((s64)(v << shift) >> shift);
}

/*
 * MOV r, m; MOVZX; MOVSX/MOVSXD (SDM Vol. 2, those pages): read the
 * opsize-byte memory source with one read() call, zero- or sign-extend it
 * to the destination's size, and write the register as any write of that
 * size does (reg_set()). No flags are affected, and no memory is written.
 */
static int emulate_load(const struct x86_insn *i, struct emu_ctx *c)
{
	u64 gva = linear(i, c, i->mem.seg, mem_offset(i, c, &i->mem));
	u64 v = 0;
	int r;

	if (i->opsize > sizeof(v) || i->dst_size < i->opsize ||
	    i->dst_size > sizeof(v))
		return -EINVAL;
	r = c->read(c->opaque, gva, &v, i->opsize);
	if (r)
		return r;
	v &= x86_size_mask(i->opsize);
	if (i->kind == X86_MOVSX)
		v = sign_extend(v, i->opsize);
	reg_set(c, i->reg, i->reg_hi8, i->dst_size, v);
	c->rflags &= ~X86_FL_RF;
	c->rip = next_rip(i, c);
	return 0;
}

/* --- STOS and MOVS --------------------------------------------------- */

/* Add delta to the address-sized part of a GPR (rSI, rDI, rCX). */
static void reg_add_addr(struct emu_ctx *c, const struct x86_insn *i,
			 unsigned r, u64 delta)
{
	reg_set(c, r, false, i->addrsize, c->gpr[r] + delta);
}

/* Grow [wr_gva, wr_gva + wr_len) to cover the n bytes written at gva. */
static void note_write(struct emu_ctx *c, u64 gva, unsigned n)
{
	u64 lo, hi;

	if (c->wr_len == 0) {
		c->wr_gva = gva;
		c->wr_len = n;
		return;
	}
	lo = MIN(c->wr_gva, gva);
	hi = MAX(c->wr_gva + c->wr_len, gva + n);
	c->wr_gva = lo;
	c->wr_len = hi - lo;
}

/* One STOS/MOVS iteration: ES:[rDI] <- rAX or [rSI], then step rSI/rDI. */
static int string_step(const struct x86_insn *i, struct emu_ctx *c)
{
	unsigned n = i->opsize;
	u64 step = (c->rflags & X86_FL_DF) ? (u64)0 - n : n;
	u64 buf = c->gpr[X86_RAX];
	u64 dst = linear(i, c, X86_SEG_ES,
			 c->gpr[X86_RDI] & addr_mask(i->addrsize));
	int r;

	if (i->kind == X86_MOVS) {
		u64 src = linear(i, c, i->src_mem.seg,
				 c->gpr[X86_RSI] & addr_mask(i->addrsize));

		r = c->read(c->opaque, src, &buf, n);
		if (r)
			return r;
	}
	r = c->write(c->opaque, dst, &buf, n);
	if (r)
		return r;
	note_write(c, dst, n);
	reg_add_addr(c, i, X86_RDI, step);
	if (i->kind == X86_MOVS)
		reg_add_addr(c, i, X86_RSI, step);
	return 0;
}

/* --- REP STOS/MOVS in blocks (ctx->rep_bulk) ------------------------ */

#define BULK_MAX 512 /* bytes per block: the buffer is on the stack */

/* Elements from @addr (address-sized register value @reg) to the end of
 * its page and of its address space, whichever comes first. */
static u64 fit(const struct x86_insn *i, u64 addr, u64 reg)
{
	unsigned n = i->opsize;
	u64 k = (PAGE_SIZE - (addr & (PAGE_SIZE - 1))) / n;

	if (i->addrsize < 8)
		k = MIN(k, (addr_mask(i->addrsize) - reg + 1) / n);
	return k;
}

/*
 * How many of the @left iterations one block can do. A MOVS block stops
 * short of where its destination would catch up with its source: element
 * by element, a later element would read what an earlier one wrote. The
 * distance is taken between page offsets, as two linear pages may map one
 * frame.
 */
static u64 block_len(const struct x86_insn *i, const struct emu_ctx *c, u64 dst,
		     u64 src, u64 left)
{
	unsigned n = i->opsize;
	u64 amask = addr_mask(i->addrsize);
	u64 k = MIN(left, BULK_MAX / n), d;

	k = MIN(k, fit(i, dst, c->gpr[X86_RDI] & amask));
	if (i->kind == X86_MOVS) {
		k = MIN(k, fit(i, src, c->gpr[X86_RSI] & amask));
		d = (dst - src) & (PAGE_SIZE - 1);
		if (d && d < k * n)
			k = d / n;
	}
	return k;
}

/* At least @len bytes of rAX's low opsize bytes, repeated (x86 is
 * little-endian: a word of them repeats with the element's period). */
static void fill(u64 *buf, u64 len, u64 rax, unsigned n)
{
	static const u64 spread[9] = { [1] = 0x0101010101010101ull,
				       [2] = 0x0001000100010001ull,
				       [4] = 0x0000000100000001ull,
				       [8] = 1 };
	u64 pat = (rax & x86_size_mask(n)) * spread[n];

	for (u64 j = 0; j < len; j += 8)
		*buf++ = pat;
}

/*
 * @k iterations of a forward REP STOS/MOVS (k >= 2) with one read() and
 * one write() of k elements: the result is the element-by-element one
 * (block_len() saw to that), and a failed access leaves the block undone,
 * as it would have failed on the block's first element.
 */
static int string_block(const struct x86_insn *i, struct emu_ctx *c, u64 dst,
			u64 src, u64 k)
{
	u64 len = k * i->opsize;
	u64 buf[BULK_MAX / 8];
	int r;

	if (i->kind == X86_MOVS) {
		r = c->read(c->opaque, src, buf, (unsigned)len);
		if (r)
			return r;
	} else {
		fill(buf, len, c->gpr[X86_RAX], i->opsize);
	}
	r = c->write(c->opaque, dst, buf, (unsigned)len);
	if (r)
		return r;
	note_write(c, dst, (unsigned)len);
	reg_add_addr(c, i, X86_RDI, len);
	if (i->kind == X86_MOVS)
		reg_add_addr(c, i, X86_RSI, len);
	reg_add_addr(c, i, X86_RCX, (u64)0 - k);
	c->rep_done += k;
	return 0;
}

/* The linear addresses of the next iteration: ES:rDI, and for MOVS the
 * source (for STOS, *src is unused). */
static void string_addrs(const struct x86_insn *i, const struct emu_ctx *c,
			 u64 *dst, u64 *src)
{
	u64 amask = addr_mask(i->addrsize);

	*dst = linear(i, c, X86_SEG_ES, c->gpr[X86_RDI] & amask);
	*src = linear(i, c, i->src_mem.seg, c->gpr[X86_RSI] & amask);
}

/* The iterations the next step of a REP takes: a block, or 1. */
static u64 rep_step_len(const struct x86_insn *i, const struct emu_ctx *c,
			u64 dst, u64 src)
{
	u64 left = c->gpr[X86_RCX] & addr_mask(i->addrsize);

	if (!c->rep_bulk || (c->rflags & X86_FL_DF))
		return 1;
	if (c->rep_max)
		left = MIN(left, c->rep_max - c->rep_done);
	return block_len(i, c, dst, src, left);
}

/* One iteration of a REP, counted. */
static int string_iter(const struct x86_insn *i, struct emu_ctx *c)
{
	int r = string_step(i, c);

	if (r)
		return r;
	reg_add_addr(c, i, X86_RCX, (u64)-1);
	c->rep_done++;
	return 0;
}

/*
 * STOS/MOVS, with REP: repeat while rCX (address-sized) is not 0,
 * decrementing it after each iteration (SDM Vol. 2, REP/REPE/REPZ...).
 */
static int emulate_string(const struct x86_insn *i, struct emu_ctx *c)
{
	u64 amask = addr_mask(i->addrsize);
	int r;

	if (!i->rep) {
		r = string_step(i, c);
		if (r)
			return r;
		c->rep_done = 1;
		goto done;
	}
	while (c->gpr[X86_RCX] & amask) {
		u64 dst, src, k;

		if (c->rep_max && c->rep_done >= c->rep_max)
			return 0; /* RIP stays: the guest resumes the rest */
		string_addrs(i, c, &dst, &src);
		k = rep_step_len(i, c, dst, src);
		r = k > 1 ? string_block(i, c, dst, src, k) : string_iter(i, c);
		if (r)
			return r;
	}
done:
	c->rflags &= ~X86_FL_RF;
	c->rip = next_rip(i, c);
	return 0;
}

int x86_emulate(const struct x86_insn *insn, struct emu_ctx *ctx)
{
	ctx->wr_gva = 0;
	ctx->wr_len = 0;
	ctx->rep_done = 0;
	if (insn->mode != ctx->mode)
		return -EINVAL;
	switch (insn->kind) {
	case X86_STOS:
	case X86_MOVS: return emulate_string(insn, ctx);
	case X86_MOV:
	case X86_MOVNTI:
	case X86_XCHG:
	case X86_CMPXCHG:
	case X86_CMPXCHG8B:
	case X86_CMPXCHG16B:
	case X86_ADD:
	case X86_OR:
	case X86_AND:
	case X86_SUB:
	case X86_XOR:
	case X86_BTS:
	case X86_BTR:
	case X86_BTC:
	case X86_XADD:
	case X86_ADC:
	case X86_SBB:
	case X86_INC:
	case X86_DEC:
	case X86_NOT:
	case X86_NEG:
	case X86_SETCC: return emulate_one(insn, ctx);
	case X86_MOV_LOAD:
	case X86_MOVZX:
	case X86_MOVSX: return emulate_load(insn, ctx);
	default: return -ENOTSUP;
	}
}
