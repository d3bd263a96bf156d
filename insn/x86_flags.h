/* SPDX-License-Identifier: MIT */
/*
 * RFLAGS bits and the status flags of the arithmetic instructions braid
 * emulates (SDM Vol. 1, §3.4.3 "EFLAGS Register", Appendix A "EFLAGS
 * Cross-Reference"; Vol. 2, the "Flags Affected" section of ADD, SUB,
 * AND, OR, XOR, CMP).
 *
 * Operand values are passed as u64 with the operand's n bytes (1, 2, 4 or
 * 8) in the low bits; bits above are ignored.
 */
#ifndef INSN_X86_FLAGS_H
#define INSN_X86_FLAGS_H

#include "lib/types.h"

#define X86_FL_CF BIT(0)  /* carry */
#define X86_FL_PF BIT(2)  /* parity of the result's low byte */
#define X86_FL_AF BIT(4)  /* carry/borrow out of bit 3 */
#define X86_FL_ZF BIT(6)  /* zero */
#define X86_FL_SF BIT(7)  /* sign */
#define X86_FL_TF BIT(8)  /* trap (single-step) */
#define X86_FL_IF BIT(9)  /* interrupt enable */
#define X86_FL_DF BIT(10) /* direction (string instructions) */
#define X86_FL_OF BIT(11) /* signed overflow */
#define X86_FL_RF BIT(16) /* resume */

/* The six status flags that ADD, SUB and CMP define. */
#define X86_FL_STATUS \
	(X86_FL_CF | X86_FL_PF | X86_FL_AF | X86_FL_ZF | X86_FL_SF | X86_FL_OF)

/* All ones in the low n bytes. */
static inline u64 x86_size_mask(unsigned n)
{
	return n >= 8 ? ~0ull : BIT(8 * n) - 1;
}

/* The sign bit of an n-byte value. */
static inline u64 x86_sign_bit(unsigned n)
{
	return BIT(8 * n - 1);
}

/* PF is set when the low byte of the result has an even number of ones. */
static inline u64 x86_flag_pf(u64 res)
{
	u8 p = (u8)res;

	p ^= p >> 4;
	p ^= p >> 2;
	p ^= p >> 1;
	return (p & 1) ? 0 : X86_FL_PF;
}

/* SF, ZF and PF of an n-byte result. */
static inline u64 x86_flags_szp(u64 res, unsigned n)
{
	u64 f = x86_flag_pf(res);

	if ((res & x86_size_mask(n)) == 0)
		f |= X86_FL_ZF;
	if (res & x86_sign_bit(n))
		f |= X86_FL_SF;
	return f;
}

/*
 * The six status flags of a + b + cin (SDM Vol. 2, ADC: "Flags
 * Affected"). With cin = 0 these are ADD's. AF and OF follow from the
 * operands' and the result's bits as for ADD; CF is the carry out of the
 * top bit, which with a carry in is res <= a.
 */
static inline u64 x86_flags_adc(u64 a, u64 b, u64 cin, unsigned n)
{
	u64 m = x86_size_mask(n);
	u64 res = (a + b + cin) & m;
	u64 f = x86_flags_szp(res, n);

	a &= m;
	b &= m;
	if (cin ? res <= a : res < a)
		f |= X86_FL_CF;
	if ((a ^ res) & (b ^ res) & x86_sign_bit(n))
		f |= X86_FL_OF;
	if ((a ^ b ^ res) & 0x10)
		f |= X86_FL_AF;
	return f;
}

/*
 * The six status flags of a - (b + cin) (SDM Vol. 2, SBB: "Flags
 * Affected"). CF is the borrow: a < b + cin, i.e. a <= b with a borrow in.
 */
static inline u64 x86_flags_sbb(u64 a, u64 b, u64 cin, unsigned n)
{
	u64 m = x86_size_mask(n);
	u64 res = (a - b - cin) & m;
	u64 f = x86_flags_szp(res, n);

	a &= m;
	b &= m;
	if (cin ? a <= b : a < b)
		f |= X86_FL_CF;
	if ((a ^ b) & (a ^ res) & x86_sign_bit(n))
		f |= X86_FL_OF;
	if ((a ^ b ^ res) & 0x10)
		f |= X86_FL_AF;
	return f;
}

/* ADD's flags: ADC's without a carry in (SDM Vol. 2, ADD). */
static inline u64 x86_flags_add(u64 a, u64 b, unsigned n)
{
	return x86_flags_adc(a, b, 0, n);
}

/* SUB's and CMP's flags: SBB's without a borrow in (SDM Vol. 2, SUB). */
static inline u64 x86_flags_sub(u64 a, u64 b, unsigned n)
{
	return x86_flags_sbb(a, b, 0, n);
}

/*
 * AND, OR, XOR (SDM Vol. 2, "Flags Affected"): OF and CF cleared; SF, ZF,
 * PF from the result; AF undefined (cleared here, as current CPUs do).
 */
static inline u64 x86_flags_logic(u64 res, unsigned n)
{
	return x86_flags_szp(res, n);
}

/* Replace the bits in mask of rflags with those of f. */
static inline u64 x86_flags_merge(u64 rflags, u64 f, u64 mask)
{
	return (rflags & ~mask) | (f & mask);
}

#endif
