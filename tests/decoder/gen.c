// SPDX-License-Identifier: MIT
/* Test-side x86 encoding generator (gen.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/decoder/gen.h"

static u64 rng_state;

void rng_seed(u64 seed)
{
	rng_state = seed;
}

/* splitmix64 (Steele, Lea, Flood 2014). */
u64 rng_next(void)
{
	u64 z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

u64 rng_seed_from_env(void)
{
	const char *s = getenv("DECODER_SEED");
	u64 seed = s ? strtoull(s, NULL, 0) : 0x6272616964ull; /* "braid" */

	rng_seed(seed);
	return seed;
}

#define F(n, o0, d, im, ...)                                              \
	{                                                                 \
		.name = n, .op = { o0 }, .nop = 1, .digit = d, .imm = im, \
		__VA_ARGS__                                               \
	}
#define F0F(n, o1, d, im, ...)                                       \
	{                                                            \
		.name = n, .op = { 0x0f, o1 }, .nop = 2, .digit = d, \
		.imm = im, .map0f = true, __VA_ARGS__                \
	}
#define ALU(n, o, k)                                                        \
	F(n " r/m8,r8", o, -1, IMM_NONE, .byte_op = true, .lockable = true, \
	  .kind = k),                                                       \
		F(n " r/m,r", o + 1, -1, IMM_NONE, .lockable = true,        \
		  .kind = k)
#define GRP1(n, d, k)                                                         \
	F(n " r/m8,ib", 0x80, d, IMM_IB, .byte_op = true, .lockable = true,   \
	  .kind = k),                                                         \
		F(n " r/m,iz", 0x81, d, IMM_IZ, .lockable = true, .kind = k), \
		F(n " r/m,ib", 0x83, d, IMM_IB, .lockable = true, .kind = k), \
		F(n " r/m8,ib (82)", 0x82, d, IMM_IB, .byte_op = true,        \
		  .lockable = true, .not64 = true, .kind = k)
/* INC, DEC (FE/FF), NOT, NEG (F6/F7): byte form o, full-size form o + 1. */
#define UNARY(n, o, d, k)                                               \
	F(n " r/m8", o, d, IMM_NONE, .byte_op = true, .lockable = true, \
	  .kind = k),                                                   \
		F(n " r/m", o + 1, d, IMM_NONE, .lockable = true, .kind = k)
/* SETcc m8: 0F 90 + cc; the ModRM reg field is ignored (any value). */
#define SETCC(n, cc)                                           \
	F0F(n " m8", 0x90 + cc, -1, IMM_NONE, .byte_op = true, \
	    .kind = X86_SETCC)

const struct form forms[] = {
	ALU("add", 0x00, X86_ADD),
	ALU("or", 0x08, X86_OR),
	ALU("and", 0x20, X86_AND),
	ALU("sub", 0x28, X86_SUB),
	ALU("xor", 0x30, X86_XOR),
	ALU("adc", 0x10, X86_ADC),
	ALU("sbb", 0x18, X86_SBB),
	GRP1("add", 0, X86_ADD),
	GRP1("or", 1, X86_OR),
	GRP1("adc", 2, X86_ADC),
	GRP1("sbb", 3, X86_SBB),
	GRP1("and", 4, X86_AND),
	GRP1("sub", 5, X86_SUB),
	GRP1("xor", 6, X86_XOR),
	F("xchg r/m8,r8", 0x86, -1, IMM_NONE, .byte_op = true, .lockable = true,
	  .kind = X86_XCHG),
	F("xchg r/m,r", 0x87, -1, IMM_NONE, .lockable = true, .kind = X86_XCHG),
	F("mov r/m8,r8", 0x88, -1, IMM_NONE, .byte_op = true, .kind = X86_MOV),
	F("mov r/m,r", 0x89, -1, IMM_NONE, .kind = X86_MOV),
	F("mov r/m8,ib", 0xc6, 0, IMM_IB, .byte_op = true, .kind = X86_MOV),
	F("mov r/m,iz", 0xc7, 0, IMM_IZ, .kind = X86_MOV),
	F("mov moffs8,al", 0xa2, -2, IMM_MOFFS, .byte_op = true,
	  .kind = X86_MOV),
	F("mov moffs,eax", 0xa3, -2, IMM_MOFFS, .kind = X86_MOV),
	F("movsb", 0xa4, -2, IMM_NONE, .byte_op = true, .string = true,
	  .kind = X86_MOVS),
	F("movs", 0xa5, -2, IMM_NONE, .string = true, .kind = X86_MOVS),
	F("stosb", 0xaa, -2, IMM_NONE, .byte_op = true, .string = true,
	  .kind = X86_STOS),
	F("stos", 0xab, -2, IMM_NONE, .string = true, .kind = X86_STOS),
	F0F("cmpxchg r/m8,r8", 0xb0, -1, IMM_NONE, .byte_op = true,
	    .lockable = true, .kind = X86_CMPXCHG),
	F0F("cmpxchg r/m,r", 0xb1, -1, IMM_NONE, .lockable = true,
	    .kind = X86_CMPXCHG),
	F0F("cmpxchg8b/16b m", 0xc7, 1, IMM_NONE, .lockable = true,
	    .no66 = true, .kind = X86_CMPXCHG8B),
	F0F("bts r/m,r", 0xab, -1, IMM_NONE, .lockable = true, .kind = X86_BTS),
	F0F("btr r/m,r", 0xb3, -1, IMM_NONE, .lockable = true, .kind = X86_BTR),
	F0F("btc r/m,r", 0xbb, -1, IMM_NONE, .lockable = true, .kind = X86_BTC),
	F0F("bts r/m,ib", 0xba, 5, IMM_IB, .lockable = true, .kind = X86_BTS),
	F0F("btr r/m,ib", 0xba, 6, IMM_IB, .lockable = true, .kind = X86_BTR),
	F0F("btc r/m,ib", 0xba, 7, IMM_IB, .lockable = true, .kind = X86_BTC),
	F0F("movnti m,r", 0xc3, -1, IMM_NONE, .no66 = true, .not16 = true,
	    .kind = X86_MOVNTI),
	F0F("xadd r/m8,r8", 0xc0, -1, IMM_NONE, .byte_op = true,
	    .lockable = true, .kind = X86_XADD),
	F0F("xadd r/m,r", 0xc1, -1, IMM_NONE, .lockable = true,
	    .kind = X86_XADD),
	UNARY("inc", 0xfe, 0, X86_INC),
	UNARY("dec", 0xfe, 1, X86_DEC),
	UNARY("not", 0xf6, 2, X86_NOT),
	UNARY("neg", 0xf6, 3, X86_NEG),
	SETCC("seto", 0x0),
	SETCC("setno", 0x1),
	SETCC("setb", 0x2),
	SETCC("setae", 0x3),
	SETCC("sete", 0x4),
	SETCC("setne", 0x5),
	SETCC("setbe", 0x6),
	SETCC("seta", 0x7),
	SETCC("sets", 0x8),
	SETCC("setns", 0x9),
	SETCC("setp", 0xa),
	SETCC("setnp", 0xb),
	SETCC("setl", 0xc),
	SETCC("setge", 0xd),
	SETCC("setle", 0xe),
	SETCC("setg", 0xf),
	/* Loads */
	F("mov r8,r/m8", 0x8a, -1, IMM_NONE, .byte_op = true,
	  .kind = X86_MOV_LOAD),
	F("mov r,r/m", 0x8b, -1, IMM_NONE, .kind = X86_MOV_LOAD),
	F("mov al,moffs8", 0xa0, -2, IMM_MOFFS, .byte_op = true,
	  .kind = X86_MOV_LOAD),
	F("mov eax,moffs", 0xa1, -2, IMM_MOFFS, .kind = X86_MOV_LOAD),
	F0F("movzx r,r/m8", 0xb6, -1, IMM_NONE, .mem_size = 1,
	    .kind = X86_MOVZX),
	F0F("movzx r,r/m16", 0xb7, -1, IMM_NONE, .mem_size = 2,
	    .kind = X86_MOVZX),
	F0F("movsx r,r/m8", 0xbe, -1, IMM_NONE, .mem_size = 1,
	    .kind = X86_MOVSX),
	F0F("movsx r,r/m16", 0xbf, -1, IMM_NONE, .mem_size = 2,
	    .kind = X86_MOVSX),
	F("movsxd r64,r/m32", 0x63, -1, IMM_NONE, .mem_size = 4, .rexw = true,
	  .only64 = true, .kind = X86_MOVSX),
};
const unsigned nr_forms = sizeof(forms) / sizeof(forms[0]);

static const u8 seg_prefixes[] = { 0x26, 0x2e, 0x36, 0x3e, 0x64, 0x65 };

bool gen_has_prefix(const struct gen *g, u8 p)
{
	for (unsigned i = 0; i < g->npfx; i++)
		if (g->pfx[i] == p)
			return true;
	return false;
}

unsigned gen_addrsize(const struct gen *g)
{
	bool a = gen_has_prefix(g, 0x67);

	switch (g->mode) {
	case CPU_MODE_64: return a ? 4 : 8;
	case CPU_MODE_32: return a ? 2 : 4;
	default: return a ? 4 : 2;
	}
}

unsigned gen_opsize(const struct gen *g)
{
	bool w = g->mode == CPU_MODE_64 && (g->rex & 8);

	if (g->f->kind == X86_CMPXCHG8B)
		return w ? 16 : 8;
	if (g->f->mem_size)
		return g->f->mem_size;
	if (g->f->byte_op)
		return 1;
	if (w)
		return 8;
	return ((g->mode == CPU_MODE_16) != gen_has_prefix(g, 0x66)) ? 2 : 4;
}

unsigned gen_dst_size(const struct gen *g)
{
	if (!x86_kind_is_load(g->f->kind))
		return 0;
	if (g->f->byte_op)
		return 1;
	if (g->mode == CPU_MODE_64 && (g->rex & 8))
		return 8;
	return ((g->mode == CPU_MODE_16) != gen_has_prefix(g, 0x66)) ? 2 : 4;
}

static s64 random_disp(void)
{
	static const s64 edges[] = { 0,	    1,		-1,
				     0x7f,  -0x80,	0x80,
				     -0x81, 0x7fffffff, -0x7fffffff - 1 };

	if (rng_chance(30))
		return edges[rng_below(sizeof(edges) / sizeof(edges[0]))];
	return (int32_t)rng_next();
}

static u64 random_imm(void)
{
	static const u64 edges[] = { 0,		 1,	     0x7f,   0x80,
				     0xff,	 0x7fff,     0x8000, 0xffff,
				     0x7fffffff, 0x80000000, ~0ull };

	if (rng_chance(30))
		return edges[rng_below(sizeof(edges) / sizeof(edges[0]))];
	return rng_next();
}

void gen_random(struct gen *g, enum cpu_mode mode, const struct form *f,
		bool allow_mod3)
{
	const bool m64 = mode == CPU_MODE_64;

	memset(g, 0, sizeof(*g));
	g->mode = mode;
	g->f = f;

	/* Legacy prefixes that keep the form valid, in random order. */
	if (!f->no66 && rng_chance(30))
		g->pfx[g->npfx++] = 0x66;
	if (rng_chance(30))
		g->pfx[g->npfx++] = 0x67;
	if (f->lockable && rng_chance(40))
		g->pfx[g->npfx++] = 0xf0;
	if (f->string && rng_chance(50))
		g->pfx[g->npfx++] = 0xf3;
	if (rng_chance(30))
		g->pfx[g->npfx++] = seg_prefixes[rng_below(6)];
	if (g->npfx && rng_chance(5)) { /* a repeated prefix */
		u8 p = g->pfx[rng_below(g->npfx)];

		g->pfx[g->npfx++] = p;
	}
	for (unsigned i = g->npfx; i > 1; i--) {
		unsigned j = (unsigned)rng_below(i);
		u8 t = g->pfx[i - 1];

		g->pfx[i - 1] = g->pfx[j];
		g->pfx[j] = t;
	}
	/* A REX followed by a legacy prefix is ignored: sometimes add one. */
	if (m64 && g->npfx && rng_chance(5)) {
		unsigned at = (unsigned)rng_below(g->npfx);

		memmove(&g->pfx[at + 1], &g->pfx[at], g->npfx - at);
		g->pfx[at] = 0x40 | (u8)rng_below(16);
		g->npfx++;
	}
	if (m64 && rng_chance(50))
		g->rex = 0x40 | (u8)rng_below(16);
	if (m64 && f->rexw)
		g->rex = 0x48 | (u8)rng_below(8);

	g->mod = (u8)rng_below(allow_mod3 ? 4 : 3);
	g->rm = (u8)rng_below(8);
	g->reg = f->digit >= 0 ? (u8)f->digit : (u8)rng_below(8);
	g->sib = (u8)rng_next();
	g->disp = random_disp();
	g->imm = random_imm();
	g->moffs = rng_next();
}

size_t gen_encode(const struct gen *g, u8 *out, size_t *disp_off,
		  size_t *disp_len)
{
	const struct form *f = g->f;
	unsigned asz = gen_addrsize(g), osz = gen_opsize(g);
	size_t n = 0, dl = 0;

	memcpy(out, g->pfx, g->npfx);
	n = g->npfx;
	if (g->rex)
		out[n++] = g->rex;
	memcpy(out + n, f->op, f->nop);
	n += f->nop;
	if (disp_off)
		*disp_off = 0;
	if (f->digit != -2) {
		out[n++] = (u8)(g->mod << 6 | (g->reg & 7) << 3 | g->rm);
		if (g->mod != 3) {
			if (asz == 2) {
				if (g->mod == 0 && g->rm == 6)
					dl = 2;
				else
					dl = g->mod == 1   ? 1
					     : g->mod == 2 ? 2
							   : 0;
			} else {
				if (g->rm == 4) {
					out[n++] = g->sib;
					if (g->mod == 0 && (g->sib & 7) == 5)
						dl = 4;
				}
				if (g->mod == 0 && g->rm == 5)
					dl = 4;
				if (g->mod == 1)
					dl = 1;
				if (g->mod == 2)
					dl = 4;
			}
		}
		if (disp_off && dl)
			*disp_off = n;
		for (size_t i = 0; i < dl; i++)
			out[n++] = (u8)((u64)g->disp >> (8 * i));
	}
	if (f->imm == IMM_IB) {
		out[n++] = (u8)g->imm;
	} else if (f->imm == IMM_IZ) {
		for (unsigned i = 0; i < (osz == 2 ? 2u : 4u); i++)
			out[n++] = (u8)(g->imm >> (8 * i));
	} else if (f->imm == IMM_MOFFS) {
		if (disp_off)
			*disp_off = n;
		dl = asz;
		for (unsigned i = 0; i < asz; i++)
			out[n++] = (u8)(g->moffs >> (8 * i));
	}
	if (disp_len)
		*disp_len = dl;
	return n;
}
