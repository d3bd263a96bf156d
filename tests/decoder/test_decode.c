// SPDX-License-Identifier: MIT
/*
 * insn/decode.c against hand-checked encodings, against the Capstone
 * disassembler on generated encodings of every supported form (loads and
 * stores), and against random bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "insn/decode.h"
#include "tests/decoder/cs_check.h"
#include "tests/decoder/gen.h"

#define NONE X86_REG_NONE

static const char *mode_name(enum cpu_mode m)
{
	return m == CPU_MODE_64 ? "64" : m == CPU_MODE_32 ? "32" : "16";
}

/* "f0 48 0f c7 0e" -> bytes; returns the count. */
static size_t parse_hex(const char *s, u8 *out)
{
	size_t n = 0;

	while (*s) {
		char *end;
		unsigned long v = strtoul(s, &end, 16);

		if (end == s)
			break;
		out[n++] = (u8)v;
		s = end;
	}
	return n;
}

static int decode_hex(enum cpu_mode mode, const char *hex, struct x86_insn *o)
{
	u8 b[32];
	size_t n = parse_hex(hex, b);

	return x86_decode(b, n, mode, o);
}

/* --- Hand-checked encodings ------------------------------------------ */

static void expect_mem(const struct x86_insn *o, u8 base, u8 index, u8 scale,
		       s64 disp)
{
	assert_int_equal(o->mem.base, base);
	assert_int_equal(o->mem.index, index);
	if (index != NONE)
		assert_int_equal(o->mem.scale, scale);
	assert_int_equal(o->mem.disp, disp);
}

static void test_known_mov(void **state)
{
	struct x86_insn o;

	(void)state;
	/* mov [rax], eax */
	assert_int_equal(decode_hex(CPU_MODE_64, "89 00", &o), 0);
	assert_int_equal(o.kind, X86_MOV);
	assert_int_equal(o.len, 2);
	assert_int_equal(o.opsize, 4);
	assert_int_equal(o.addrsize, 8);
	assert_int_equal(o.src, X86_SRC_REG);
	assert_int_equal(o.reg, 0);
	expect_mem(&o, 0, NONE, 1, 0);
	assert_string_equal(o.reason, "mov");

	/* mov [r12 + r13*8 - 0x80], r9 (REX.WRXB, SIB, disp8) */
	assert_int_equal(decode_hex(CPU_MODE_64, "4f 89 4c ec 80", &o), 0);
	assert_int_equal(o.opsize, 8);
	assert_int_equal(o.reg, 9);
	expect_mem(&o, 12, 13, 8, -0x80);

	/* mov [rip + 0x12345678], bh: no REX, so reg 7 is BH */
	assert_int_equal(decode_hex(CPU_MODE_64, "88 3d 78 56 34 12", &o), 0);
	assert_int_equal(o.opsize, 1);
	assert_true(o.mem.rip_rel);
	assert_int_equal(o.mem.base, NONE);
	assert_int_equal(o.mem.disp, 0x12345678);
	assert_int_equal(o.reg, 3);
	assert_true(o.reg_hi8);

	/* mov [rax], dil: any REX makes reg 7 DIL */
	assert_int_equal(decode_hex(CPU_MODE_64, "40 88 38", &o), 0);
	assert_int_equal(o.reg, 7);
	assert_false(o.reg_hi8);

	/* mov [r13 + 0], ecx: r13 with mod 0 needs a disp8 */
	assert_int_equal(decode_hex(CPU_MODE_64, "41 89 4d 00", &o), 0);
	expect_mem(&o, 13, NONE, 1, 0);
	assert_false(o.mem.rip_rel);

	/* mov [index*4 + disp32] (SIB, no base), index r12 (REX.X) */
	assert_int_equal(decode_hex(CPU_MODE_64, "42 89 04 a5 f0 ff ff ff", &o),
			 0);
	expect_mem(&o, NONE, 12, 4, -16);

	/* SIB index 100 without REX.X is "no index" */
	assert_int_equal(decode_hex(CPU_MODE_64, "89 04 64", &o), 0);
	expect_mem(&o, 4, NONE, 1, 0);
	assert_int_equal(o.mem.seg, X86_SEG_SS);

	/* mov word [fs:rbx], 0x1234: 66, segment, C7 /0 iw */
	assert_int_equal(decode_hex(CPU_MODE_64, "64 66 c7 03 34 12", &o), 0);
	assert_int_equal(o.opsize, 2);
	assert_int_equal(o.src, X86_SRC_IMM);
	assert_int_equal(o.imm, 0x1234);
	assert_true(o.mem.seg_override);
	assert_int_equal(o.mem.seg, X86_SEG_FS);
	assert_int_equal(o.len, 6);

	/* mov qword [rdi], -1: C7 /0 id sign-extended */
	assert_int_equal(decode_hex(CPU_MODE_64, "48 c7 07 ff ff ff ff", &o),
			 0);
	assert_int_equal(o.opsize, 8);
	assert_int_equal(o.imm, ~0ull);

	/* REX before a legacy prefix is ignored: this is mov [rax], ax */
	assert_int_equal(decode_hex(CPU_MODE_64, "48 66 89 00", &o), 0);
	assert_int_equal(o.opsize, 2);
	assert_int_equal(o.rex, 0);

	/* REX.W beats 66 */
	assert_int_equal(decode_hex(CPU_MODE_64, "66 48 89 00", &o), 0);
	assert_int_equal(o.opsize, 8);

	/* 67 in 64-bit mode: [eip + disp] and [eax] */
	assert_int_equal(decode_hex(CPU_MODE_64, "67 89 05 00 01 00 00", &o),
			 0);
	assert_int_equal(o.addrsize, 4);
	assert_true(o.mem.rip_rel);

	/* movabs [0x8877665544332211], rax */
	assert_int_equal(
		decode_hex(CPU_MODE_64, "48 a3 11 22 33 44 55 66 77 88", &o),
		0);
	assert_int_equal(o.len, 10);
	assert_int_equal((u64)o.mem.disp, 0x8877665544332211ull);
	assert_int_equal(o.opsize, 8);
	assert_int_equal(o.reg, 0);
}

static void test_known_32_16(void **state)
{
	struct x86_insn o;

	(void)state;
	/* 32-bit: mov [ebp + 8], ecx: default segment SS */
	assert_int_equal(decode_hex(CPU_MODE_32, "89 4d 08", &o), 0);
	expect_mem(&o, 5, NONE, 1, 8);
	assert_int_equal(o.mem.seg, X86_SEG_SS);
	assert_int_equal(o.addrsize, 4);
	assert_int_equal(o.opsize, 4);

	/* 32-bit: [disp32] is absolute, not RIP-relative */
	assert_int_equal(decode_hex(CPU_MODE_32, "89 05 00 10 00 00", &o), 0);
	assert_false(o.mem.rip_rel);
	expect_mem(&o, NONE, NONE, 1, 0x1000);

	/* 32-bit: 48 is DEC eax, not REX */
	assert_int_equal(decode_hex(CPU_MODE_32, "48 89 00", &o), -ENOTSUP);

	/* 32-bit with 67: 16-bit addressing [bp + di - 2] */
	assert_int_equal(decode_hex(CPU_MODE_32, "67 66 89 43 fe", &o), 0);
	assert_int_equal(o.addrsize, 2);
	assert_int_equal(o.opsize, 2);
	expect_mem(&o, 5, 7, 1, -2);
	assert_int_equal(o.mem.seg, X86_SEG_SS);

	/* 16-bit: mov [0x1234], ax (mod 0, rm 6) */
	assert_int_equal(decode_hex(CPU_MODE_16, "89 06 34 12", &o), 0);
	expect_mem(&o, NONE, NONE, 1, 0x1234);
	assert_int_equal(o.opsize, 2);
	assert_int_equal(o.mem.seg, X86_SEG_DS);

	/* 16-bit with 66 67: 32-bit operand and addressing, SIB */
	assert_int_equal(decode_hex(CPU_MODE_16, "66 67 89 04 88", &o), 0);
	assert_int_equal(o.opsize, 4);
	assert_int_equal(o.addrsize, 4);
	expect_mem(&o, 0, 1, 4, 0);

	/* 32-bit: lock cmpxchg8b [esi] */
	assert_int_equal(decode_hex(CPU_MODE_32, "f0 0f c7 0e", &o), 0);
	assert_int_equal(o.kind, X86_CMPXCHG8B);
	assert_int_equal(o.opsize, 8);
	assert_true(o.lock);

	/* 32-bit: 82 /0 is an alias of 80 /0 */
	assert_int_equal(decode_hex(CPU_MODE_32, "82 00 7f", &o), 0);
	assert_int_equal(o.kind, X86_ADD);
	assert_int_equal(o.imm, 0x7f);
}

static void test_known_rmw(void **state)
{
	struct x86_insn o;

	(void)state;
	/* lock cmpxchg16b [rsi] */
	assert_int_equal(decode_hex(CPU_MODE_64, "f0 48 0f c7 0e", &o), 0);
	assert_int_equal(o.kind, X86_CMPXCHG16B);
	assert_int_equal(o.opsize, 16);
	assert_int_equal(o.src, X86_SRC_NONE);

	/* lock or qword [rdi], 0x40 (83 /1 ib, sign-extended) */
	assert_int_equal(decode_hex(CPU_MODE_64, "f0 48 83 0f 40", &o), 0);
	assert_int_equal(o.kind, X86_OR);
	assert_int_equal(o.imm, 0x40);
	assert_true(o.lock);

	/* and dword [rax], -2 (83 /4 ib) */
	assert_int_equal(decode_hex(CPU_MODE_64, "83 20 fe", &o), 0);
	assert_int_equal(o.kind, X86_AND);
	assert_int_equal(o.imm, (u64)-2);

	/* lock btr qword [rdi], 5 (0F BA /6 ib) */
	assert_int_equal(decode_hex(CPU_MODE_64, "f0 48 0f ba 37 05", &o), 0);
	assert_int_equal(o.kind, X86_BTR);
	assert_int_equal(o.imm, 5);

	/* bts [rdi], 0x80: the bit offset is not sign-extended */
	assert_int_equal(decode_hex(CPU_MODE_64, "0f ba 2f 80", &o), 0);
	assert_int_equal(o.imm, 0x80);

	/* lock bts [rdi], rax */
	assert_int_equal(decode_hex(CPU_MODE_64, "f0 48 0f ab 07", &o), 0);
	assert_int_equal(o.kind, X86_BTS);
	assert_int_equal(o.src, X86_SRC_REG);

	/* xchg [rdx], ah */
	assert_int_equal(decode_hex(CPU_MODE_64, "86 22", &o), 0);
	assert_int_equal(o.kind, X86_XCHG);
	assert_int_equal(o.reg, 0);
	assert_true(o.reg_hi8);

	/* rep stosq; rep movsb with a source segment override */
	assert_int_equal(decode_hex(CPU_MODE_64, "f3 48 ab", &o), 0);
	assert_int_equal(o.kind, X86_STOS);
	assert_true(o.rep);
	assert_int_equal(o.opsize, 8);
	assert_int_equal(o.mem.base, 7);
	assert_int_equal(o.mem.seg, X86_SEG_ES);
	assert_int_equal(decode_hex(CPU_MODE_32, "64 f3 a4", &o), 0);
	assert_int_equal(o.kind, X86_MOVS);
	assert_int_equal(o.src_mem.base, 6);
	assert_int_equal(o.src_mem.seg, X86_SEG_FS);
	assert_int_equal(o.mem.seg, X86_SEG_ES);
	assert_false(o.mem.seg_override);

	/* 66 before F3 still makes it rep stosw (Capstone 4 says stosd; the
	 * emulator tests run it on the CPU) */
	assert_int_equal(decode_hex(CPU_MODE_64, "66 f3 ab", &o), 0);
	assert_int_equal(o.opsize, 2);
	assert_true(o.rep);

	/* movnti [rax], r8 */
	assert_int_equal(decode_hex(CPU_MODE_64, "4c 0f c3 00", &o), 0);
	assert_int_equal(o.kind, X86_MOVNTI);
	assert_int_equal(o.opsize, 8);
	assert_int_equal(o.reg, 8);
}

/* XADD, ADC/SBB, INC/DEC, NOT/NEG, SETcc: stores with a memory operand. */
static void test_known_rmw2(void **state)
{
	struct x86_insn o;

	(void)state;
	/* lock xadd [rdi + 0x830], eax: Linux's atomic_fetch_add() */
	assert_int_equal(decode_hex(CPU_MODE_64, "f0 0f c1 87 30 08 00 00", &o),
			 0);
	assert_int_equal(o.kind, X86_XADD);
	assert_true(x86_kind_is_store(o.kind));
	assert_true(o.lock);
	assert_int_equal(o.len, 8);
	assert_int_equal(o.opsize, 4);
	assert_int_equal(o.src, X86_SRC_REG);
	assert_int_equal(o.reg, 0);
	expect_mem(&o, 7, NONE, 1, 0x830);
	assert_string_equal(o.reason, "xadd");

	/* xadd [rsi], bh; lock xadd [rdx], r9w */
	assert_int_equal(decode_hex(CPU_MODE_64, "0f c0 3e", &o), 0);
	assert_int_equal(o.opsize, 1);
	assert_int_equal(o.reg, 3);
	assert_true(o.reg_hi8);
	assert_false(o.lock);
	assert_int_equal(decode_hex(CPU_MODE_64, "66 f0 44 0f c1 0a", &o), 0);
	assert_int_equal(o.opsize, 2);
	assert_int_equal(o.reg, 9);

	/* lock inc qword [rdi]; dec byte [rax]; inc word [bx] (16-bit) */
	assert_int_equal(decode_hex(CPU_MODE_64, "f0 48 ff 07", &o), 0);
	assert_int_equal(o.kind, X86_INC);
	assert_int_equal(o.opsize, 8);
	assert_int_equal(o.src, X86_SRC_NONE);
	assert_true(o.lock);
	assert_int_equal(decode_hex(CPU_MODE_64, "fe 08", &o), 0);
	assert_int_equal(o.kind, X86_DEC);
	assert_int_equal(o.opsize, 1);
	assert_int_equal(decode_hex(CPU_MODE_16, "ff 07", &o), 0);
	assert_int_equal(o.kind, X86_INC);
	assert_int_equal(o.opsize, 2);
	expect_mem(&o, 3, NONE, 1, 0);

	/* not dword [rdi + 4]; lock neg qword [rsi] */
	assert_int_equal(decode_hex(CPU_MODE_64, "f7 57 04", &o), 0);
	assert_int_equal(o.kind, X86_NOT);
	assert_int_equal(o.len, 3);
	assert_int_equal(decode_hex(CPU_MODE_64, "f0 48 f7 1e", &o), 0);
	assert_int_equal(o.kind, X86_NEG);
	assert_int_equal(o.opsize, 8);
	assert_true(o.lock);

	/* adc [rdi], eax; sbb byte [rdi], 1 (80 /3); lock adc qword [rdi],
	 * -1 (83 /2, sign-extended) */
	assert_int_equal(decode_hex(CPU_MODE_64, "11 07", &o), 0);
	assert_int_equal(o.kind, X86_ADC);
	assert_int_equal(o.src, X86_SRC_REG);
	assert_int_equal(decode_hex(CPU_MODE_64, "80 1f 01", &o), 0);
	assert_int_equal(o.kind, X86_SBB);
	assert_int_equal(o.imm, 1);
	assert_int_equal(decode_hex(CPU_MODE_64, "f0 48 83 17 ff", &o), 0);
	assert_int_equal(o.kind, X86_ADC);
	assert_int_equal(o.imm, ~0ull);
	assert_int_equal(decode_hex(CPU_MODE_32, "18 20", &o), 0);
	assert_int_equal(o.kind, X86_SBB);
	assert_int_equal(o.reg, 0);
	assert_true(o.reg_hi8);

	/* sete [rdi]; setg [rax] with reg field 5 (ignored), REX.R */
	assert_int_equal(decode_hex(CPU_MODE_64, "0f 94 07", &o), 0);
	assert_int_equal(o.kind, X86_SETCC);
	assert_true(x86_kind_is_store(o.kind));
	assert_int_equal(o.cc, 4);
	assert_int_equal(o.opsize, 1);
	assert_int_equal(o.src, X86_SRC_NONE);
	assert_string_equal(o.reason, "setcc");
	assert_int_equal(decode_hex(CPU_MODE_64, "44 0f 9f 28", &o), 0);
	assert_int_equal(o.cc, 15);
	assert_int_equal(o.reg, 0);
	expect_mem(&o, 0, NONE, 1, 0);
}

/* Loads: the memory operand is the source, reg the destination. */
static void test_known_loads(void **state)
{
	struct x86_insn o;

	(void)state;
	/* mov eax, [0xffffffffff5fd030]: Linux reading an xAPIC register
	 * through its fixmap (SIB without base or index: absolute) */
	assert_int_equal(decode_hex(CPU_MODE_64, "8b 04 25 30 d0 5f ff", &o),
			 0);
	assert_int_equal(o.kind, X86_MOV_LOAD);
	assert_true(x86_kind_is_load(o.kind));
	assert_false(x86_kind_is_store(o.kind));
	assert_int_equal(o.len, 7);
	assert_int_equal(o.opsize, 4);
	assert_int_equal(o.dst_size, 4);
	assert_int_equal(o.src, X86_SRC_MEM);
	assert_int_equal(o.reg, 0);
	assert_false(o.mem.rip_rel);
	expect_mem(&o, NONE, NONE, 1, (s64)0xffffffffff5fd030ull);
	assert_string_equal(o.reason, "mov");

	/* mov eax, [rdi + 0x300] */
	assert_int_equal(decode_hex(CPU_MODE_64, "8b 87 00 03 00 00", &o), 0);
	assert_int_equal(o.kind, X86_MOV_LOAD);
	expect_mem(&o, 7, NONE, 1, 0x300);
	assert_int_equal(o.reg, 0);

	/* the matching store: mov [0xffffffffff5fd0b0], edi */
	assert_int_equal(decode_hex(CPU_MODE_64, "89 3c 25 b0 d0 5f ff", &o),
			 0);
	assert_int_equal(o.kind, X86_MOV);
	assert_true(x86_kind_is_store(o.kind));
	assert_int_equal(o.dst_size, 0);
	assert_int_equal(o.reg, 7);

	/* mov r9, [rsi + 8]; mov ch, [rbx]; mov spl, [rbx] */
	assert_int_equal(decode_hex(CPU_MODE_64, "4c 8b 4e 08", &o), 0);
	assert_int_equal(o.opsize, 8);
	assert_int_equal(o.dst_size, 8);
	assert_int_equal(o.reg, 9);
	assert_int_equal(decode_hex(CPU_MODE_64, "8a 2b", &o), 0);
	assert_int_equal(o.opsize, 1);
	assert_int_equal(o.dst_size, 1);
	assert_int_equal(o.reg, 1);
	assert_true(o.reg_hi8);
	assert_int_equal(decode_hex(CPU_MODE_64, "40 8a 23", &o), 0);
	assert_int_equal(o.reg, 4);
	assert_false(o.reg_hi8);

	/* movabs eax, [0x8877665544332211]; 16-bit: mov al, [0x1234] */
	assert_int_equal(
		decode_hex(CPU_MODE_64, "a1 11 22 33 44 55 66 77 88", &o), 0);
	assert_int_equal(o.kind, X86_MOV_LOAD);
	assert_int_equal(o.len, 9);
	assert_int_equal((u64)o.mem.disp, 0x8877665544332211ull);
	assert_int_equal(o.opsize, 4);
	assert_int_equal(o.dst_size, 4);
	assert_int_equal(decode_hex(CPU_MODE_16, "a0 34 12", &o), 0);
	assert_int_equal(o.kind, X86_MOV_LOAD);
	assert_int_equal(o.opsize, 1);
	assert_int_equal(o.mem.disp, 0x1234);

	/* movzx ecx, byte [rax]: ECX is not CH (no hi8 rule) */
	assert_int_equal(decode_hex(CPU_MODE_64, "0f b6 28", &o), 0);
	assert_int_equal(o.kind, X86_MOVZX);
	assert_int_equal(o.opsize, 1);
	assert_int_equal(o.dst_size, 4);
	assert_int_equal(o.reg, 5);
	assert_false(o.reg_hi8);
	assert_string_equal(o.reason, "movzx");

	/* movzx ax, word [eax] (32-bit mode, 66) */
	assert_int_equal(decode_hex(CPU_MODE_32, "66 0f b7 00", &o), 0);
	assert_int_equal(o.opsize, 2);
	assert_int_equal(o.dst_size, 2);

	/* movsx r8, word [rdi]; movsxd rax, dword [rdi] */
	assert_int_equal(decode_hex(CPU_MODE_64, "4c 0f bf 07", &o), 0);
	assert_int_equal(o.kind, X86_MOVSX);
	assert_int_equal(o.opsize, 2);
	assert_int_equal(o.dst_size, 8);
	assert_int_equal(o.reg, 8);
	assert_int_equal(decode_hex(CPU_MODE_64, "48 63 07", &o), 0);
	assert_int_equal(o.kind, X86_MOVSX);
	assert_int_equal(o.opsize, 4);
	assert_int_equal(o.dst_size, 8);
	assert_string_equal(o.reason, "movsx");
}

/* Every kind is a load, a store, or (X86_INVALID) neither. */
static void test_kind_classes(void **state)
{
	(void)state;
	assert_false(x86_kind_is_store(X86_INVALID));
	assert_false(x86_kind_is_load(X86_INVALID));
	for (int k = X86_INVALID + 1; k < X86_NR_KINDS; k++) {
		bool load =
			k == X86_MOV_LOAD || k == X86_MOVZX || k == X86_MOVSX;
		bool sys = k >= X86_MOV_TO_CR; /* decode-only kinds */

		assert_int_equal(x86_kind_is_load((enum x86_kind)k), load);
		assert_int_equal(x86_kind_is_store((enum x86_kind)k),
				 !load && !sys);
	}
	assert_false(x86_kind_is_store(X86_NR_KINDS));
	assert_false(x86_kind_is_load(X86_NR_KINDS));
}

/* Encodings that must be refused, with the reason braid will print. */
static void test_rejects(void **state)
{
	static const struct {
		enum cpu_mode mode;
		const char *hex;
		int err;
		const char *reason;
	} cases[] = {
		{ CPU_MODE_64, "8b c0", -ENOTSUP,
		  "opcode 8b: register source, not a memory load" },
		{ CPU_MODE_64, "8a e0", -ENOTSUP,
		  "opcode 8a: register source, not a memory load" },
		{ CPU_MODE_64, "0f b6 c0", -ENOTSUP,
		  "opcode 0f b6: register source, not a memory load" },
		{ CPU_MODE_64, "48 0f bf c0", -ENOTSUP,
		  "opcode 0f bf: register source, not a memory load" },
		{ CPU_MODE_64, "48 63 c0", -ENOTSUP,
		  "opcode 63: register source, not a memory load" },
		{ CPU_MODE_64, "f0 8b 00", -ENOTSUP,
		  "opcode 8b: lock prefix is invalid here (#UD)" },
		{ CPU_MODE_64, "f0 a1 00 00 00 00 00 00 00 00", -ENOTSUP,
		  "opcode a1: lock prefix is invalid here (#UD)" },
		{ CPU_MODE_64, "f3 0f b7 00", -ENOTSUP,
		  "opcode 0f b7: f2/f3 prefix not supported with this opcode" },
		{ CPU_MODE_64, "63 00", -ENOTSUP,
		  "opcode 63: movsxd without rex.w not supported" },
		{ CPU_MODE_64, "48 66 63 00", -ENOTSUP,
		  "opcode 63: movsxd without rex.w not supported" },
		{ CPU_MODE_32, "63 00", -ENOTSUP,
		  "opcode 63: arpl not supported" },
		{ CPU_MODE_64, "8c 00", -ENOTSUP, "opcode 8c: not supported" },
		{ CPU_MODE_64, "8e 00", -ENOTSUP, "opcode 8e: not supported" },
		{ CPU_MODE_64, "0f b8 00", -ENOTSUP,
		  "opcode 0f b8: not supported" },
		{ CPU_MODE_64, "89 c0", -ENOTSUP,
		  "opcode 89: register destination, not a memory store" },
		{ CPU_MODE_64, "f0 89 00", -ENOTSUP,
		  "opcode 89: lock prefix is invalid here (#UD)" },
		{ CPU_MODE_64, "80 38 01", -ENOTSUP,
		  "opcode 80 /7: cmp does not store" },
		{ CPU_MODE_64, "0f c1 c0", -ENOTSUP,
		  "opcode 0f c1: register destination, not a memory store" },
		{ CPU_MODE_64, "f2 0f c1 00", -ENOTSUP,
		  "opcode 0f c1: f2/f3 prefix not supported with this opcode" },
		{ CPU_MODE_64, "fe c0", -ENOTSUP,
		  "opcode fe /0: register destination, not a memory store" },
		{ CPU_MODE_64, "fe 10", -ENOTSUP,
		  "opcode fe /2: invalid opcode (#UD)" },
		{ CPU_MODE_64, "ff 10", -ENOTSUP,
		  "opcode ff /2: call not supported" },
		{ CPU_MODE_64, "ff 2f", -ENOTSUP,
		  "opcode ff /5: far jmp not supported" },
		{ CPU_MODE_64, "ff 30", -ENOTSUP,
		  "opcode ff /6: push not supported" },
		{ CPU_MODE_64, "ff 38", -ENOTSUP,
		  "opcode ff /7: invalid opcode (#UD)" },
		{ CPU_MODE_64, "f6 00 01", -ENOTSUP,
		  "opcode f6 /0: test does not store" },
		{ CPU_MODE_64, "f7 20", -ENOTSUP,
		  "opcode f7 /4: mul does not store" },
		{ CPU_MODE_64, "f7 38", -ENOTSUP,
		  "opcode f7 /7: idiv does not store" },
		{ CPU_MODE_64, "f7 d8", -ENOTSUP,
		  "opcode f7 /3: register destination, not a memory store" },
		{ CPU_MODE_64, "13 00", -ENOTSUP, "opcode 13: not supported" },
		{ CPU_MODE_64, "0f 94 c0", -ENOTSUP,
		  "opcode 0f 94: register destination, not a memory store" },
		{ CPU_MODE_64, "f0 0f 94 00", -ENOTSUP,
		  "opcode 0f 94: lock prefix is invalid here (#UD)" },
		{ CPU_MODE_64, "f3 0f 9f 00", -ENOTSUP,
		  "opcode 0f 9f: f2/f3 prefix not supported with this opcode" },
		{ CPU_MODE_32, "40", -ENOTSUP, "opcode 40: not supported" },
		{ CPU_MODE_64, "0f ba 20 01", -ENOTSUP,
		  "opcode 0f ba /4: bt does not store" },
		{ CPU_MODE_64, "0f c7 1e", -ENOTSUP,
		  "opcode 0f c7 /3: not supported (only cmpxchg8b/16b m)" },
		{ CPU_MODE_64, "0f c7 c9", -ENOTSUP,
		  "opcode 0f c7 /1: not supported (only cmpxchg8b/16b m)" },
		{ CPU_MODE_64, "82 00 01", -ENOTSUP,
		  "opcode 82: invalid in 64-bit mode (#UD)" },
		{ CPU_MODE_64, "f3 0f b1 00", -ENOTSUP,
		  "opcode 0f b1: f2/f3 prefix not supported with this opcode" },
		{ CPU_MODE_64, "66 0f c3 00", -ENOTSUP,
		  "opcode 0f c3: 66 prefix not supported with this opcode" },
		{ CPU_MODE_64, "f2 ab", -ENOTSUP,
		  "opcode ab: repne prefix on stos/movs not supported" },
		{ CPU_MODE_64, "c6 f8 01", -ENOTSUP,
		  "opcode c6 /7: xabort/xbegin not supported" },
		{ CPU_MODE_64, "0f 11 00", -ENOTSUP,
		  "opcode 0f 11: not supported" },
		{ CPU_MODE_16, "0f c3 00", -ENOTSUP,
		  "opcode 0f c3: movnti in 16-bit mode not supported" },
		{ CPU_MODE_64, "89 84 24 00 00", -EINVAL,
		  "truncated instruction: more than 5 bytes needed" },
		{ CPU_MODE_64, "66", -EINVAL,
		  "truncated instruction: more than 1 bytes needed" },
		{ CPU_MODE_64, "", -EINVAL,
		  "truncated instruction: more than 0 bytes needed" },
		{ CPU_MODE_64,
		  "66 66 66 66 66 66 66 66 66 66 66 66 66 66 89 00", -EINVAL,
		  "instruction longer than 15 bytes" },
	};
	struct x86_insn o;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = decode_hex(cases[i].mode, cases[i].hex, &o);

		if (r != cases[i].err || strcmp(o.reason, cases[i].reason)) {
			print_error("%s: got %d \"%s\", want %d \"%s\"\n",
				    cases[i].hex, r, o.reason, cases[i].err,
				    cases[i].reason);
			fail();
		}
	}
	/* 14 prefixes and a 1-byte opcode fit in 15 bytes... */
	assert_int_equal(decode_hex(CPU_MODE_64,
				    "66 66 66 66 66 66 66 66 66 66 66 66 66 aa",
				    &o),
			 0);
	assert_int_equal(o.len, 14);
}

/* --- Against Capstone -------------------------------------------------- */

static unsigned long nr_compared, nr_loads_compared;

/*
 * Decode one generated encoding, check the result against what the
 * generator meant and against Capstone. Returns false (after printing)
 * on any difference.
 */
static bool check_gen(const struct gen *g)
{
	const struct form *f = g->f;
	u8 b[32];
	size_t n = gen_encode(g, b, NULL, NULL);
	struct x86_insn o;
	int want = 0, r;
	const cs_insn *ci;
	const char *e;

	if (f->digit != -2 && g->mod == 3)
		want = -ENOTSUP;
	if ((f->not64 && g->mode == CPU_MODE_64) ||
	    (f->only64 && g->mode != CPU_MODE_64) ||
	    (f->not16 && g->mode == CPU_MODE_16))
		want = -ENOTSUP;
	if (n > 15 && !want)
		want = -EINVAL;
	r = x86_decode(b, n, g->mode, &o);
	if (r != want) {
		print_error("[%s] %s (%s): decode returned %d (%s), want %d\n",
			    mode_name(g->mode), hexbytes(b, n), f->name, r,
			    o.reason, want);
		return false;
	}
	if (r)
		return true;
	if (o.kind == X86_SETCC && o.cc != (f->op[1] & 15)) {
		print_error("[%s] %s (%s): condition %u\n", mode_name(g->mode),
			    hexbytes(b, n), f->name, o.cc);
		return false;
	}
	if (o.len != n ||
	    o.kind != (f->kind == X86_CMPXCHG8B && gen_opsize(g) == 16
			       ? X86_CMPXCHG16B
			       : f->kind) ||
	    o.opsize != gen_opsize(g) || o.dst_size != gen_dst_size(g) ||
	    o.addrsize != gen_addrsize(g)) {
		print_error("[%s] %s (%s): len %u kind %s opsize %u dst_size "
			    "%u addrsize %u; generated len %zu opsize %u "
			    "dst_size %u addrsize %u\n",
			    mode_name(g->mode), hexbytes(b, n), f->name, o.len,
			    x86_kind_name(o.kind), o.opsize, o.dst_size,
			    o.addrsize, n, gen_opsize(g), gen_dst_size(g),
			    gen_addrsize(g));
		return false;
	}
	ci = cs_one(g->mode, b, n);
	if (!ci) {
		print_error("[%s] %s (%s): capstone finds no instruction\n",
			    mode_name(g->mode), hexbytes(b, n), f->name);
		return false;
	}
	e = cs_compare(ci, &o);
	if (e) {
		print_error("[%s] %s: %s %s: %s\n", mode_name(g->mode),
			    hexbytes(b, n), ci->mnemonic, ci->op_str, e);
		return false;
	}
	nr_compared++;
	nr_loads_compared += x86_kind_is_load(o.kind);
	return true;
}

static const enum cpu_mode all_modes[] = { CPU_MODE_16, CPU_MODE_32,
					   CPU_MODE_64 };

/*
 * Every form, in every mode, with every ModRM byte (SIB bytes sampled),
 * each with random prefixes, REX, displacement and immediate.
 */
static void test_capstone_all_modrm(void **state)
{
	unsigned bad = 0;

	(void)state;
	nr_compared = nr_loads_compared = 0;
	for (unsigned mi = 0; mi < 3; mi++) {
		for (unsigned fi = 0; fi < nr_forms; fi++) {
			const struct form *f = &forms[fi];
			unsigned nm = f->digit == -2 ? 1 : 256;

			for (unsigned m = 0; m < nm; m++) {
				unsigned reps = f->digit == -2 ? 2000
						: (m & 7) == 4 ? 24
							       : 8;

				for (unsigned k = 0; k < reps && bad < 20;
				     k++) {
					struct gen g;

					gen_random(&g, all_modes[mi], f, true);
					g.mod = (u8)(m >> 6);
					g.rm = m & 7;
					if (f->digit < 0)
						g.reg = (m >> 3) & 7;
					else if ((int)((m >> 3) & 7) !=
						 f->digit)
						continue;
					bad += !check_gen(&g);
				}
			}
		}
	}
	print_message("  %lu encodings agreed with capstone (%lu loads)\n",
		      nr_compared, nr_loads_compared);
	assert_true(nr_loads_compared > 0);
	assert_int_equal(bad, 0);
}

static const struct form *find_form(const char *name)
{
	for (unsigned i = 0; i < nr_forms; i++)
		if (!strcmp(forms[i].name, name))
			return &forms[i];
	fail_msg("no form %s", name);
	return NULL;
}

/* Every SIB byte with every mod, for one form, with and without REX.X/B. */
static unsigned sib_sweep(const struct form *f)
{
	unsigned bad = 0;

	for (unsigned mi = 1; mi < 3; mi++) {
		for (unsigned sib = 0; sib < 256; sib++) {
			for (unsigned mod = 0; mod < 3; mod++) {
				for (unsigned rex = 0; rex < 4; rex++) {
					struct gen g;

					gen_random(&g, all_modes[mi], f, false);
					g.npfx = 0; /* opcode /r, plain */
					g.rex = all_modes[mi] == CPU_MODE_64
							? (u8)(0x40 | rex)
							: 0;
					g.mod = (u8)mod;
					g.rm = 4;
					g.sib = (u8)sib;
					bad += !check_gen(&g);
				}
			}
		}
	}
	return bad;
}

/* The SIB sweep for a store (89 /r) and a load (8B /r). */
static void test_capstone_all_sib(void **state)
{
	unsigned bad;

	(void)state;
	nr_compared = nr_loads_compared = 0;
	bad = sib_sweep(find_form("mov r/m,r"));
	bad += sib_sweep(find_form("mov r,r/m"));
	print_message("  %lu encodings agreed with capstone (%lu loads)\n",
		      nr_compared, nr_loads_compared);
	assert_true(nr_loads_compared > 0);
	assert_int_equal(bad, 0);
}

/* Cutting a valid encoding short gives -EINVAL, never a result. */
static void test_truncated(void **state)
{
	unsigned bad = 0, n_ok = 0;

	(void)state;
	for (unsigned i = 0; i < 20000 && bad < 20; i++) {
		const struct form *f = &forms[rng_below(nr_forms)];
		enum cpu_mode mode = all_modes[rng_below(3)];
		struct gen g;
		struct x86_insn o;
		u8 b[32];
		size_t n;

		gen_random(&g, mode, f, false);
		n = gen_encode(&g, b, NULL, NULL);
		if (n > 15 || x86_decode(b, n, mode, &o))
			continue;
		n_ok++;
		for (size_t k = 0; k < n; k++) {
			int r = x86_decode(b, k, mode, &o);

			if (r != -EINVAL) {
				print_error("%s cut to %zu bytes: %d (%s)\n",
					    hexbytes(b, n), k, r, o.reason);
				bad++;
			}
		}
		/* trailing bytes are not part of the instruction */
		memset(b + n, 0x89, sizeof(b) - n);
		if (x86_decode(b, sizeof(b), mode, &o) || o.len != n) {
			print_error("%s + trailing bytes: len %u\n",
				    hexbytes(b, n), o.len);
			bad++;
		}
	}
	assert_true(n_ok > 10000);
	assert_int_equal(bad, 0);
}

/* --- Random bytes -------------------------------------------------------- */

static const u8 prefix_pool[] = { 0x66, 0x67, 0xf0, 0xf2, 0xf3, 0x26,
				  0x2e, 0x36, 0x3e, 0x64, 0x65, 0x40,
				  0x41, 0x44, 0x48, 0x4c, 0x4f, 0x42 };
static const u8 opcode_pool[] = { 0x00, 0x01, 0x08, 0x09, 0x20, 0x21, 0x28,
				  0x29, 0x30, 0x31, 0x80, 0x81, 0x82, 0x83,
				  0x86, 0x87, 0x88, 0x89, 0xc6, 0xc7, 0xa2,
				  0xa3, 0xa4, 0xa5, 0xaa, 0xab, 0x0f, 0x8b,
				  0xa0, 0xa1, 0x8c, 0x10, 0x38, 0xfe, 0xff,
				  0x8a, 0x63, 0x8e, 0x3a, 0x3b, 0x84, 0x85,
				  0x11, 0x18, 0x19, 0xf6, 0xf7, 0x12, 0x1a };
static const u8 opcode0f_pool[] = { 0xb0, 0xb1, 0xab, 0xb3, 0xbb, 0xba,
				    0xc7, 0xc3, 0xa3, 0xc1, 0xc0, 0xb8,
				    0x11, 0x29, 0xb6, 0xb7, 0xbe, 0xbf,
				    0xbc, 0xbd, 0x10, 0x6f, 0xaf, 0x90,
				    0x94, 0x95, 0x9a, 0x9f, 0x40, 0x80 };

static size_t fuzz_bytes(u8 *b, size_t max)
{
	size_t n = 0, np = rng_chance(70) ? rng_below(4) : rng_below(16);

	for (size_t i = 0; i < np && n < max; i++)
		b[n++] = prefix_pool[rng_below(sizeof(prefix_pool))];
	if (n < max)
		b[n++] = rng_chance(70)
				 ? opcode_pool[rng_below(sizeof(opcode_pool))]
				 : (u8)rng_next();
	if (n < max && b[n - 1] == 0x0f)
		b[n++] = rng_chance(70) ? opcode0f_pool[rng_below(
						  sizeof(opcode0f_pool))]
					: (u8)rng_next();
	while (n < max)
		b[n++] = (u8)rng_next();
	return rng_chance(80) ? max : rng_below(max + 1);
}

/* Is p among the prefixes (legacy or REX) before the opcode of b? */
static bool has_prefix(const u8 *b, size_t n, enum cpu_mode mode, u8 p)
{
	for (size_t i = 0; i < n; i++) {
		bool rex = mode == CPU_MODE_64 && (b[i] & 0xf0) == 0x40;

		if (b[i] == p)
			return true;
		if (!rex &&
		    !memchr("\x66\x67\xf0\xf2\xf3\x26\x2e\x36\x3e\x64\x65",
			    b[i], 11))
			return false;
	}
	return false;
}

/*
 * Capstone decodes a form the decoder knows but refuses on purpose: not a
 * memory access (register forms), a segment register operand, or prefixes
 * that make it another, an undefined or an unusual instruction. Judged
 * from Capstone's details and the raw prefix bytes, not from the decoder's
 * reason.
 */
static bool deliberate_reject(const cs_insn *ci, const u8 *b, size_t n,
			      enum cpu_mode mode)
{
	const cs_x86 *x = &ci->detail->x86;
	enum x86_kind k = cs_kind(ci);
	bool string = k == X86_STOS || k == X86_MOVS;
	bool load = x86_kind_is_load(k);
	u8 num;
	bool hi8;
	unsigned size;

	if (load) {
		if (x->op_count != 2 || x->operands[1].type != X86_OP_MEM)
			return true; /* register source */
		if (!cs_gpr(x->operands[0].reg, &num, &hi8, &size))
			return true; /* mov sreg, [mem] */
		/* Capstone 4 calls 63 without REX.W "movsxd r64" too; it
		 * is a 32-bit move (SDM: MOVSX/MOVSXD), not supported. */
		if (ci->id == X86_INS_MOVSXD && !(x->rex & 8))
			return true;
	} else if (x->op_count == 0 || x->operands[0].type != X86_OP_MEM) {
		return true; /* register destination */
	}
	if (k == X86_MOV && x->op_count == 2 &&
	    x->operands[1].type == X86_OP_REG &&
	    !cs_gpr(x->operands[1].reg, &num, &hi8, &size))
		return true; /* mov [mem], sreg */
	/* The SSE2 movsd shares Capstone's id with the string movsd. */
	if (k == X86_MOVS && x->opcode[0] == 0x0f)
		return true;
	/* Only REP (F3) STOS/MOVS are accepted. */
	if (has_prefix(b, n, mode, 0xf2) ||
	    (has_prefix(b, n, mode, 0xf3) && !string))
		return true;
	/* LOCK is #UD on these; Capstone sometimes accepts it. */
	if (has_prefix(b, n, mode, 0xf0) && (k == X86_MOV || k == X86_MOVNTI ||
					     k == X86_SETCC || string || load))
		return true;
	if (x->opcode[0] == 0x0f &&
	    (x->opcode[1] == 0xc3 || x->opcode[1] == 0xc7) &&
	    has_prefix(b, n, mode, 0x66))
		return true;
	if (k == X86_MOVNTI && mode == CPU_MODE_16)
		return true;
	return false;
}

static unsigned long fuzz_stats[4];

static bool check_random(const u8 *b, size_t n, enum cpu_mode mode)
{
	struct x86_insn o;
	int r = x86_decode(b, n, mode, &o);
	const cs_insn *ci = cs_one(mode, b, n);
	const char *e;

	if (r == 0) {
		fuzz_stats[0]++;
		if (!ci) {
			print_error(
				"[%s] %s: decoded as %s, capstone: invalid\n",
				mode_name(mode), hexbytes(b, n),
				x86_kind_name(o.kind));
			return false;
		}
		e = cs_compare(ci, &o);
		if (e) {
			print_error("[%s] %s: %s %s: %s\n", mode_name(mode),
				    hexbytes(b, n), ci->mnemonic, ci->op_str,
				    e);
			return false;
		}
		return true;
	}
	if (!ci) {
		fuzz_stats[1]++;
		return true; /* both refuse */
	}
	if (cs_kind(ci) == X86_INVALID ||
	    (cs_kind(ci) == X86_MOVS && ci->detail->x86.opcode[0] == 0x0f)) {
		fuzz_stats[2]++;
		if (r != -ENOTSUP) {
			print_error(
				"[%s] %s: capstone %s %s, decoder %d (%s)\n",
				mode_name(mode), hexbytes(b, n), ci->mnemonic,
				ci->op_str, r, o.reason);
			return false;
		}
		return true;
	}
	fuzz_stats[3]++;
	if (r != -ENOTSUP || !deliberate_reject(ci, b, n, mode)) {
		print_error("[%s] %s: capstone %s %s, decoder %d (%s)\n",
			    mode_name(mode), hexbytes(b, n), ci->mnemonic,
			    ci->op_str, r, o.reason);
		return false;
	}
	return true;
}

static void test_random_bytes(void **state)
{
	unsigned bad = 0;

	(void)state;
	memset(fuzz_stats, 0, sizeof(fuzz_stats));
	for (unsigned i = 0; i < 600000 && bad < 20; i++) {
		u8 buf[20];
		size_t n = fuzz_bytes(buf, sizeof(buf));

		bad += !check_random(buf, n, all_modes[i % 3]);
	}
	print_message("  decoded and agreed %lu, both invalid %lu, unsupported "
		      "%lu, deliberately refused %lu\n",
		      fuzz_stats[0], fuzz_stats[1], fuzz_stats[2],
		      fuzz_stats[3]);
	assert_int_equal(bad, 0);
	assert_true(fuzz_stats[0] > 10000);
}

/* Purely random bytes, not biased: only must not crash or misdecode. */
static void test_uniform_random_bytes(void **state)
{
	unsigned bad = 0;

	(void)state;
	for (unsigned i = 0; i < 300000 && bad < 20; i++) {
		u8 buf[16];

		for (size_t k = 0; k < sizeof(buf); k++)
			buf[k] = (u8)rng_next();
		bad += !check_random(buf, sizeof(buf), all_modes[i % 3]);
	}
	assert_int_equal(bad, 0);
}

/* --- System instructions (x86_decode_sys) ---------------------------- */

static int decode_sys_hex(enum cpu_mode mode, const char *hex,
			  struct x86_insn *o)
{
	u8 b[32];
	size_t n = parse_hex(hex, b);

	return x86_decode_sys(b, n, mode, o);
}

static void test_sys_known(void **state)
{
	static const struct {
		enum cpu_mode mode;
		const char *hex;
		enum x86_kind kind;
		u8 len, reg, rm_reg;
	} cases[] = {
		{ CPU_MODE_64, "0f 22 d8", X86_MOV_TO_CR, 3, 3,
		  0 }, /* cr3, rax */
		{ CPU_MODE_64, "0f 20 e1", X86_MOV_FROM_CR, 3, 4,
		  1 }, /* rcx, cr4 */
		{ CPU_MODE_64, "44 0f 22 c7", X86_MOV_TO_CR, 4, 8,
		  7 }, /* cr8, rdi */
		{ CPU_MODE_64, "41 0f 20 c4", X86_MOV_FROM_CR, 4, 0, 12 },
		{ CPU_MODE_64, "0f 22 18", X86_MOV_TO_CR, 3, 3,
		  0 }, /* mod ignored */
		{ CPU_MODE_32, "0f 22 c3", X86_MOV_TO_CR, 3, 0, 3 },
		{ CPU_MODE_64, "0f 06", X86_CLTS, 2, 0, 0 },
		{ CPU_MODE_64, "0f 01 f0", X86_LMSW, 3, 0, 0 },
		{ CPU_MODE_64, "41 0f 01 e5", X86_SMSW, 4, 0, 13 },
		{ CPU_MODE_64, "0f 01 38", X86_INVLPG, 3, 0, 0 },
		{ CPU_MODE_64, "0f 01 7c 24 08", X86_INVLPG, 5, 0, 4 },
		{ CPU_MODE_64, "0f 01 bc 24 00 01 00 00", X86_INVLPG, 8, 0, 4 },
		{ CPU_MODE_64, "0f 01 3d 00 10 00 00", X86_INVLPG, 7, 0, 5 },
		{ CPU_MODE_32, "67 0f 01 3f", X86_INVLPG, 4, 0, 7 }, /* [bx] */
		{ CPU_MODE_16, "0f 01 7e 02", X86_INVLPG, 4, 0, 6 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct x86_insn o;

		if (decode_sys_hex(cases[i].mode, cases[i].hex, &o) != 0)
			fail_msg("%s: %s", cases[i].hex, o.reason);
		assert_int_equal(o.kind, cases[i].kind);
		assert_int_equal(o.len, cases[i].len);
		if (cases[i].kind == X86_MOV_TO_CR ||
		    cases[i].kind == X86_MOV_FROM_CR)
			assert_int_equal(o.reg, cases[i].reg);
		if (cases[i].kind != X86_INVLPG && cases[i].kind != X86_CLTS)
			assert_int_equal(o.rm_reg, cases[i].rm_reg);
	}
}

static void test_sys_rejects(void **state)
{
	static const char *const cases[] = {
		"89 00",       /* a store: x86_decode's business */
		"0f 01 f8",    /* swapgs: /7 with a register operand */
		"0f 01 30",    /* lmsw m16: memory forms are not decoded */
		"0f 01 20",    /* smsw m16 */
		"0f 01 10",    /* lgdt */
		"f0 0f 22 d8", /* lock mov cr: #UD (AMD's cr8 alias) */
		"f3 0f 01 38", "0f 23 c0", /* mov to dr */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct x86_insn o;

		assert_int_equal(decode_sys_hex(CPU_MODE_64, cases[i], &o),
				 -ENOTSUP);
	}
	{
		struct x86_insn o;

		assert_int_equal(decode_sys_hex(CPU_MODE_64, "0f 01", &o),
				 -EINVAL);
	}
}

/* MOV CR: the same control register and GPR as Capstone's operands. */
static bool cs_mov_cr_agrees(const cs_insn *ci, const struct x86_insn *o)
{
	const cs_x86 *x = &ci->detail->x86;
	bool to = o->kind == X86_MOV_TO_CR;
	x86_reg cr, gpr;
	u8 num;
	bool hi8;
	unsigned size;

	if (ci->id != X86_INS_MOV || x->op_count != 2)
		return false;
	cr = x->operands[to ? 0 : 1].reg;
	gpr = x->operands[to ? 1 : 0].reg;
	return cr >= X86_REG_CR0 && cr <= X86_REG_CR15 &&
	       (unsigned)(cr - X86_REG_CR0) == o->reg &&
	       cs_gpr(gpr, &num, &hi8, &size) && num == o->rm_reg;
}

/* Capstone's id for each decode-only kind, and MOV CR's operands. */
static bool cs_sys_agrees(const cs_insn *ci, const struct x86_insn *o)
{
	switch (o->kind) {
	case X86_MOV_TO_CR:
	case X86_MOV_FROM_CR: return cs_mov_cr_agrees(ci, o);
	case X86_CLTS: return ci->id == X86_INS_CLTS;
	case X86_LMSW: return ci->id == X86_INS_LMSW;
	case X86_SMSW: return ci->id == X86_INS_SMSW;
	case X86_INVLPG: return ci->id == X86_INS_INVLPG;
	default: return false;
	}
}

/* Every ModRM byte of 0F 01 / 0F 20 / 0F 22 with prefixes, and bytes that
 * follow: what x86_decode_sys() accepts, Capstone must decode as the same
 * instruction of the same length. */
static void test_sys_capstone(void **state)
{
	static const char *const prefixes[] = { "",   "41", "44", "4c",
						"66", "67", "2e", "48" };
	static const u8 ops[] = { 0x01, 0x20, 0x22, 0x06 };
	static const enum cpu_mode modes[] = { CPU_MODE_16, CPU_MODE_32,
					       CPU_MODE_64 };
	unsigned checked = 0, bad = 0;

	(void)state;
	for (size_t mi = 0; mi < 3; mi++)
		for (size_t pi = 0; pi < 8; pi++)
			for (size_t oi = 0; oi < 4; oi++)
				for (unsigned m = 0; m < 256; m++) {
					u8 b[16] = { 0 };
					size_t n = parse_hex(prefixes[pi], b);
					struct x86_insn o;
					const cs_insn *ci;

					if (modes[mi] != CPU_MODE_64 &&
					    b[0] >= 0x40 && b[0] <= 0x4f)
						continue; /* INC/DEC there */
					b[n++] = 0x0f;
					b[n++] = ops[oi];
					b[n++] = (u8)m;
					for (size_t k = n; k < 16; k++)
						b[k] = (u8)(0x11 * k + m);
					if (x86_decode_sys(b, 15, modes[mi],
							   &o))
						continue;
					checked++;
					ci = cs_one(modes[mi], b, 15);
					if (!ci || ci->size != o.len ||
					    !cs_sys_agrees(ci, &o)) {
						print_error(
							"[%s] %s: decoder %s/%u, capstone %s/%u\n",
							mode_name(modes[mi]),
							hexbytes(b, o.len),
							x86_kind_name(o.kind),
							o.len,
							ci ? ci->mnemonic
							   : "invalid",
							ci ? ci->size : 0);
						bad++;
					}
				}
	print_message("%u system encodings agreed with capstone\n",
		      checked - bad);
	assert_true(checked > 1000);
	assert_int_equal(bad, 0);
}

static int setup(void **state)
{
	(void)state;
	cs_setup();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cs_teardown();
	return 0;
}

/* x86_prefix_len(): legacy prefixes in any mode, REX only in 64-bit mode
 * and only right before the opcode (SVM without NRIP save adds these to
 * the opcode's length, hv/exit.c). */
static void test_prefix_len(void **state)
{
	static const u8 cpuid[] = { 0x0f, 0xa2 };
	static const u8 cs_o16_rexw_cpuid[] = { 0x2e, 0x66, 0x48, 0x0f, 0xa2 };
	static const u8 ds3_rdmsr[] = { 0x3e, 0x3e, 0x3e, 0x0f, 0x32 };
	static const u8 rex_then_legacy[] = { 0x48, 0x66, 0xf4 };
	u8 fifteen[15];

	(void)state;
	assert_int_equal(x86_prefix_len(cpuid, 2, CPU_MODE_64), 0);
	assert_int_equal(x86_prefix_len(cs_o16_rexw_cpuid, 5, CPU_MODE_64), 3);
	assert_int_equal(x86_prefix_len(ds3_rdmsr, 5, CPU_MODE_64), 3);
	/* A REX before a legacy prefix is ignored, but still a byte. */
	assert_int_equal(x86_prefix_len(rex_then_legacy, 3, CPU_MODE_64), 2);
	/* Outside 64-bit mode 0x48 is DEC EAX, the instruction itself. */
	assert_int_equal(x86_prefix_len(cs_o16_rexw_cpuid, 5, CPU_MODE_32), 2);
	/* Nothing but prefixes: no instruction to measure. */
	memset(fifteen, 0x66, sizeof(fifteen));
	assert_int_equal(x86_prefix_len(fifteen, 15, CPU_MODE_64), 0);
}

/* x86_decode_prefixes(): REP, the address size by mode and 67, the last
 * segment override (hv/io_string.c, for INS/OUTS). */
static void test_decode_prefixes(void **state)
{
	static const u8 rep_outsb[] = { 0xf3, 0x6e };
	static const u8 fs_a32_rep_outsw[] = { 0x64, 0x67, 0xf3, 0x66, 0x6f };
	static const u8 insb[] = { 0x6c };
	struct x86_prefixes p;
	u8 fifteen[15];

	(void)state;
	assert_int_equal(x86_decode_prefixes(rep_outsb, 2, CPU_MODE_64, &p), 0);
	assert_true(p.rep);
	assert_int_equal(p.addrsize, 8);
	assert_int_equal(p.seg, -1);
	assert_int_equal(p.len, 1);
	assert_int_equal(
		x86_decode_prefixes(fs_a32_rep_outsw, 5, CPU_MODE_64, &p), 0);
	assert_true(p.rep);
	assert_int_equal(p.addrsize, 4);
	assert_int_equal(p.seg, X86_SEG_FS);
	assert_int_equal(p.len, 4);
	assert_int_equal(
		x86_decode_prefixes(fs_a32_rep_outsw, 5, CPU_MODE_32, &p), 0);
	assert_int_equal(p.addrsize, 2);
	assert_int_equal(x86_decode_prefixes(insb, 1, CPU_MODE_16, &p), 0);
	assert_false(p.rep);
	assert_int_equal(p.addrsize, 2);
	memset(fifteen, 0xf3, sizeof(fifteen));
	assert_int_not_equal(x86_decode_prefixes(fifteen, 15, CPU_MODE_64, &p),
			     0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_prefix_len),
		cmocka_unit_test(test_decode_prefixes),
		cmocka_unit_test(test_known_mov),
		cmocka_unit_test(test_known_32_16),
		cmocka_unit_test(test_known_rmw),
		cmocka_unit_test(test_known_rmw2),
		cmocka_unit_test(test_known_loads),
		cmocka_unit_test(test_kind_classes),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_capstone_all_modrm),
		cmocka_unit_test(test_capstone_all_sib),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_uniform_random_bytes),
		cmocka_unit_test(test_sys_known),
		cmocka_unit_test(test_sys_rejects),
		cmocka_unit_test(test_sys_capstone),
	};

	print_message("decoder seed %#llx (set DECODER_SEED to change)\n",
		      (unsigned long long)rng_seed_from_env());
	return cmocka_run_group_tests_name("decoder", tests, setup, teardown);
}
