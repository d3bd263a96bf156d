/* SPDX-License-Identifier: MIT */
/*
 * Test-side generator of x86 encodings of the instructions insn/decode.c
 * supports, loads and stores (and of near misses it must reject), and a
 * small PRNG.
 */
#ifndef TESTS_DECODER_GEN_H
#define TESTS_DECODER_GEN_H

#include "insn/decode.h"

/* --- PRNG (splitmix64): reproducible, seeded from DECODER_SEED. ------- */
u64 rng_next(void);
void rng_seed(u64 seed);
u64 rng_seed_from_env(void);
static inline u64 rng_below(u64 n)
{
	return n ? rng_next() % n : 0;
}
static inline bool rng_chance(unsigned percent)
{
	return rng_below(100) < percent;
}

/* --- Instruction forms ------------------------------------------------ */

enum imm_kind { IMM_NONE, IMM_IB, IMM_IZ, IMM_MOFFS };

/* One supported opcode form, e.g. "81 /5 iz" (sub r/m, imm). */
struct form {
	const char *name;
	u8 op[2];
	u8 nop;
	int8_t digit; /* /digit for group opcodes, -1 for /r, -2 for no ModRM */
	enum imm_kind imm;
	bool byte_op;
	bool lockable;
	bool string; /* STOS/MOVS: REP allowed, F2 not */
	bool map0f;  /* 0F map: F2/F3 rejected */
	bool no66;   /* 66 rejected (MOVNTI, CMPXCHG8B) */
	bool not16;  /* not supported in 16-bit mode (MOVNTI) */
	bool not64;  /* invalid in 64-bit mode (82) */
	bool only64; /* 64-bit mode only (MOVSXD; 63 is ARPL elsewhere) */
	bool rexw;   /* needs REX.W (MOVSXD) */
	u8 mem_size; /* MOVZX/MOVSX: the memory operand's width; 0: opsize */
	enum x86_kind kind;
};

extern const struct form forms[];
extern const unsigned nr_forms;

/* The knobs of one generated encoding. */
struct gen {
	enum cpu_mode mode;
	const struct form *f;
	/* prefixes, in the order emitted (REX, if any, comes last) */
	u8 pfx[8];
	unsigned npfx;
	u8 rex; /* 0: none */
	/* ModRM / SIB / displacement, when the form has ModRM */
	u8 mod, reg, rm;
	u8 sib; /* used if the encoding needs one */
	s64 disp;
	u64 imm;
	/* for moffs forms */
	u64 moffs;
};

/* Fill g with random choices for form f in mode (memory operand forms). */
void gen_random(struct gen *g, enum cpu_mode mode, const struct form *f,
		bool allow_mod3);
/* Encode g into out[]; returns the length. Also returns the offset of the
 * displacement (or 0 if none) so that tests can patch RIP-relative ones. */
size_t gen_encode(const struct gen *g, u8 *out, size_t *disp_off,
		  size_t *disp_len);

/* Address size of g (2, 4, 8), from mode and 67. */
unsigned gen_addrsize(const struct gen *g);
/* Operand size of g (1, 2, 4, 8, 16): the memory operand's width. */
unsigned gen_opsize(const struct gen *g);
/* Loads: the destination register's size (1, 2, 4, 8); stores: 0. */
unsigned gen_dst_size(const struct gen *g);
bool gen_has_prefix(const struct gen *g, u8 p);

#endif
