/* SPDX-License-Identifier: MIT */
/*
 * x86 instruction decoder for the guest loads and stores braid emulates.
 *
 * Two kinds of guest access trap and must be emulated: writes to the
 * guest's own page-table pages that braid write-protects (shadow or
 * compound paging), and loads and stores to emulated devices' MMIO, such
 * as the local APIC's xAPIC registers (Linux's readl()/writel()).
 * x86_decode() turns the bytes at the guest's RIP into a struct x86_insn;
 * insn/emulate.c carries it out. Only the store and read-modify-write forms
 * that kernels use on page tables (and on data sharing a page with them)
 * and the plain MOV/MOVZX/MOVSX loads used on MMIO are decoded; anything
 * else fails with -ENOTSUP and a reason in insn->reason, so that the guest
 * is stopped with a clear message instead of being emulated wrongly.
 * x86_kind_is_store() and x86_kind_is_load() tell the two apart: a caller
 * expecting a write must not emulate a load, and vice versa.
 * x86_decode_sys() decodes, with the same prefix and ModRM rules, the
 * system instructions shadow paging intercepts (for exits that do not say
 * which register or operand they used); those are decoded only.
 *
 * References are to the Intel SDM, Vol. 2 (instruction set reference):
 * §2.1 (instruction format), §2.2.1 (REX), Tables 2-1..2-3 (ModRM, SIB),
 * and the instruction pages named next to each opcode in decode.c.
 */
#ifndef INSN_DECODE_H
#define INSN_DECODE_H

#include "lib/types.h"

/* The longest an instruction may be (SDM Vol. 2A 2.3.11). */
#define X86_MAX_LEN 15

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

/*
 * What the instruction does. Stores (X86_MOV..X86_MOVS, and X86_XADD..
 * X86_SETCC) may write their memory destination insn->mem (ES:rDI for
 * STOS/MOVS); loads (X86_MOV_LOAD..X86_MOVSX) read their memory source
 * insn->mem into the register insn->reg and write no memory. Use
 * x86_kind_is_store() and x86_kind_is_load() rather than ranges.
 */
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
	X86_MOV_LOAD,	/* 8A, 8B, A0, A1 (loads from here on) */
	X86_MOVZX,	/* 0F B6, 0F B7 */
	X86_MOVSX,	/* 0F BE, 0F BF, REX.W 63 (MOVSXD, 64-bit mode) */
	X86_XADD,	/* 0F C0, 0F C1 (stores again from here on) */
	X86_ADC,	/* 10, 11, 80-83 /2 */
	X86_SBB,	/* 18, 19, 80-83 /3 */
	X86_INC,	/* FE /0, FF /0 */
	X86_DEC,	/* FE /1, FF /1 */
	X86_NOT,	/* F6 /2, F7 /2 */
	X86_NEG,	/* F6 /3, F7 /3 */
	X86_SETCC,	/* 0F 90..9F (condition in insn->cc) */
	/* System instructions, from x86_decode_sys() only: decoded for the
	 * exits that report them undecoded, never emulated. */
	X86_MOV_TO_CR,	 /* 0F 22 /r: CR insn->reg := GPR insn->rm_reg */
	X86_MOV_FROM_CR, /* 0F 20 /r: GPR insn->rm_reg := CR insn->reg */
	X86_CLTS,	 /* 0F 06 */
	X86_LMSW,	 /* 0F 01 /6, register form: source insn->rm_reg */
	X86_SMSW,	 /* 0F 01 /4, register form: destination insn->rm_reg */
	X86_INVLPG,	 /* 0F 01 /7, memory operand insn->mem */
	X86_NR_KINDS,
};

/*
 * Where the value stored (or combined with the destination) comes from;
 * for loads, where the value loaded comes from.
 */
enum x86_src {
	X86_SRC_NONE, /* CMPXCHG8B/16B: implicit EDX:EAX, ECX:EBX; INC, DEC,
		       * NOT, NEG: none; SETcc: the flags */
	X86_SRC_REG,  /* insn->reg (STOS, MOV moffs: the accumulator, reg 0) */
	X86_SRC_IMM,  /* insn->imm */
	X86_SRC_MEM,  /* MOVS: insn->src_mem; loads: insn->mem */
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
	u8 opsize;   /* memory operand size: 1, 2, 4, 8 (16: CMPXCHG16B) */
	u8 dst_size; /* loads: destination register size, bytes; stores: 0 */
	u8 addrsize; /* address size, bytes: 2, 4, 8 */
	bool lock;   /* F0 */
	bool rep;    /* F3 on STOS/MOVS (F2/F3 are refused elsewhere) */
	u8 rex;	     /* the REX byte in effect (0x40..0x4F), or 0 */

	enum x86_src src;
	/*
	 * Register operand: the source of a store, the destination of a
	 * load (x86 encoding order: 0 = rAX, 1 = rCX, 2 = rDX,
	 * 3 = rBX, 4 = rSP, 5 = rBP, 6 = rSI, 7 = rDI, 8..15 = R8..R15).
	 * For byte operands without any REX prefix, encodings 4..7 name
	 * AH, CH, DH, BH: then reg is 0..3 and reg_hi8 is set, meaning bits
	 * 15:8 of that register.
	 */
	u8 reg;
	bool reg_hi8;
	u8 rm_reg; /* system instructions: the ModRM r/m register */
	u64 imm; /* immediate, sign-extended to 64 bits where the SDM says so */
	/*
	 * SETcc: the condition, the opcode's low nibble (SDM Vol. 2, SETcc;
	 * §B.1.4.7, the "tttn" field): 0 O, 1 NO, 2 B, 3 AE, 4 E, 5 NE,
	 * 6 BE, 7 A, 8 S, 9 NS, 10 P, 11 NP, 12 L, 13 GE, 14 LE, 15 G.
	 */
	u8 cc;

	struct x86_mem mem;	/* stores: the destination (ES:rDI for
				 * STOS/MOVS); loads: the source */
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

/*
 * The last few instructions decoded, by their bytes. Decoding is a
 * function of the bytes and the mode alone, and a guest's page-table
 * stores come from a handful of instructions run again and again.
 */
#define X86_MEMO_SLOTS 8
struct x86_memo {
	struct x86_insn insn[X86_MEMO_SLOTS]; /* len 0: empty or failed */
	u8 bytes[X86_MEMO_SLOTS][X86_MAX_LEN];
	unsigned next; /* the slot the next miss decodes into */
	unsigned last; /* the slot that answered last: looked at first */
};

/* x86_decode() through @m: *out is the decoded instruction, held in @m
 * until a later call decodes into its slot. */
int x86_decode_memo(struct x86_memo *m, const u8 *bytes, size_t len,
		    enum cpu_mode mode, const struct x86_insn **out);

/*
 * How many prefix bytes (legacy prefixes, then REX in 64-bit mode) start
 * the instruction at bytes[0..len); 0 if they fill all 15 bytes. For an
 * exit that gives only the opcode's length (SVM without NRIP save).
 */
unsigned x86_prefix_len(const u8 *bytes, size_t len, enum cpu_mode mode);

/* What the prefixes of the instruction at bytes[0..len) say, for one
 * whose operands an exit reports but not its prefixes (INS/OUTS): 0, or
 * x86_decode()'s error for prefixes that fill all 15 bytes. */
struct x86_prefixes {
	u8 len;	     /* prefix bytes, REX included */
	bool rep;    /* F2 or F3 */
	u8 addrsize; /* address size, bytes: 2, 4, 8 */
	int seg;     /* segment override (enum x86_seg), or -1 */
};
int x86_decode_prefixes(const u8 *bytes, size_t len, enum cpu_mode mode,
			struct x86_prefixes *p);

/*
 * Decode one of the system instructions an exit may report without its
 * operands (AMD without decode assists): MOV to/from CRn, CLTS, LMSW,
 * SMSW and INVLPG, with the same prefix and ModRM rules as x86_decode().
 * Anything else is -ENOTSUP; x86_decode() never returns these kinds.
 */
int x86_decode_sys(const u8 *bytes, size_t len, enum cpu_mode mode,
		   struct x86_insn *out);

/* The mnemonic of a kind, e.g. "cmpxchg8b". */
const char *x86_kind_name(enum x86_kind kind);

/* Whether kind may write memory (its destination insn->mem). */
static inline bool x86_kind_is_store(enum x86_kind kind)
{
	switch (kind) {
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
	case X86_STOS:
	case X86_MOVS:
	case X86_XADD:
	case X86_ADC:
	case X86_SBB:
	case X86_INC:
	case X86_DEC:
	case X86_NOT:
	case X86_NEG:
	case X86_SETCC: return true;
	default: return false;
	}
}

/* Whether kind only reads memory (insn->mem) into a register. */
static inline bool x86_kind_is_load(enum x86_kind kind)
{
	switch (kind) {
	case X86_MOV_LOAD:
	case X86_MOVZX:
	case X86_MOVSX: return true;
	default: return false;
	}
}

#endif
