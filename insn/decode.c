// SPDX-License-Identifier: MIT
/*
 * x86 instruction decoder for the guest loads and stores braid emulates
 * (decode.h).
 *
 * An instruction is (SDM Vol. 2, §2.1, Figure 2-1):
 *   legacy prefixes, REX (64-bit mode), opcode (1 or 2 bytes), ModRM,
 *   SIB, displacement, immediate; 15 bytes at most.
 * Only the opcodes listed in decode.h are decoded in full; for any other
 * the decoder stops at the opcode and returns -ENOTSUP.
 */
#include "insn/decode.h"
#include "lib/string.h"

/* REX bits (SDM Vol. 2, §2.2.1.2, Table 2-4). */
#define REX_B BIT(0)
#define REX_X BIT(1)
#define REX_R BIT(2)
#define REX_W BIT(3)

/* The decoder's cursor over the instruction bytes. */
struct dec {
	const u8 *b;
	size_t avail;	  /* bytes we may read: min(len, 15) */
	size_t pos;	  /* next byte to read */
	bool clipped;	  /* the caller gave more than 15 bytes */
	bool opsz;	  /* 66 seen */
	bool adsz;	  /* 67 seen */
	bool f2, f3;	  /* F2, F3 seen */
	int seg;	  /* segment override, or -1 */
	bool group;	  /* the ModRM reg field extends the opcode ("/n") */
	u8 mod, regf, rm; /* ModRM fields */
	size_t rlen;	  /* length of the reason string so far */
	struct x86_insn *o;
};

static const char *const kind_names[X86_NR_KINDS] = {
	[X86_INVALID] = "(invalid)",
	[X86_MOV] = "mov",
	[X86_MOVNTI] = "movnti",
	[X86_XCHG] = "xchg",
	[X86_CMPXCHG] = "cmpxchg",
	[X86_CMPXCHG8B] = "cmpxchg8b",
	[X86_CMPXCHG16B] = "cmpxchg16b",
	[X86_ADD] = "add",
	[X86_OR] = "or",
	[X86_AND] = "and",
	[X86_SUB] = "sub",
	[X86_XOR] = "xor",
	[X86_BTS] = "bts",
	[X86_BTR] = "btr",
	[X86_BTC] = "btc",
	[X86_STOS] = "stos",
	[X86_MOVS] = "movs",
	[X86_MOV_LOAD] = "mov",
	[X86_MOVZX] = "movzx",
	[X86_MOVSX] = "movsx",
	[X86_XADD] = "xadd",
	[X86_ADC] = "adc",
	[X86_SBB] = "sbb",
	[X86_INC] = "inc",
	[X86_DEC] = "dec",
	[X86_NOT] = "not",
	[X86_NEG] = "neg",
	[X86_SETCC] = "setcc",
	[X86_MOV_TO_CR] = "mov to cr",
	[X86_MOV_FROM_CR] = "mov from cr",
	[X86_CLTS] = "clts",
	[X86_LMSW] = "lmsw",
	[X86_SMSW] = "smsw",
	[X86_INVLPG] = "invlpg",
};

const char *x86_kind_name(enum x86_kind kind)
{
	if ((unsigned)kind >= X86_NR_KINDS)
		return "(bad kind)";
	return kind_names[kind];
}

/* --- The reason string ------------------------------------------------ */

static void why_str(struct dec *d, const char *s)
{
	char *r = d->o->reason;

	while (*s && d->rlen + 1 < sizeof(d->o->reason))
		r[d->rlen++] = *s++;
	r[d->rlen] = '\0';
}

static void why_hex(struct dec *d, unsigned v)
{
	static const char digits[] = "0123456789abcdef";
	char s[3] = { digits[(v >> 4) & 15], digits[v & 15], '\0' };

	why_str(d, s);
}

/* A small decimal number (a length). */
static void why_dec(struct dec *d, unsigned v)
{
	char s[4] = { 0 };
	int i = 2;

	do {
		s[i--] = (char)('0' + v % 10);
		v /= 10;
	} while (v && i >= 0);
	why_str(d, &s[i + 1]);
}

/* "opcode 0f c7 /1: " followed by what. */
static void why_opcode(struct dec *d, const char *what)
{
	struct x86_insn *o = d->o;

	d->rlen = 0;
	why_str(d, "opcode");
	for (unsigned i = 0; i < o->opcode_len; i++) {
		why_str(d, " ");
		why_hex(d, o->opcode[i]);
	}
	if (d->group && o->has_modrm) {
		char s[4] = { ' ', '/', (char)('0' + d->regf), '\0' };

		why_str(d, s);
	}
	why_str(d, ": ");
	why_str(d, what);
}

/* An instruction we do not emulate: -ENOTSUP, with the reason. */
static int unsupported(struct dec *d, const char *what)
{
	why_opcode(d, what);
	return -ENOTSUP;
}

/* The bytes ran out: -EINVAL. */
static int truncated(struct dec *d)
{
	d->rlen = 0;
	if (d->pos >= X86_MAX_LEN && d->clipped) {
		why_str(d, "instruction longer than 15 bytes");
	} else {
		why_str(d, "truncated instruction: more than ");
		why_dec(d, (unsigned)d->avail);
		why_str(d, " bytes needed");
	}
	return -EINVAL;
}

/* --- Fetching bytes ----------------------------------------------------- */

static bool fetch(struct dec *d, u8 *out)
{
	if (d->pos >= d->avail)
		return false;
	*out = d->b[d->pos++];
	return true;
}

/* n little-endian bytes, zero-extended. */
static bool fetch_le(struct dec *d, unsigned n, u64 *out)
{
	u64 v = 0;

	if (d->avail - d->pos < n)
		return false;
	for (unsigned i = 0; i < n; i++)
		v |= (u64)d->b[d->pos + i] << (8 * i);
	d->pos += n;
	*out = v;
	return true;
}

/* Sign-extend the low n bytes of v. */
static s64 sext(u64 v, unsigned n)
{
	unsigned shift = 64 - 8 * n;

	return (s64)(v << shift) >> shift;
}

/* --- Prefixes and sizes ---------------------------------------------- */

/*
 * Legacy prefixes in any order, then at most one REX in 64-bit mode
 * (SDM Vol. 2, §2.1.1 and §2.2.1). A REX followed by a legacy prefix is
 * ignored; of several REX prefixes only the last counts. Of several
 * segment overrides the last counts.
 */
static int parse_prefixes(struct dec *d)
{
	struct x86_insn *o = d->o;
	u8 b;

	for (;;) {
		if (d->pos >= d->avail)
			return truncated(d);
		b = d->b[d->pos];
		switch (b) {
		case 0x66: d->opsz = true; break;
		case 0x67: d->adsz = true; break;
		case 0xf0: o->lock = true; break;
		case 0xf2: d->f2 = true; break;
		case 0xf3: d->f3 = true; break;
		case 0x26: d->seg = X86_SEG_ES; break;
		case 0x2e: d->seg = X86_SEG_CS; break;
		case 0x36: d->seg = X86_SEG_SS; break;
		case 0x3e: d->seg = X86_SEG_DS; break;
		case 0x64: d->seg = X86_SEG_FS; break;
		case 0x65: d->seg = X86_SEG_GS; break;
		default:
			if (o->mode == CPU_MODE_64 && (b & 0xf0) == 0x40) {
				o->rex = b;
				d->pos++;
				continue;
			}
			return 0;
		}
		o->rex = 0;
		d->pos++;
	}
}

/* Address size (SDM Vol. 1, §3.6, Table 3-3 and 3-4). */
static u8 address_size(const struct dec *d)
{
	switch (d->o->mode) {
	case CPU_MODE_64: return d->adsz ? 4 : 8;
	case CPU_MODE_32: return d->adsz ? 2 : 4;
	default: return d->adsz ? 4 : 2;
	}
}

/* Operand size: REX.W beats 66 in 64-bit mode; byte opcodes are 1. */
static void set_opsize(struct dec *d, bool byte_op)
{
	struct x86_insn *o = d->o;
	bool small = (o->mode == CPU_MODE_16) != d->opsz;

	if (byte_op)
		o->opsize = 1;
	else if (o->rex & REX_W)
		o->opsize = 8;
	else
		o->opsize = small ? 2 : 4;
}

/* --- ModRM, SIB, displacement --------------------------------------- */

static void default_seg(struct dec *d, bool ss)
{
	struct x86_mem *m = &d->o->mem;

	m->seg_override = d->seg >= 0;
	m->seg = m->seg_override ? (u8)d->seg : ss ? X86_SEG_SS : X86_SEG_DS;
}

/* 16-bit addressing forms (SDM Vol. 2, Table 2-1). */
static int modrm16(struct dec *d)
{
	/* rm: BX+SI, BX+DI, BP+SI, BP+DI, SI, DI, BP (mod 0: disp16), BX.
	 * 0xff is X86_REG_NONE. */
	static const u8 base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };
	static const u8 index16[8] = { 6, 7, 6, 7, 0xff, 0xff, 0xff, 0xff };
	struct x86_mem *m = &d->o->mem;
	u64 disp = 0;

	m->base = base16[d->rm];
	m->index = index16[d->rm];
	if (d->mod == 0 && d->rm == 6) {
		m->base = X86_REG_NONE; /* [disp16] */
		if (!fetch_le(d, 2, &disp))
			return truncated(d);
		m->disp = sext(disp, 2);
	} else if (d->mod == 1 || d->mod == 2) {
		if (!fetch_le(d, d->mod == 1 ? 1 : 2, &disp))
			return truncated(d);
		m->disp = sext(disp, d->mod == 1 ? 1 : 2);
	}
	default_seg(d, m->base == 5); /* BP-based forms use SS */
	return 0;
}

/* 32- and 64-bit addressing forms (SDM Vol. 2, Tables 2-2, 2-3, 2-5). */
static int modrm32(struct dec *d)
{
	struct x86_insn *o = d->o;
	struct x86_mem *m = &o->mem;
	u8 rex_b = (o->rex & REX_B) ? 8 : 0;
	bool disp32 = d->mod == 2;
	u64 disp = 0;

	if (d->rm == 4) {
		u8 sib, ss, idx, base;

		if (!fetch(d, &sib))
			return truncated(d);
		ss = sib >> 6;
		idx = ((sib >> 3) & 7) | ((o->rex & REX_X) ? 8 : 0);
		base = sib & 7;
		m->scale = (u8)(1u << ss);
		m->index = idx == 4 ? X86_REG_NONE : idx; /* no rSP index */
		if (base == 5 && d->mod == 0) {
			m->base = X86_REG_NONE; /* [index * scale + disp32] */
			disp32 = true;
		} else {
			m->base = base | rex_b;
		}
	} else if (d->rm == 5 && d->mod == 0) {
		/* [disp32]; in 64-bit mode [rip + disp32] (§2.2.1.6). */
		m->base = X86_REG_NONE;
		m->rip_rel = o->mode == CPU_MODE_64;
		disp32 = true;
	} else {
		m->base = d->rm | rex_b;
	}
	if (disp32) {
		if (!fetch_le(d, 4, &disp))
			return truncated(d);
		m->disp = sext(disp, 4);
	} else if (d->mod == 1) {
		if (!fetch_le(d, 1, &disp))
			return truncated(d);
		m->disp = sext(disp, 1);
	}
	default_seg(d, m->base == 4 || m->base == 5); /* rSP, rBP: SS */
	return 0;
}

/*
 * Read ModRM and, for a memory operand, SIB and displacement. Sets the
 * register operand from the reg field, with the AH/CH/DH/BH rule for byte
 * operands without REX (SDM Vol. 2, §3.1.1.1, Table 3-1 footnote).
 */
static int decode_modrm(struct dec *d, bool byte_op)
{
	struct x86_insn *o = d->o;
	u8 m, r;

	if (!fetch(d, &m))
		return truncated(d);
	o->modrm = m;
	o->has_modrm = true;
	d->mod = m >> 6;
	d->regf = (m >> 3) & 7;
	d->rm = m & 7;

	r = d->regf | ((o->rex & REX_R) ? 8 : 0);
	if (byte_op && !o->rex && r >= 4 && r < 8) {
		o->reg = r - 4;
		o->reg_hi8 = true;
	} else {
		o->reg = r;
	}
	if (d->mod == 3)
		return 0;
	return o->addrsize == 2 ? modrm16(d) : modrm32(d);
}

/* The ModRM operand must be memory: register forms store nothing. */
static int modrm_mem(struct dec *d, bool byte_op)
{
	int r = decode_modrm(d, byte_op);

	if (r)
		return r;
	if (d->mod == 3)
		return unsupported(d,
				   "register destination, not a memory store");
	return 0;
}

/* Immediate of n bytes; sign-extended to 64 bits. */
static int fetch_imm(struct dec *d, unsigned n)
{
	u64 v;

	if (!fetch_le(d, n, &v))
		return truncated(d);
	d->o->imm = (u64)sext(v, n);
	d->o->src = X86_SRC_IMM;
	return 0;
}

/* The immediate of "iz" forms: 16 or 32 bits, sign-extended to 64. */
static int fetch_imm_z(struct dec *d)
{
	return fetch_imm(d, d->o->opsize == 2 ? 2 : 4);
}

/*
 * LOCK is valid only on read-modify-write instructions with a memory
 * destination (SDM Vol. 2, LOCK page); elsewhere it raises #UD, and such an
 * instruction cannot have trapped on a store.
 */
static int check_lock(struct dec *d, bool lockable)
{
	if (d->o->lock && !lockable)
		return unsupported(d, "lock prefix is invalid here (#UD)");
	return 0;
}

/*
 * F2/F3 are REP/REPNE on string instructions, mandatory prefixes selecting
 * another instruction in the 0F map, and XACQUIRE/XRELEASE hints or
 * reserved elsewhere. Kernels do not put them on page-table stores, so
 * only REP (F3) on STOS/MOVS is accepted.
 */
static int check_f2_f3(struct dec *d)
{
	if (d->f2 || d->f3)
		return unsupported(
			d, "f2/f3 prefix not supported with this opcode");
	return 0;
}

/* In the 0F map, 66 may select another instruction too. */
static int check_no_66(struct dec *d)
{
	if (d->opsz)
		return unsupported(d,
				   "66 prefix not supported with this opcode");
	return 0;
}

/* --- Instructions ----------------------------------------------------- */

/*
 * op r/m, reg: MOV 88/89, XCHG 86/87, ALU 00..31, CMPXCHG 0F B0/B1,
 * XADD 0F C0/C1, ...
 */
static int rm_reg(struct dec *d, enum x86_kind kind, bool byte_op,
		  bool lockable)
{
	int r;

	d->o->kind = kind;
	set_opsize(d, byte_op);
	r = modrm_mem(d, byte_op);
	if (r)
		return r;
	d->o->src = X86_SRC_REG;
	r = check_f2_f3(d);
	return r ? r : check_lock(d, lockable);
}

/*
 * ALU group 1: 80, 81, 83 (and 82 outside 64-bit mode) /n (SDM: ADD, OR,
 * ADC, SBB, AND, SUB, XOR, CMP).
 */
static int alu_imm(struct dec *d, u8 op)
{
	static const enum x86_kind group1[8] = {
		X86_ADD, X86_OR,  X86_ADC, X86_SBB,
		X86_AND, X86_SUB, X86_XOR, X86_INVALID,
	};
	struct x86_insn *o = d->o;
	bool byte_op = op != 0x81 && op != 0x83;
	int r;

	d->group = true;
	set_opsize(d, byte_op);
	r = modrm_mem(d, byte_op);
	if (r)
		return r;
	o->kind = group1[d->regf];
	if (o->kind == X86_INVALID)
		return unsupported(d, "cmp does not store");
	o->reg = 0;
	o->reg_hi8 = false;
	r = op == 0x81 ? fetch_imm_z(d) : fetch_imm(d, 1);
	if (!r)
		r = check_f2_f3(d);
	return r ? r : check_lock(d, true);
}

/* MOV r/m, imm: C6 /0 ib, C7 /0 iz (SDM: MOV). */
static int mov_imm(struct dec *d, u8 op)
{
	struct x86_insn *o = d->o;
	bool byte_op = op == 0xc6;
	int r;

	d->group = true;
	o->kind = X86_MOV;
	set_opsize(d, byte_op);
	r = decode_modrm(d, byte_op);
	if (r)
		return r;
	if (d->regf == 7 && d->mod == 3)
		return unsupported(d, "xabort/xbegin not supported");
	if (d->regf != 0)
		return unsupported(d, "invalid opcode (#UD)");
	if (d->mod == 3)
		return unsupported(d,
				   "register destination, not a memory store");
	o->reg = 0;
	o->reg_hi8 = false;
	r = byte_op ? fetch_imm(d, 1) : fetch_imm_z(d);
	if (!r)
		r = check_f2_f3(d);
	return r ? r : check_lock(d, false);
}

/*
 * MOV AL/rAX, moffs: A0, A1 (loads) and MOV moffs, AL/rAX: A2, A3 (stores)
 * (SDM: MOV). The offset is address-sized.
 */
static int mov_moffs(struct dec *d, u8 op)
{
	struct x86_insn *o = d->o;
	bool load = op < 0xa2;
	u64 off;
	int r;

	o->kind = load ? X86_MOV_LOAD : X86_MOV;
	set_opsize(d, !(op & 1));
	if (load)
		o->dst_size = o->opsize;
	if (!fetch_le(d, o->addrsize, &off))
		return truncated(d);
	o->mem.disp = (s64)off;
	default_seg(d, false);
	o->src = load ? X86_SRC_MEM : X86_SRC_REG;
	o->reg = 0;
	r = check_f2_f3(d);
	return r ? r : check_lock(d, false);
}

/*
 * Loads reg, r/m: MOV 8A/8B, MOVZX 0F B6/B7, MOVSX 0F BE/BF, MOVSXD 63
 * (SDM: MOV, MOVZX, MOVSX/MOVSXD). mem_size is the width of the memory
 * source (0: the operand size), dst_size that of the register (0: the
 * operand size). The AH..BH rule applies to the register only when it is
 * a byte register (8A). LOCK is #UD on all of them.
 */
static int reg_rm(struct dec *d, enum x86_kind kind, unsigned mem_size,
		  unsigned dst_size)
{
	struct x86_insn *o = d->o;
	int r;

	o->kind = kind;
	set_opsize(d, mem_size == 1 && dst_size == 1);
	o->dst_size = (u8)(dst_size ? dst_size : o->opsize);
	if (mem_size)
		o->opsize = (u8)mem_size;
	r = decode_modrm(d, o->dst_size == 1);
	if (r)
		return r;
	if (d->mod == 3)
		return unsupported(d, "register source, not a memory load");
	o->src = X86_SRC_MEM;
	r = check_f2_f3(d);
	return r ? r : check_lock(d, false);
}

/*
 * MOVSXD r64, r/m32: REX.W 63 /r, 64-bit mode only (SDM: MOVSX/MOVSXD).
 * Without REX.W it is a plain 32- or 16-bit move, which compilers do not
 * emit; outside 64-bit mode 63 is ARPL.
 */
static int movsxd(struct dec *d)
{
	struct x86_insn *o = d->o;

	if (o->mode != CPU_MODE_64)
		return unsupported(d, "arpl not supported");
	if (!(o->rex & REX_W))
		return unsupported(d, "movsxd without rex.w not supported");
	return reg_rm(d, X86_MOVSX, 4, 8);
}

/*
 * STOS (AA, AB) and MOVS (A4, A5) (SDM: STOS, MOVS, REP). The destination
 * is always ES:rDI; a segment override applies to the MOVS source only.
 */
static int string_op(struct dec *d, u8 op)
{
	struct x86_insn *o = d->o;

	o->kind = (op & ~1) == 0xaa ? X86_STOS : X86_MOVS;
	set_opsize(d, !(op & 1));
	if (d->f2)
		return unsupported(d,
				   "repne prefix on stos/movs not supported");
	o->rep = d->f3;
	o->mem.base = 7; /* rDI */
	o->mem.seg = X86_SEG_ES;
	if (o->kind == X86_STOS) {
		o->src = X86_SRC_REG;
		o->reg = 0;
	} else {
		o->src = X86_SRC_MEM;
		o->src_mem = o->mem;
		o->src_mem.base = 6; /* rSI */
		o->src_mem.seg_override = d->seg >= 0;
		o->src_mem.seg = d->seg >= 0 ? (u8)d->seg : X86_SEG_DS;
	}
	return check_lock(d, false);
}

/* CMPXCHG8B/16B m64/m128: 0F C7 /1 (SDM: CMPXCHG8B/CMPXCHG16B). */
static int grp9(struct dec *d)
{
	struct x86_insn *o = d->o;
	int r;

	d->group = true;
	r = decode_modrm(d, false);
	if (r)
		return r;
	if (d->regf != 1 || d->mod == 3)
		return unsupported(d, "not supported (only cmpxchg8b/16b m)");
	o->reg = 0;
	r = check_f2_f3(d);
	if (!r)
		r = check_no_66(d);
	if (r)
		return r;
	if (o->rex & REX_W) {
		o->kind = X86_CMPXCHG16B;
		o->opsize = 16;
	} else {
		o->kind = X86_CMPXCHG8B;
		o->opsize = 8;
	}
	o->src = X86_SRC_NONE;
	return check_lock(d, true);
}

/* BTS/BTR/BTC r/m, imm8: 0F BA /5, /6, /7 (SDM: BTS, BTR, BTC). */
static int grp8(struct dec *d)
{
	static const enum x86_kind kinds[8] = {
		[5] = X86_BTS, [6] = X86_BTR, [7] = X86_BTC
	};
	struct x86_insn *o = d->o;
	int r;

	d->group = true;
	set_opsize(d, false);
	r = decode_modrm(d, false);
	if (r)
		return r;
	if (d->regf < 4)
		return unsupported(d, "invalid opcode (#UD)");
	if (d->regf == 4)
		return unsupported(d, "bt does not store");
	if (d->mod == 3)
		return unsupported(d,
				   "register destination, not a memory store");
	o->kind = kinds[d->regf];
	o->reg = 0;
	r = fetch_imm(d, 1);
	if (!r)
		r = check_f2_f3(d);
	if (r)
		return r;
	o->imm &= 0xff; /* a bit offset, not sign-extended */
	return check_lock(d, true);
}

/* The tail of the one-operand stores (NOT, NEG, INC, DEC): memory only,
 * no source, LOCK allowed. */
static int unary_store(struct dec *d, enum x86_kind kind)
{
	struct x86_insn *o = d->o;
	int r;

	if (d->mod == 3)
		return unsupported(d,
				   "register destination, not a memory store");
	o->kind = kind;
	o->reg = 0;
	o->reg_hi8 = false;
	o->src = X86_SRC_NONE;
	r = check_f2_f3(d);
	return r ? r : check_lock(d, true);
}

/*
 * Group 3, F6 (byte) and F7 /n (SDM: TEST, NOT, NEG, MUL, IMUL, DIV,
 * IDIV): only NOT (/2) and NEG (/3) write their operand. /1 is an
 * undocumented alias of TEST. Neither NOT nor NEG has an immediate.
 */
static int grp3(struct dec *d, u8 op)
{
	static const char *const others[8] = {
		[0] = "test does not store", [1] = "test does not store",
		[4] = "mul does not store",  [5] = "imul does not store",
		[6] = "div does not store",  [7] = "idiv does not store",
	};
	bool byte_op = op == 0xf6;
	int r;

	d->group = true;
	set_opsize(d, byte_op);
	r = decode_modrm(d, byte_op);
	if (r)
		return r;
	if (d->regf != 2 && d->regf != 3)
		return unsupported(d, others[d->regf]);
	return unary_store(d, d->regf == 2 ? X86_NOT : X86_NEG);
}

/*
 * Groups 4 and 5, FE (byte) and FF /n (SDM: INC, DEC, CALL, JMP, PUSH):
 * only INC (/0) and DEC (/1) write their operand. FE /2../7 and FF /7 are
 * undefined.
 */
static int grp4_5(struct dec *d, u8 op)
{
	static const char *const others[8] = {
		[2] = "call not supported", [3] = "far call not supported",
		[4] = "jmp not supported",  [5] = "far jmp not supported",
		[6] = "push not supported", [7] = "invalid opcode (#UD)",
	};
	bool byte_op = op == 0xfe;
	int r;

	d->group = true;
	set_opsize(d, byte_op);
	r = decode_modrm(d, byte_op);
	if (r)
		return r;
	if (d->regf > 1)
		return unsupported(d, byte_op ? "invalid opcode (#UD)"
					      : others[d->regf]);
	return unary_store(d, d->regf == 0 ? X86_INC : X86_DEC);
}

/*
 * SETcc r/m8: 0F 90..9F (SDM: SETcc). Stores one byte, 1 if the condition
 * in the opcode's low nibble holds, else 0. The ModRM reg field is
 * ignored; 66 changes nothing; LOCK is #UD.
 */
static int setcc(struct dec *d, u8 op)
{
	struct x86_insn *o = d->o;
	int r;

	o->kind = X86_SETCC;
	o->cc = op & 0xf;
	set_opsize(d, true);
	r = modrm_mem(d, true);
	if (r)
		return r;
	o->reg = 0;
	o->reg_hi8 = false;
	o->src = X86_SRC_NONE;
	r = check_f2_f3(d);
	return r ? r : check_lock(d, false);
}

/* The two-byte opcodes 0F xx. */
static int opcode_0f(struct dec *d)
{
	struct x86_insn *o = d->o;
	u8 op;
	int r;

	if (!fetch(d, &op))
		return truncated(d);
	o->opcode[o->opcode_len++] = op;
	switch (op) {
	case 0xb0: /* CMPXCHG r/m8, r8 */
	case 0xb1: /* CMPXCHG r/m, r */
		return rm_reg(d, X86_CMPXCHG, op == 0xb0, true);
	case 0xc0: /* XADD r/m8, r8 */
	case 0xc1: /* XADD r/m, r */
		return rm_reg(d, X86_XADD, op == 0xc0, true);
	case 0xab: return rm_reg(d, X86_BTS, false, true); /* BTS r/m, r */
	case 0xb3: return rm_reg(d, X86_BTR, false, true); /* BTR r/m, r */
	case 0xbb: return rm_reg(d, X86_BTC, false, true); /* BTC r/m, r */
	case 0xba: return grp8(d);
	case 0xb6: return reg_rm(d, X86_MOVZX, 1, 0); /* MOVZX r, r/m8 */
	case 0xb7: return reg_rm(d, X86_MOVZX, 2, 0); /* MOVZX r, r/m16 */
	case 0xbe: return reg_rm(d, X86_MOVSX, 1, 0); /* MOVSX r, r/m8 */
	case 0xbf: return reg_rm(d, X86_MOVSX, 2, 0); /* MOVSX r, r/m16 */
	case 0xc7: return grp9(d);
	case 0xc3: /* MOVNTI m32/m64, r32/r64 (NP 0F C3 /r) */
		if (o->mode == CPU_MODE_16)
			return unsupported(
				d, "movnti in 16-bit mode not supported");
		r = rm_reg(d, X86_MOVNTI, false, false);
		return r ? r : check_no_66(d);
	default:
		if ((op & 0xf0) == 0x90) /* SETcc r/m8 */
			return setcc(d, op);
		return unsupported(d, "not supported");
	}
}

/*
 * ALU r/m, reg (00/01 ADD, 08/09 OR, 10/11 ADC, 18/19 SBB, 20/21 AND,
 * 28/29 SUB, 30/31 XOR).
 */
static int alu_rm_reg(struct dec *d, u8 op)
{
	static const enum x86_kind kinds[8] = {
		[0] = X86_ADD, [1] = X86_OR,  [2] = X86_ADC, [3] = X86_SBB,
		[4] = X86_AND, [5] = X86_SUB, [6] = X86_XOR,
	};

	return rm_reg(d, kinds[op >> 3], !(op & 1), true);
}

static int decode_opcode(struct dec *d)
{
	struct x86_insn *o = d->o;
	u8 op;

	if (!fetch(d, &op))
		return truncated(d);
	o->opcode[o->opcode_len++] = op;
	switch (op) {
	case 0x00:
	case 0x01:
	case 0x08:
	case 0x09:
	case 0x10:
	case 0x11:
	case 0x18:
	case 0x19:
	case 0x20:
	case 0x21:
	case 0x28:
	case 0x29:
	case 0x30:
	case 0x31: return alu_rm_reg(d, op);
	case 0x82:
		if (o->mode == CPU_MODE_64)
			return unsupported(d, "invalid in 64-bit mode (#UD)");
		return alu_imm(d, op);
	case 0x80:
	case 0x81:
	case 0x83: return alu_imm(d, op);
	case 0x86:
	case 0x87: return rm_reg(d, X86_XCHG, op == 0x86, true);
	case 0x88:
	case 0x89: return rm_reg(d, X86_MOV, op == 0x88, false);
	case 0x8a: return reg_rm(d, X86_MOV_LOAD, 1, 1); /* MOV r8, r/m8 */
	case 0x8b: return reg_rm(d, X86_MOV_LOAD, 0, 0); /* MOV r, r/m */
	case 0x63: return movsxd(d);
	case 0xc6:
	case 0xc7: return mov_imm(d, op);
	case 0xa0:
	case 0xa1:
	case 0xa2:
	case 0xa3: return mov_moffs(d, op);
	case 0xa4:
	case 0xa5:
	case 0xaa:
	case 0xab: return string_op(d, op);
	case 0xf6:
	case 0xf7: return grp3(d, op);
	case 0xfe:
	case 0xff: return grp4_5(d, op);
	case 0x0f: return opcode_0f(d);
	default: return unsupported(d, "not supported");
	}
}

/* The state both entry points start from; then the prefixes. */
static int begin(struct dec *d, const u8 *bytes, size_t len, enum cpu_mode mode,
		 struct x86_insn *out)
{
	*d = (struct dec){
		.b = bytes,
		.avail = len > X86_MAX_LEN ? X86_MAX_LEN : len,
		.clipped = len > X86_MAX_LEN,
		.seg = -1,
		.o = out,
	};
	memset(out, 0, sizeof(*out));
	out->mode = mode;
	out->mem.base = out->mem.index = X86_REG_NONE;
	out->mem.scale = 1;
	out->mem.seg = X86_SEG_DS;
	out->src_mem = out->mem;
	if (mode != CPU_MODE_16 && mode != CPU_MODE_32 && mode != CPU_MODE_64) {
		why_str(d, "bad cpu mode");
		return -EINVAL;
	}
	return parse_prefixes(d);
}

static int finish(struct dec *d, int r)
{
	struct x86_insn *out = d->o;

	if (r) {
		out->kind = X86_INVALID;
		return r;
	}
	out->len = (u8)d->pos;
	why_str(d, x86_kind_name(out->kind));
	return 0;
}

int x86_decode(const u8 *bytes, size_t len, enum cpu_mode mode,
	       struct x86_insn *out)
{
	struct dec d;
	int r = begin(&d, bytes, len, mode, out);

	if (r)
		return r;
	out->addrsize = address_size(&d);
	return finish(&d, decode_opcode(&d));
}

/* Are the first @n bytes (n <= 15) of @a and @b equal? Both hold at least
 * max(n, 8) bytes: two overlapping words at most, not a byte loop. */
static bool same_prefix(const u8 *a, const u8 *b, unsigned n)
{
	u64 x, y, mask;

	if (n > 8) {
		__builtin_memcpy(&x, a, 8); /* a load, even freestanding */
		__builtin_memcpy(&y, b, 8);
		if (x != y)
			return false;
		a += n - 8; /* the last 8 of the n, overlapping the first */
		b += n - 8;
		n = 8;
	}
	__builtin_memcpy(&x, a, 8);
	__builtin_memcpy(&y, b, 8);
	mask = n == 8 ? ~0ull : (1ull << (8 * n)) - 1;
	return !((x ^ y) & mask);
}

/* Does slot @i hold the instruction @bytes start with, in @mode? A
 * decode that succeeded read exactly in->len bytes: the same bytes in the
 * same mode decode the same way. */
static bool memo_holds(const struct x86_memo *m, unsigned i, const u8 *bytes,
		       size_t len, enum cpu_mode mode)
{
	const struct x86_insn *in = &m->insn[i];

	return in->len && in->mode == mode && in->len <= len &&
	       (len >= 8 ? same_prefix(m->bytes[i], bytes, in->len)
			 : !memcmp(m->bytes[i], bytes, in->len));
}

int x86_decode_memo(struct x86_memo *m, const u8 *bytes, size_t len,
		    enum cpu_mode mode, const struct x86_insn **out)
{
	struct x86_insn *in;
	int r;

	/* A guest that traps again mostly traps at the instruction it
	 * trapped at last (a loop of page-table stores): start there, not
	 * at slot 0. Any slot that holds the bytes decodes them the same, so
	 * the order changes nothing else. */
	for (unsigned n = 0, i = m->last; n < X86_MEMO_SLOTS;
	     n++, i = (i + 1) % X86_MEMO_SLOTS) {
		if (memo_holds(m, i, bytes, len, mode)) {
			m->last = i;
			*out = &m->insn[i];
			return 0;
		}
	}
	m->last = m->next;
	in = &m->insn[m->next];
	r = x86_decode(bytes, len, mode, in);
	memcpy(m->bytes[m->next], bytes, MIN(len, (size_t)X86_MAX_LEN));
	m->next = (m->next + 1) % X86_MEMO_SLOTS;
	*out = in;
	return r;
}

/* --- System instructions (decoded, never emulated) ------------------- */

/*
 * MOV to/from CRn (0F 22 /r, 0F 20 /r): the ModRM mod field is ignored,
 * the operand is always a register (SDM Vol. 2B, "MOV-Move to/from
 * Control Registers"); reg (with REX.R) names the CR, r/m (with REX.B)
 * the GPR.
 */
static int mov_cr(struct dec *d, u8 op)
{
	struct x86_insn *o = d->o;
	u8 m;

	if (!fetch(d, &m))
		return truncated(d);
	o->modrm = m;
	o->has_modrm = true;
	o->kind = op == 0x22 ? X86_MOV_TO_CR : X86_MOV_FROM_CR;
	o->reg = ((m >> 3) & 7) | (o->rex & REX_R ? 8 : 0);
	o->rm_reg = (m & 7) | (o->rex & REX_B ? 8 : 0);
	o->opsize = o->mode == CPU_MODE_64 ? 8 : 4;
	return check_lock(d, false);
}

/* Group 7 (0F 01): SMSW /4 and LMSW /6 with a register operand, INVLPG
 * /7 with a memory operand (its register forms are other instructions,
 * SDM Vol. 2, Table A-6). */
static int grp7(struct dec *d)
{
	struct x86_insn *o = d->o;
	int r;

	d->group = true;
	r = decode_modrm(d, false);
	if (r)
		return r;
	if (d->regf == 7 && d->mod != 3)
		o->kind = X86_INVLPG;
	else if ((d->regf == 4 || d->regf == 6) && d->mod == 3)
		o->kind = d->regf == 4 ? X86_SMSW : X86_LMSW;
	else
		return unsupported(d, "not supported");
	o->reg = 0;
	o->rm_reg = d->rm | (o->rex & REX_B ? 8 : 0);
	o->opsize = 2;
	return check_lock(d, false);
}

static int decode_sys_opcode(struct dec *d)
{
	struct x86_insn *o = d->o;
	u8 op;

	if (!fetch(d, &op))
		return truncated(d);
	o->opcode[o->opcode_len++] = op;
	if (op != 0x0f)
		return unsupported(d, "not a system instruction");
	if (!fetch(d, &op))
		return truncated(d);
	o->opcode[o->opcode_len++] = op;
	switch (op) {
	case 0x06: o->kind = X86_CLTS; return check_lock(d, false);
	case 0x20:
	case 0x22: return mov_cr(d, op);
	case 0x01: return grp7(d);
	default: return unsupported(d, "not a system instruction");
	}
}

int x86_decode_sys(const u8 *bytes, size_t len, enum cpu_mode mode,
		   struct x86_insn *out)
{
	struct dec d;
	int r = begin(&d, bytes, len, mode, out);

	if (r)
		return r;
	out->addrsize = address_size(&d);
	r = decode_sys_opcode(&d);
	if (!r)
		r = check_f2_f3(&d);
	return finish(&d, r);
}

unsigned x86_prefix_len(const u8 *bytes, size_t len, enum cpu_mode mode)
{
	struct x86_insn in;
	struct dec d;

	return begin(&d, bytes, len, mode, &in) ? 0 : d.pos;
}

int x86_decode_prefixes(const u8 *bytes, size_t len, enum cpu_mode mode,
			struct x86_prefixes *p)
{
	struct x86_insn in;
	struct dec d;
	int r = begin(&d, bytes, len, mode, &in);

	if (r)
		return r;
	p->len = (u8)d.pos;
	p->rep = d.f2 || d.f3;
	p->addrsize = address_size(&d);
	p->seg = d.seg;
	return 0;
}
