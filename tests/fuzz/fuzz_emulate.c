// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the load/store emulator (insn/emulate.c) on fuzzed
 * registers, flags and instruction bytes, with guest memory a small
 * window whose callbacks fault outside it (or on the k-th call, as the
 * input says) and a cmpxchg() that can lose races. Checked: memory
 * changes only where write() or cmpxchg() stored, wr_gva/wr_len are the
 * span of those stores, a load writes nothing, a failed non-string
 * instruction changes nothing, only the registers and flags the kind
 * names change, RIP moves by the length when the instruction completed,
 * and REP counts agree with rep_max, RCX and the bytes written.
 */
#include <string.h>

#include "insn/emulate.h"
#include "insn/x86_flags.h"
#include "tests/fuzz/fuzz.h"

#define WIN_BASE 0x7000ull /* guest-virtual window: two pages and a bit */
#define WIN_SIZE 0x2100ull

struct fake {
	u8 mem[WIN_SIZE];
	unsigned calls, fail_at; /* fail the fail_at-th call (0: never) */
	unsigned races;		 /* cmpxchg calls still to lose */
	unsigned reads, writes;
	u8 stored[WIN_SIZE];	/* bytes write() or cmpxchg() stored */
	u64 first_gva;		/* the first store */
	unsigned first_n, nlog; /* its size; how many stores */
	u64 lo, hi;		/* their span */
	u64 written;		/* bytes stored */
	bool raced;		/* "another CPU" changed memory */
	unsigned elem;		/* REP with rep_bulk: the element size */
};

static bool in_window(struct fake *f, u64 gva, unsigned n)
{
	/* A block of elements stays within a page (emulate.h, rep_bulk). */
	if (f->elem && n != f->elem)
		FUZZ_CHECK(n % f->elem == 0 && n <= 512 &&
			   (gva & 4095) + n <= 4096);
	if (++f->calls == f->fail_at)
		return false;
	return gva >= WIN_BASE && n <= WIN_SIZE &&
	       gva - WIN_BASE <= WIN_SIZE - n;
}

static void log_store(struct fake *f, u64 gva, unsigned n)
{
	if (!f->nlog++) {
		f->first_gva = gva;
		f->first_n = n;
		f->lo = gva;
		f->hi = gva + n;
	}
	f->lo = MIN(f->lo, gva);
	f->hi = MAX(f->hi, gva + n);
	memset(f->stored + (gva - WIN_BASE), 1, n);
	f->written += n;
}

static int fake_read(void *opaque, u64 gva, void *buf, unsigned n)
{
	struct fake *f = opaque;

	f->reads++;
	if (!in_window(f, gva, n))
		return -EFAULT;
	memcpy(buf, f->mem + (gva - WIN_BASE), n);
	return 0;
}

static int fake_write(void *opaque, u64 gva, const void *buf, unsigned n)
{
	struct fake *f = opaque;

	f->writes++;
	if (!in_window(f, gva, n))
		return -EFAULT;
	memcpy(f->mem + (gva - WIN_BASE), buf, n);
	log_store(f, gva, n);
	return 0;
}

static int fake_cmpxchg(void *opaque, u64 gva, void *old, const void *new_,
			unsigned n)
{
	struct fake *f = opaque;
	u8 *p = f->mem + (gva - WIN_BASE);

	FUZZ_CHECK(n == 1 || n == 2 || n == 4 || n == 8 || n == 16);
	if (!in_window(f, gva, n))
		return -EFAULT;
	if (f->races) { /* another CPU got there first */
		f->races--;
		p[0]++;
		f->raced = true;
	}
	if (memcmp(p, old, n)) {
		memcpy(old, p, n);
		return 1;
	}
	memcpy(p, new_, n);
	log_store(f, gva, n);
	return 0;
}

/* Register values: mostly near the window, some at the edges of the
 * address sizes. */
static u64 fuzz_reg(struct fuzz_in *in)
{
	static const u64 edge[16] = {
		0,
		~0ull,
		0xffffffffull,
		0x80000000ull,
		0xffffull,
		1ull << 63,
		~0ull >> 1,
		WIN_BASE + 0xfff,
		0x10000ull,
		0x100000000ull,
		WIN_BASE - 1,
		0xfffffffffffff000ull,
		2,
		0x7fffull,
		0x8000ull,
		WIN_BASE + WIN_SIZE - 8,
	};
	u64 v = fuzz_take(in, 2);

	if ((v >> 14) == 3)
		return edge[v & 15];
	return WIN_BASE - 0x800 + (v & 0x3fff);
}

struct setup {
	enum cpu_mode mode;
	struct emu_ctx ctx;
	u8 bytes[X86_MAX_LEN];
	size_t len;
};

/* The input, in order: mode, options, REP limit, failing call, races,
 * RFLAGS, RIP, segment bases, 16 GPRs, then the instruction. */
static void read_setup(struct fuzz_in *in, struct setup *s, struct fake *f)
{
	static const enum cpu_mode modes[] = { CPU_MODE_16, CPU_MODE_32,
					       CPU_MODE_64 };
	static const u64 rips[4] = { 0x1000, 0xfffe, 0xfffffff8ull,
				     0xfffffffffffffff8ull };
	struct emu_ctx *c = &s->ctx;
	u8 opt;

	s->mode = modes[fuzz_u8(in) % 3];
	opt = fuzz_u8(in);
	c->mode = s->mode;
	c->rep_bulk = opt & 1;
	c->cmpxchg = (opt & 2) ? fake_cmpxchg : NULL;
	c->rep_max = fuzz_u8(in);
	f->fail_at = fuzz_u8(in);
	f->races = fuzz_u8(in) % 80;
	c->rflags =
		(fuzz_take(in, 2) & 0xfd5) | 2 | ((opt & 4) ? X86_FL_RF : 0);
	c->rip = rips[(opt >> 3) & 3];
	for (unsigned i = 0; i < X86_NR_SEGS; i++)
		c->seg_base[i] = (opt & 0x20) ? fuzz_reg(in) : 0;
	for (unsigned i = 0; i < 16; i++)
		c->gpr[i] = fuzz_reg(in);
	c->read = fake_read;
	c->write = fake_write;
	c->opaque = f;
	s->len = MIN(in->n, sizeof(s->bytes));
	memcpy(s->bytes, in->p, s->len);
}

/* Bytes that differ from before lie within a logged store, unless
 * another CPU (a lost race) may have changed them. */
static void check_memory(const struct fake *f, const u8 *before)
{
	if (f->raced)
		return;
	for (u64 a = 0; a < WIN_SIZE; a++)
		FUZZ_CHECK(f->mem[a] == before[a] || f->stored[a]);
}

/* wr_gva/wr_len: exactly the span of the stores made. */
static void check_span(const struct fake *f, const struct emu_ctx *c)
{
	if (!f->nlog)
		FUZZ_CHECK(c->wr_len == 0);
	else
		FUZZ_CHECK(c->wr_gva == f->lo && c->wr_len == f->hi - f->lo);
}

/* The GPRs an instruction of this kind may change. */
static u32 regs_allowed(const struct x86_insn *i)
{
	switch (i->kind) {
	case X86_XCHG:
	case X86_XADD: return BIT(i->reg);
	case X86_CMPXCHG: return BIT(X86_RAX);
	case X86_CMPXCHG8B:
	case X86_CMPXCHG16B: return BIT(X86_RAX) | BIT(X86_RDX);
	case X86_STOS: return BIT(X86_RCX) | BIT(X86_RDI);
	case X86_MOVS: return BIT(X86_RCX) | BIT(X86_RDI) | BIT(X86_RSI);
	default: return x86_kind_is_load(i->kind) ? BIT(i->reg) : 0;
	}
}

static void check_regs(const struct x86_insn *i, const struct emu_ctx *b,
		       const struct emu_ctx *a)
{
	u32 ok = regs_allowed(i);

	for (unsigned r = 0; r < 16; r++)
		if (!(ok & BIT(r)))
			FUZZ_CHECK(a->gpr[r] == b->gpr[r]);
	/* Only the status flags and RF may change. */
	FUZZ_CHECK(((a->rflags ^ b->rflags) & ~(X86_FL_STATUS | X86_FL_RF)) ==
		   0);
}

/* Where a non-string, non-BTx destination lies (emulate.h: 64-bit mode
 * has FS/GS bases only; other modes wrap at 4 GiB). */
static u64 expected_gva(const struct x86_insn *i, const struct emu_ctx *c)
{
	u64 off = x86_mem_offset(i, &i->mem, c->gpr, c->rip);
	u64 base = c->seg_base[i->mem.seg];

	if (i->mode == CPU_MODE_64)
		return (i->mem.seg == X86_SEG_FS || i->mem.seg == X86_SEG_GS)
			       ? base + off
			       : off;
	return (base + off) & 0xffffffffull;
}

static bool is_string(const struct x86_insn *i)
{
	return i->kind == X86_STOS || i->kind == X86_MOVS;
}

/* Everything but STOS/MOVS: at most one load and one store, of the
 * operand's width at its address; all or nothing. */
static void check_single(const struct x86_insn *i, const struct setup *b,
			 const struct emu_ctx *a, const struct fake *f,
			 const u8 *before, int r)
{
	bool bt = (i->kind == X86_BTS || i->kind == X86_BTR ||
		   i->kind == X86_BTC) &&
		  i->src == X86_SRC_REG;

	FUZZ_CHECK(f->reads <= 1 && f->writes <= 1);
	FUZZ_CHECK(f->nlog <= 1);
	if (x86_kind_is_load(i->kind))
		FUZZ_CHECK(f->writes == 0 && f->nlog == 0 && a->wr_len == 0);
	if (i->kind == X86_MOV || i->kind == X86_MOVNTI || i->kind == X86_SETCC)
		FUZZ_CHECK(f->reads == 0);
	if (f->nlog) {
		FUZZ_CHECK(f->first_n == i->opsize);
		if (!bt)
			FUZZ_CHECK(f->first_gva == expected_gva(i, &b->ctx));
	}
	if (r) {
		FUZZ_CHECK(f->nlog == 0);
		FUZZ_CHECK(f->raced || !memcmp(f->mem, before, WIN_SIZE));
		FUZZ_CHECK(!memcmp(a->gpr, b->ctx.gpr, sizeof(a->gpr)));
		FUZZ_CHECK(a->rip == b->ctx.rip && a->rflags == b->ctx.rflags);
	}
}

/* STOS/MOVS: counts, pointers and bytes agree with the iterations done. */
static void check_string(const struct x86_insn *i, const struct setup *b,
			 const struct emu_ctx *a, const struct fake *f, int r)
{
	u64 mask = x86_size_mask(i->addrsize), n = a->rep_done;
	u64 step = (b->ctx.rflags & X86_FL_DF) ? 0 - i->opsize : i->opsize;

	FUZZ_CHECK(f->written == n * i->opsize);
	FUZZ_CHECK(((a->gpr[X86_RDI] - b->ctx.gpr[X86_RDI] - n * step) &
		    mask) == 0);
	if (r)
		FUZZ_CHECK(a->rip == b->ctx.rip);
	if (!i->rep) {
		FUZZ_CHECK(n <= 1);
		return;
	}
	if (b->ctx.rep_max)
		FUZZ_CHECK(n <= b->ctx.rep_max);
	FUZZ_CHECK(((b->ctx.gpr[X86_RCX] - a->gpr[X86_RCX] - n) & mask) == 0);
	if (!r && a->rip == b->ctx.rip && i->len)
		FUZZ_CHECK((a->gpr[X86_RCX] & mask) && n == b->ctx.rep_max);
	if (!r && a->rip != b->ctx.rip)
		FUZZ_CHECK((a->gpr[X86_RCX] & mask) == 0);
}

static void check_result(const struct x86_insn *i, const struct setup *b,
			 const struct emu_ctx *a, const struct fake *f,
			 const u8 *before, int r)
{
	u64 next = (b->ctx.rip + i->len) & x86_size_mask(i->mode / 8);

	check_memory(f, before);
	check_span(f, a);
	check_regs(i, &b->ctx, a);
	if (is_string(i))
		check_string(i, b, a, f, r);
	else
		check_single(i, b, a, f, before, r);
	if (r)
		return;
	FUZZ_CHECK(a->rip == next || (i->rep && a->rip == b->ctx.rip));
	FUZZ_CHECK(!(a->rflags & X86_FL_RF) || a->rip == b->ctx.rip);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fake f;
	static u8 before[WIN_SIZE];
	struct fuzz_in in = { data, size };
	struct setup s;
	struct emu_ctx c;
	struct x86_insn i;
	int r;

	memset(&s, 0, sizeof(s));
	memset(&f, 0, sizeof(f));
	read_setup(&in, &s, &f);
	for (u64 a = 0; a < WIN_SIZE; a++)
		f.mem[a] = (u8)(a * 7 + (a >> 8));
	if (x86_decode(s.bytes, s.len, s.mode, &i))
		return 0;
	memcpy(before, f.mem, WIN_SIZE);
	if (i.rep && s.ctx.rep_bulk)
		f.elem = i.opsize;
	c = s.ctx;
	f.calls = 0;
	r = x86_emulate(&i, &c);
	FUZZ_CHECK(r <= 0);
	check_result(&i, &s, &c, &f, before, r);
	return 0;
}
