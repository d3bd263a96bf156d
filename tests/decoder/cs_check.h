/* SPDX-License-Identifier: MIT */
/* Comparing insn/decode.c's output with the Capstone disassembler's. */
#ifndef TESTS_DECODER_CS_CHECK_H
#define TESTS_DECODER_CS_CHECK_H

/* Capstone's enum x86_insn (instruction ids) and braid's struct x86_insn
 * share a tag name: rename Capstone's. */
#define x86_insn cs_x86_insn_id
#include <capstone/capstone.h>
#undef x86_insn

#include "insn/decode.h"

void cs_setup(void);
void cs_teardown(void);

/*
 * Disassemble the first instruction of b[0..n) in mode. Returns a pointer
 * to a buffer owned by this module (valid until the next call), or NULL
 * if Capstone finds no valid instruction there.
 */
const cs_insn *cs_one(enum cpu_mode mode, const u8 *b, size_t n);

/*
 * The decoder's kind for a Capstone instruction, or X86_INVALID. Capstone
 * names MOV loads and stores alike: a MOV whose first operand is a
 * register and second one memory is X86_MOV_LOAD.
 */
enum x86_kind cs_kind(const cs_insn *ci);

/* The first memory operand of a Capstone instruction, or NULL. */
const cs_x86_op *cs_mem_op(const cs_insn *ci);

/* Capstone register -> GPR number (0..15), hi8 (AH..BH) and width. */
bool cs_gpr(x86_reg r, u8 *num, bool *hi8, unsigned *size);

/*
 * Compare a successful decode with Capstone's. Returns NULL if they agree,
 * or a message naming the first difference (static buffer).
 */
const char *cs_compare(const cs_insn *ci, const struct x86_insn *mine);

/* "89 04 24" for messages (static buffer). */
const char *hexbytes(const u8 *b, size_t n);

#endif
