// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the instruction decoder (insn/decode.c). The first input
 * byte picks the CPU mode, the rest are the guest's instruction bytes.
 * Every decode must end, and what it reports must hang together: a length
 * within 15 bytes and within the input, fields in range and consistent
 * with the kind, the same result from the memo and from longer input,
 * and -EINVAL (truncated) from one byte less.
 */
#include <string.h>

#include "insn/decode.h"
#include "tests/fuzz/fuzz.h"

static const enum cpu_mode modes[] = { CPU_MODE_16, CPU_MODE_32, CPU_MODE_64 };

static bool reg_ok(u8 r)
{
	return r < 16 || r == X86_REG_NONE;
}

/* A memory operand's fields, as decode.h describes them. */
static void check_mem(const struct x86_insn *i, const struct x86_mem *m)
{
	FUZZ_CHECK(reg_ok(m->base) && reg_ok(m->index));
	FUZZ_CHECK(m->index != 4); /* rSP cannot be an index (SIB) */
	FUZZ_CHECK(m->scale == 1 || m->scale == 2 || m->scale == 4 ||
		   m->scale == 8);
	FUZZ_CHECK(m->seg < X86_NR_SEGS);
	if (m->rip_rel)
		FUZZ_CHECK(i->mode == CPU_MODE_64 && m->base == X86_REG_NONE &&
			   m->index == X86_REG_NONE);
	if (i->addrsize == 2) /* 16-bit forms: BX, BP, SI, DI only */
		FUZZ_CHECK((m->base == X86_REG_NONE || m->base == 3 ||
			    m->base == 5 || m->base == 6 || m->base == 7) &&
			   (m->index == X86_REG_NONE || m->index == 6 ||
			    m->index == 7));
}

/* Fields every successful decode sets, whatever the kind. */
static void check_common(const struct x86_insn *i, enum cpu_mode mode, size_t n)
{
	FUZZ_CHECK(i->len >= 1 && i->len <= X86_MAX_LEN && i->len <= n);
	FUZZ_CHECK(i->mode == mode);
	FUZZ_CHECK(i->kind > X86_INVALID && i->kind < X86_NR_KINDS);
	FUZZ_CHECK(memchr(i->reason, 0, sizeof(i->reason)));
	FUZZ_CHECK(!strcmp(i->reason, x86_kind_name(i->kind)));
	FUZZ_CHECK(i->opcode_len >= 1 && i->opcode_len <= 3);
	FUZZ_CHECK(i->addrsize == 2 || i->addrsize == 4 || i->addrsize == 8);
	FUZZ_CHECK((i->addrsize == 8) == (mode == CPU_MODE_64) ||
		   (mode == CPU_MODE_64 && i->addrsize == 4));
	FUZZ_CHECK(mode == CPU_MODE_64 ? i->addrsize != 2 : i->addrsize != 8);
	FUZZ_CHECK(!i->rex || (mode == CPU_MODE_64 && (i->rex & 0xf0) == 0x40));
	FUZZ_CHECK(i->reg < 16 && i->rm_reg < 16);
	if (i->reg_hi8)
		FUZZ_CHECK(i->reg < 4 && !i->rex && i->opsize == 1);
	check_mem(i, &i->mem);
}

/* Loads and stores (x86_decode()). */
static void check_access(const struct x86_insn *i)
{
	bool st = x86_kind_is_store(i->kind), ld = x86_kind_is_load(i->kind);

	FUZZ_CHECK(st != ld);
	if (i->kind == X86_CMPXCHG16B)
		FUZZ_CHECK(i->opsize == 16);
	else if (i->kind == X86_CMPXCHG8B)
		FUZZ_CHECK(i->opsize == 8);
	else
		FUZZ_CHECK(i->opsize == 1 || i->opsize == 2 || i->opsize == 4 ||
			   i->opsize == 8);
	if (i->opsize == 8 && i->kind != X86_CMPXCHG8B)
		FUZZ_CHECK(i->mode == CPU_MODE_64);
	FUZZ_CHECK(!i->rep || i->kind == X86_STOS || i->kind == X86_MOVS);
	FUZZ_CHECK(i->src <= X86_SRC_MEM);
	if (ld) {
		FUZZ_CHECK(i->src == X86_SRC_MEM && !i->lock);
		FUZZ_CHECK(i->dst_size >= i->opsize && i->dst_size <= 8);
		FUZZ_CHECK(i->has_modrm || i->kind == X86_MOV_LOAD);
	} else {
		FUZZ_CHECK(i->dst_size == 0);
		FUZZ_CHECK(i->src != X86_SRC_MEM || i->kind == X86_MOVS);
	}
	if (i->lock)
		FUZZ_CHECK(i->kind != X86_MOV && i->kind != X86_MOVNTI &&
			   i->kind != X86_SETCC && i->kind != X86_STOS &&
			   i->kind != X86_MOVS);
	if (i->kind == X86_MOVS)
		check_mem(i, &i->src_mem);
	if (i->kind == X86_SETCC)
		FUZZ_CHECK(i->cc < 16 && i->opsize == 1);
}

static bool is_sys(enum x86_kind k)
{
	return k == X86_MOV_TO_CR || k == X86_MOV_FROM_CR || k == X86_CLTS ||
	       k == X86_LMSW || k == X86_SMSW || k == X86_INVLPG;
}

/* A failure: one of the two documented errors, and a reason. */
static void check_failure(const struct x86_insn *i, int r)
{
	FUZZ_CHECK(r == -EINVAL || r == -ENOTSUP);
	FUZZ_CHECK(i->kind == X86_INVALID);
	FUZZ_CHECK(memchr(i->reason, 0, sizeof(i->reason)) && i->reason[0]);
}

typedef int (*decode_fn)(const u8 *, size_t, enum cpu_mode, struct x86_insn *);

/*
 * Decoding depends on the instruction's own bytes only: the same bytes
 * with nothing after them decode the same; one byte fewer is truncated.
 */
static void check_length(decode_fn dec, const u8 *b, enum cpu_mode mode,
			 const struct x86_insn *i)
{
	struct x86_insn again;

	FUZZ_CHECK(dec(b, i->len, mode, &again) == 0);
	FUZZ_CHECK(!memcmp(&again, i, sizeof(again)));
	FUZZ_CHECK(dec(b, i->len - 1, mode, &again) == -EINVAL);
}

/* The memo must answer as x86_decode() does, hit or miss. */
static void check_memo(const u8 *b, size_t n, enum cpu_mode mode, int r,
		       const struct x86_insn *i)
{
	static struct x86_memo memo;
	const struct x86_insn *m;

	for (int pass = 0; pass < 2; pass++) {
		FUZZ_CHECK(x86_decode_memo(&memo, b, n, mode, &m) == r);
		if (!r)
			FUZZ_CHECK(!memcmp(m, i, sizeof(*m)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct x86_insn i;
	enum cpu_mode mode;
	int r;

	if (size < 1)
		return 0;
	mode = modes[data[0] % 3];
	data++, size--;

	r = x86_decode(data, size, mode, &i);
	if (r) {
		check_failure(&i, r);
	} else {
		check_common(&i, mode, size);
		check_access(&i);
		check_length(x86_decode, data, mode, &i);
	}
	check_memo(data, size, mode, r, &i);

	r = x86_decode_sys(data, size, mode, &i);
	if (r) {
		check_failure(&i, r);
	} else {
		check_common(&i, mode, size);
		FUZZ_CHECK(is_sys(i.kind));
		check_length(x86_decode_sys, data, mode, &i);
	}
	return 0;
}
