// SPDX-License-Identifier: MIT
/* Comparing insn/decode.c with Capstone (cs_check.h): loads and stores. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/decoder/cs_check.h"

static csh handles[3];
static cs_insn *insn_buf[3];

static unsigned mode_index(enum cpu_mode m)
{
	return m == CPU_MODE_64 ? 2 : m == CPU_MODE_32 ? 1 : 0;
}

void cs_setup(void)
{
	static const cs_mode modes[3] = { CS_MODE_16, CS_MODE_32, CS_MODE_64 };

	for (unsigned i = 0; i < 3; i++) {
		if (handles[i])
			continue;
		if (cs_open(CS_ARCH_X86, modes[i], &handles[i]) != CS_ERR_OK) {
			fprintf(stderr, "capstone: cs_open failed\n");
			abort();
		}
		cs_option(handles[i], CS_OPT_DETAIL, CS_OPT_ON);
		insn_buf[i] = cs_malloc(handles[i]);
	}
}

void cs_teardown(void)
{
	for (unsigned i = 0; i < 3; i++) {
		if (!handles[i])
			continue;
		cs_free(insn_buf[i], 1);
		cs_close(&handles[i]);
		handles[i] = 0;
	}
}

const cs_insn *cs_one(enum cpu_mode mode, const u8 *b, size_t n)
{
	unsigned m = mode_index(mode);
	const uint8_t *code = b;
	uint64_t addr = 0x1000;

	if (!cs_disasm_iter(handles[m], &code, &n, &addr, insn_buf[m]))
		return NULL;
	return insn_buf[m];
}

const cs_x86_op *cs_mem_op(const cs_insn *ci)
{
	const cs_x86 *x = &ci->detail->x86;

	for (unsigned i = 0; i < x->op_count; i++)
		if (x->operands[i].type == X86_OP_MEM)
			return &x->operands[i];
	return NULL;
}

/* MOV reg, mem: a load. (Register and immediate forms stay X86_MOV: they
 * are refused as stores with a register destination.) */
static bool cs_is_load(const cs_insn *ci)
{
	const cs_x86 *x = &ci->detail->x86;

	return x->op_count == 2 && x->operands[0].type == X86_OP_REG &&
	       x->operands[1].type == X86_OP_MEM;
}

/* Capstone's SETcc ids by condition (decode.h: insn->cc). */
static const unsigned cs_setcc_ids[16] = {
	X86_INS_SETO, X86_INS_SETNO, X86_INS_SETB,  X86_INS_SETAE,
	X86_INS_SETE, X86_INS_SETNE, X86_INS_SETBE, X86_INS_SETA,
	X86_INS_SETS, X86_INS_SETNS, X86_INS_SETP,  X86_INS_SETNP,
	X86_INS_SETL, X86_INS_SETGE, X86_INS_SETLE, X86_INS_SETG,
};

/* The condition of a Capstone SETcc, or -1. */
static int cs_setcc_cond(const cs_insn *ci)
{
	for (int cc = 0; cc < 16; cc++)
		if (ci->id == cs_setcc_ids[cc])
			return cc;
	return -1;
}

enum x86_kind cs_kind(const cs_insn *ci)
{
	if (cs_setcc_cond(ci) >= 0)
		return X86_SETCC;
	switch (ci->id) {
	case X86_INS_MOV:
	case X86_INS_MOVABS: return cs_is_load(ci) ? X86_MOV_LOAD : X86_MOV;
	case X86_INS_MOVZX: return X86_MOVZX;
	case X86_INS_MOVSX:
	case X86_INS_MOVSXD: return X86_MOVSX;
	case X86_INS_MOVNTI: return X86_MOVNTI;
	case X86_INS_XCHG: return X86_XCHG;
	case X86_INS_CMPXCHG: return X86_CMPXCHG;
	case X86_INS_CMPXCHG8B: return X86_CMPXCHG8B;
	case X86_INS_CMPXCHG16B: return X86_CMPXCHG16B;
	case X86_INS_ADD: return X86_ADD;
	case X86_INS_OR: return X86_OR;
	case X86_INS_AND: return X86_AND;
	case X86_INS_SUB: return X86_SUB;
	case X86_INS_XOR: return X86_XOR;
	case X86_INS_BTS: return X86_BTS;
	case X86_INS_BTR: return X86_BTR;
	case X86_INS_BTC: return X86_BTC;
	case X86_INS_XADD: return X86_XADD;
	case X86_INS_ADC: return X86_ADC;
	case X86_INS_SBB: return X86_SBB;
	case X86_INS_INC: return X86_INC;
	case X86_INS_DEC: return X86_DEC;
	case X86_INS_NOT: return X86_NOT;
	case X86_INS_NEG: return X86_NEG;
	case X86_INS_STOSB:
	case X86_INS_STOSW:
	case X86_INS_STOSD:
	case X86_INS_STOSQ: return X86_STOS;
	case X86_INS_MOVSB:
	case X86_INS_MOVSW:
	case X86_INS_MOVSD: /* also the SSE2 movsd: callers check */
	case X86_INS_MOVSQ: return X86_MOVS;
	default: return X86_INVALID;
	}
}

struct gpr_name {
	x86_reg reg;
	u8 num;
	bool hi8;
	u8 size;
};

#define R4(n, b, w, d, q)                                           \
	{ X86_REG_##b, n, false, 1 }, { X86_REG_##w, n, false, 2 }, \
		{ X86_REG_##d, n, false, 4 },                       \
	{                                                           \
		X86_REG_##q, n, false, 8                            \
	}

static const struct gpr_name gprs[] = {
	R4(0, AL, AX, EAX, RAX),       R4(1, CL, CX, ECX, RCX),
	R4(2, DL, DX, EDX, RDX),       R4(3, BL, BX, EBX, RBX),
	R4(4, SPL, SP, ESP, RSP),      R4(5, BPL, BP, EBP, RBP),
	R4(6, SIL, SI, ESI, RSI),      R4(7, DIL, DI, EDI, RDI),
	R4(8, R8B, R8W, R8D, R8),      R4(9, R9B, R9W, R9D, R9),
	R4(10, R10B, R10W, R10D, R10), R4(11, R11B, R11W, R11D, R11),
	R4(12, R12B, R12W, R12D, R12), R4(13, R13B, R13W, R13D, R13),
	R4(14, R14B, R14W, R14D, R14), R4(15, R15B, R15W, R15D, R15),
	{ X86_REG_AH, 0, true, 1 },    { X86_REG_CH, 1, true, 1 },
	{ X86_REG_DH, 2, true, 1 },    { X86_REG_BH, 3, true, 1 },
};

bool cs_gpr(x86_reg r, u8 *num, bool *hi8, unsigned *size)
{
	for (size_t i = 0; i < sizeof(gprs) / sizeof(gprs[0]); i++) {
		if (gprs[i].reg == r) {
			*num = gprs[i].num;
			*hi8 = gprs[i].hi8;
			*size = gprs[i].size;
			return true;
		}
	}
	return false;
}

static int cs_seg(x86_reg r)
{
	switch (r) {
	case X86_REG_ES: return X86_SEG_ES;
	case X86_REG_CS: return X86_SEG_CS;
	case X86_REG_SS: return X86_SEG_SS;
	case X86_REG_DS: return X86_SEG_DS;
	case X86_REG_FS: return X86_SEG_FS;
	case X86_REG_GS: return X86_SEG_GS;
	default: return -1;
	}
}

const char *hexbytes(const u8 *b, size_t n)
{
	static char s[3 * 32 + 1];
	size_t k = 0;

	for (size_t i = 0; i < n && i < 32; i++)
		k += (size_t)sprintf(s + k, i ? " %02x" : "%02x", b[i]);
	s[k] = '\0';
	return s;
}

static char msg[256];

/*
 * Capstone 4 decodes "66 f3 ab" as rep stosd in 32/64-bit modes, while
 * "f3 66 ab" is rep stosw; the CPU does not care about the order of
 * prefixes (SDM Vol. 2, §2.1.1), and the emulator tests check on the host
 * CPU that both are stosw. True if the instruction has 66 before its last
 * F3/F2 prefix.
 */
static bool capstone_66_rep_quirk(const cs_insn *ci, enum cpu_mode mode)
{
	int first66 = -1, last_rep = -1;

	if (mode == CPU_MODE_16)
		return false;
	for (unsigned i = 0; i < ci->size; i++) {
		u8 b = ci->bytes[i];

		if (b == 0x66 && first66 < 0)
			first66 = (int)i;
		else if (b == 0xf3 || b == 0xf2)
			last_rep = (int)i;
		else if (!memchr("\x66\x67\xf0\x26\x2e\x36\x3e\x64\x65", b,
				 9) &&
			 (b & 0xf0) != 0x40)
			break;
	}
	return first66 >= 0 && first66 < last_rep;
}

/* Capstone's size of a string instruction's operand, corrected. */
static unsigned cs_size(const cs_insn *ci, const struct x86_insn *o,
			unsigned size)
{
	if ((o->kind == X86_STOS || o->kind == X86_MOVS) && size == 4 &&
	    capstone_66_rep_quirk(ci, o->mode))
		return 2;
	return size;
}

#define DIFF(...)                                        \
	do {                                             \
		snprintf(msg, sizeof(msg), __VA_ARGS__); \
		return msg;                              \
	} while (0)

static u64 mask_bytes(unsigned n)
{
	return n >= 8 ? ~0ull : (1ull << (8 * n)) - 1;
}

/* A register used in an address: GPR number of the right width. */
static const char *cmp_addr_reg(const char *what, x86_reg r, u8 mine,
				unsigned addrsize)
{
	u8 num;
	bool hi8;
	unsigned size;

	if (r == X86_REG_INVALID) {
		if (mine != X86_REG_NONE)
			DIFF("%s: capstone none, decoder r%u", what, mine);
		return NULL;
	}
	if (!cs_gpr(r, &num, &hi8, &size))
		DIFF("%s: capstone register %d is not a GPR", what, r);
	if (num != mine || size != addrsize)
		DIFF("%s: capstone r%u/%u bytes, decoder r%u/%u bytes", what,
		     num, size, mine, addrsize);
	return NULL;
}

static const char *cmp_mem(const char *what, const cs_insn *ci,
			   const cs_x86_op *op, const struct x86_mem *m,
			   const struct x86_insn *o)
{
	u64 amask = mask_bytes(o->addrsize);
	int seg = cs_seg(op->mem.segment);
	const char *e;

	if (m->rip_rel) {
		if (op->mem.base != X86_REG_RIP && op->mem.base != X86_REG_EIP)
			DIFF("%s: decoder rip-relative, capstone base %d", what,
			     op->mem.base);
	} else if ((e = cmp_addr_reg(what, op->mem.base, m->base,
				     o->addrsize))) {
		return e;
	}
	if ((e = cmp_addr_reg(what, op->mem.index, m->index, o->addrsize)))
		return e;
	if (m->index != X86_REG_NONE && op->mem.scale != m->scale)
		DIFF("%s: scale capstone %d decoder %u", what, op->mem.scale,
		     m->scale);
	if (((u64)op->mem.disp & amask) != ((u64)m->disp & amask))
		DIFF("%s: disp capstone %#llx decoder %#llx", what,
		     (unsigned long long)op->mem.disp,
		     (unsigned long long)m->disp);
	/* Capstone names the segment when overridden (and ES for string
	 * destinations outside 64-bit mode). */
	if (m->seg_override && seg != m->seg)
		DIFF("%s: segment override capstone %d decoder %u", what, seg,
		     m->seg);
	if (seg >= 0 && seg != m->seg)
		DIFF("%s: segment capstone %d decoder %u", what, seg, m->seg);
	if (cs_size(ci, o, op->size) != o->opsize)
		DIFF("%s: size capstone %u decoder %u", what, op->size,
		     o->opsize);
	return NULL;
}

const char *cs_compare(const cs_insn *ci, const struct x86_insn *o)
{
	const cs_x86 *x = &ci->detail->x86;
	const cs_x86_op *mem[2] = { NULL, NULL }, *reg = NULL, *imm = NULL;
	const char *e;
	unsigned nmem = 0;

	if (ci->size != o->len)
		DIFF("length: capstone %u decoder %u", ci->size, o->len);
	if (cs_kind(ci) != o->kind)
		DIFF("kind: capstone %s (%s) decoder %s", ci->mnemonic,
		     x86_kind_name(cs_kind(ci)), x86_kind_name(o->kind));
	if (x86_kind_is_load(o->kind) !=
	    (o->src == X86_SRC_MEM && o->kind != X86_MOVS))
		DIFF("load %s with source %d", x86_kind_name(o->kind), o->src);
	if (!x86_kind_is_load(o->kind) && o->dst_size)
		DIFF("store with dst_size %u", o->dst_size);
	if (x->addr_size != o->addrsize)
		DIFF("address size: capstone %u decoder %u", x->addr_size,
		     o->addrsize);
	for (unsigned i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type == X86_OP_MEM && nmem < 2)
			mem[nmem++] = op;
		else if (op->type == X86_OP_REG && !reg)
			reg = op;
		else if (op->type == X86_OP_IMM && !imm)
			imm = op;
	}
	if (!mem[0])
		DIFF("capstone has no memory operand");
	if ((e = cmp_mem(x86_kind_is_load(o->kind) ? "source" : "dest", ci,
			 mem[0], &o->mem, o)))
		return e;
	if (o->kind == X86_MOVS) {
		if (!mem[1])
			DIFF("movs: capstone has no source operand");
		if ((e = cmp_mem("source", ci, mem[1], &o->src_mem, o)))
			return e;
	}
	if (o->src == X86_SRC_REG || x86_kind_is_load(o->kind)) {
		/* A store's source register has the operand's size; a
		 * load's destination register its own (MOVZX/MOVSX). */
		unsigned want =
			x86_kind_is_load(o->kind) ? o->dst_size : o->opsize;
		u8 num;
		bool hi8;
		unsigned size;

		if (!reg || !cs_gpr(reg->reg, &num, &hi8, &size))
			DIFF("capstone has no register operand");
		if (num != o->reg || hi8 != o->reg_hi8 ||
		    cs_size(ci, o, size) != want)
			DIFF("register: capstone %s (r%u%s/%u) decoder r%u%s/%u",
			     cs_reg_name(handles[2], reg->reg), num,
			     hi8 ? "h" : "", size, o->reg,
			     o->reg_hi8 ? "h" : "", want);
	}
	if (o->src == X86_SRC_IMM) {
		u64 m = o->kind >= X86_BTS && o->kind <= X86_BTC
				? 0xff
				: mask_bytes(o->opsize);

		if (!imm)
			DIFF("capstone has no immediate");
		if (((u64)imm->imm & m) != (o->imm & m))
			DIFF("immediate: capstone %#llx decoder %#llx",
			     (unsigned long long)imm->imm,
			     (unsigned long long)o->imm);
	}
	if (o->kind == X86_SETCC && cs_setcc_cond(ci) != o->cc)
		DIFF("condition: capstone %s decoder %u", ci->mnemonic, o->cc);
	if ((o->src == X86_SRC_NONE) !=
	    (o->kind == X86_CMPXCHG8B || o->kind == X86_CMPXCHG16B ||
	     o->kind == X86_INC || o->kind == X86_DEC || o->kind == X86_NOT ||
	     o->kind == X86_NEG || o->kind == X86_SETCC))
		DIFF("%s with source %d", x86_kind_name(o->kind), o->src);
	if (o->lock != (x->prefix[0] == 0xf0))
		DIFF("lock: capstone prefix %02x decoder %d", x->prefix[0],
		     o->lock);
	if ((o->kind == X86_STOS || o->kind == X86_MOVS) &&
	    o->rep != (x->prefix[0] == 0xf3))
		DIFF("rep: capstone prefix %02x decoder %d", x->prefix[0],
		     o->rep);
	return NULL;
}
