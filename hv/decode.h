/* SPDX-License-Identifier: MIT */
/*
 * x86 instruction decoder for the guest stores braid emulates.
 *
 * When the guest writes to one of its own page-table pages that braid
 * write-protects (shadow or compound paging), the store traps and braid
 * must emulate it. x86_decode() turns the bytes at the guest's RIP into a
 * struct x86_insn; hv/emulate.c carries it out. Only the store forms that
 * kernels use on page tables are decoded; anything else fails with
 * -ENOTSUP and a reason in insn->reason, so that the guest is stopped with
 * a clear message instead of being emulated wrongly.
 *
 * References are to the Intel SDM, Vol. 2 (instruction set reference):
 * §2.1 (instruction format), §2.2.1 (REX), Tables 2-1..2-3 (ModRM, SIB),
 * and the instruction pages named next to each opcode in decode.c.
 */
#ifndef HV_DECODE_H
#define HV_DECODE_H

#include "lib/types.h"

/* The mode the guest CPU runs in: decides default operand/address size. */
enum cpu_mode {
	CPU_MODE_16 = 16, /* real mode, or protected mode with a 16-bit CS */
	CPU_MODE_32 = 32, /* protected or compatibility mode, 32-bit CS */
	CPU_MODE_64 = 64, /* 64-bit mode (IA-32e, CS.L = 1) */
};

/* Segment registers, in the encoding order of the SDM (Sreg field). */
enum x86_seg {
	X86_SEG_ES,
	X86_SEG_CS,
	X86_SEG_SS,
	X86_SEG_DS,
	X86_SEG_FS,
	X86_SEG_GS,
	X86_NR_SEGS,
};

/* What the instruction does to its destination. */
enum x86_kind {
	X86_INVALID = 0,
	X86_MOV,	/* 88, 89, C6 /0, C7 /0, A2, A3 */
	X86_MOVNTI,	/* 0F C3 */
	X86_XCHG,	/* 86, 87 */
	X86_CMPXCHG,	/* 0F B0, 0F B1 */
	X86_CMPXCHG8B,	/* 0F C7 /1 */
	X86_CMPXCHG16B, /* REX.W 0F C7 /1 */
	X86_ADD,	/* 00, 01, 80-83 /0 */
	X86_OR,		/* 08, 09, 80-83 /1 */
	X86_AND,	/* 20, 21, 80-83 /4 */
	X86_SUB,	/* 28, 29, 80-83 /5 */
	X86_XOR,	/* 30, 31, 80-83 /6 */
	X86_BTS,	/* 0F AB, 0F BA /5 */
	X86_BTR,	/* 0F B3, 0F BA /6 */
	X86_BTC,	/* 0F BB, 0F BA /7 */
	X86_STOS,	/* AA, AB */
	X86_MOVS,	/* A4, A5 */
	X86_NR_KINDS,
};

/* Where the value stored (or combined with the destination) comes from. */
enum x86_src {
	X86_SRC_NONE, /* CMPXCHG8B/16B: implicit EDX:EAX, ECX:EBX */
	X86_SRC_REG,  /* insn->reg (STOS, MOV moffs: the accumulator, reg 0) */
	X86_SRC_IMM,  /* insn->imm */
	X86_SRC_MEM,  /* MOVS: insn->src_mem */
};

#define X86_REG_NONE 0xff

/* A memory operand: seg:[base + index * scale + disp], or [rip + disp]. */
struct x86_mem {
	u8 base;	   /* GPR number 0..15, or X86_REG_NONE */
	u8 index;	   /* GPR number 0..15, or X86_REG_NONE */
	u8 scale;	   /* 1, 2, 4 or 8 */
	u8 seg;		   /* enum x86_seg used (override or default) */
	bool seg_override; /* seg comes from a prefix */
	bool rip_rel;	   /* [rip + disp], rip being the *next* RIP */
	s64 disp;	   /* sign-extended displacement; moffs: the offset */
};

struct x86_insn {
	enum x86_kind kind;
	enum cpu_mode mode;
	u8 len;	     /* total length in bytes, prefixes included */
	u8 opsize;   /* operand size, bytes: 1, 2, 4, 8 (16: CMPXCHG16B) */
	u8 addrsize; /* address size, bytes: 2, 4, 8 */
	bool lock;   /* F0 */
	bool rep;    /* F3 on STOS/MOVS (F2/F3 are refused elsewhere) */
	u8 rex;	     /* the REX byte in effect (0x40..0x4F), or 0 */

	enum x86_src src;
	/*
	 * Register operand (x86 encoding order: 0 = rAX, 1 = rCX, 2 = rDX,
	 * 3 = rBX, 4 = rSP, 5 = rBP, 6 = rSI, 7 = rDI, 8..15 = R8..R15).
	 * For byte operands without any REX prefix, encodings 4..7 name
	 * AH, CH, DH, BH: then reg is 0..3 and reg_hi8 is set, meaning bits
	 * 15:8 of that register.
	 */
	u8 reg;
	bool reg_hi8;
	u64 imm; /* immediate, sign-extended to 64 bits where the SDM says so */

	struct x86_mem mem;	/* the destination (ES:rDI for STOS/MOVS) */
	struct x86_mem src_mem; /* MOVS only: the source (DS:rSI) */

	u8 opcode[3]; /* opcode bytes (0F-prefixed included) */
	u8 opcode_len;
	u8 modrm; /* valid if has_modrm */
	bool has_modrm;

	char reason[80]; /* why decoding failed, or the instruction's name */
};

/*
 * Decode the instruction at bytes[0..len). Returns 0, -ENOTSUP for an
 * instruction outside the supported set, or -EINVAL for a truncated one
 * (fewer than the needed bytes, or longer than 15 bytes). On failure
 * out->reason says why, e.g. "opcode 0f c7 /3: xrstors not supported".
 * On success out->reason holds the mnemonic.
 */
int x86_decode(const u8 *bytes, size_t len, enum cpu_mode mode,
	       struct x86_insn *out);

/* The mnemonic of a kind, e.g. "cmpxchg8b". */
const char *x86_kind_name(enum x86_kind kind);

#endif
