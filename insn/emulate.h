/* SPDX-License-Identifier: MIT */
/*
 * Emulation of a decoded guest load or store (see decode.h).
 *
 * braid fills a struct emu_ctx with the guest's registers and callbacks
 * that reach guest memory by guest-virtual (linear) address, decodes the
 * instruction at RIP, and calls x86_emulate(). On success the context
 * holds the guest's new registers, RFLAGS and RIP, to be written back, and
 * wr_gva/wr_len say which bytes were written, so that the caller can check
 * them against the trapped address and update its shadow tables.
 *
 * Each memory operand is read and written with one callback call of the
 * operand's width (1, 2, 4, 8 or, for CMPXCHG16B, 16 bytes), so that the
 * callbacks can stand for device registers (MMIO). A load (MOV r, m;
 * MOVZX; MOVSX; see x86_kind_is_load()) makes exactly one read() call and
 * never calls write(): wr_len stays 0. A plain MOV store and SETcc make
 * exactly one write() call and no read() call. Read-modify-writes (ALU
 * ops, XADD, INC/DEC/NOT/NEG, BTx, XCHG, CMPXCHG) make one read() call
 * and then at most one write() call, or, when locked, cmpxchg() calls
 * (see below).
 *
 * Assumptions: in 64-bit mode the ES, CS, SS and DS bases are 0 (as the
 * CPU treats them) and FS/GS bases come from seg_base[]; in 16/32-bit
 * modes every segment's base is taken from seg_base[] (all 0 for flat
 * segments), and segment limits and access rights are not checked.
 * Alignment checking (#AC) and single-stepping (TF) are the caller's
 * business: x86_emulate() only clears RF, as the CPU does when an
 * instruction completes.
 */
#ifndef INSN_EMULATE_H
#define INSN_EMULATE_H

#include "insn/decode.h"

/* GPR numbers, in x86 encoding order. */
enum x86_gpr {
	X86_RAX,
	X86_RCX,
	X86_RDX,
	X86_RBX,
	X86_RSP,
	X86_RBP,
	X86_RSI,
	X86_RDI,
	X86_R8,
	X86_R15 = 15,
};

struct emu_ctx {
	/* Guest state: read, and updated on success. */
	u64 gpr[16]; /* RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8..R15 */
	u64 rip;
	u64 rflags;
	u64 seg_base[X86_NR_SEGS]; /* by enum x86_seg; see above */
	enum cpu_mode mode;	   /* must match the decoded insn's */

	/*
	 * Guest memory by guest-virtual address. Each returns 0 or a
	 * negative error, which x86_emulate() returns.
	 */
	void *opaque;
	int (*read)(void *opaque, u64 gva, void *buf, unsigned n);
	int (*write)(void *opaque, u64 gva, const void *buf, unsigned n);
	/*
	 * Optional. If set, locked read-modify-writes (a LOCK prefix, as
	 * on LOCK XADD or LOCK INC, or XCHG with memory) store with it
	 * instead of write(), so that a store racing with another CPU is
	 * not lost: atomically, if the n bytes at gva equal *old, replace
	 * them with *new_ and return 0;
	 * otherwise copy the current bytes into *old and return 1 (the
	 * instruction is then recomputed from them), or a negative error.
	 */
	int (*cmpxchg)(void *opaque, u64 gva, void *old, const void *new_,
		       unsigned n);

	/*
	 * REP STOS/MOVS: emulate at most this many iterations per call
	 * (0: all). If the count is not exhausted, RCX/RSI/RDI are updated,
	 * RIP is left on the instruction, and the guest resumes it.
	 */
	u64 rep_max;
	/*
	 * REP STOS/MOVS going forward (DF = 0): the callbacks take a block
	 * of elements in one read()/write() call, at most a page and never
	 * across one, instead of one call per element (see emulate.c,
	 * string_block()). Not for device memory.
	 */
	bool rep_bulk;

	/* Results. */
	u64 wr_gva;   /* lowest guest-virtual address written */
	u64 wr_len;   /* bytes written from wr_gva; 0 if nothing was */
	u64 rep_done; /* REP: iterations carried out by this call */
};

/*
 * Carry out insn, decoded at ctx->rip, on ctx. Returns 0 on success.
 * On a failed memory access, the callback's error is returned and the
 * guest state is unchanged, except for REP STOS/MOVS, whose RCX, RSI and
 * RDI then count the iterations completed (RIP unchanged, so the guest
 * re-executes the rest). -EINVAL if the mode or the instruction does not
 * fit (CMPXCHG16B on an unaligned operand, a mode mismatch); -ENOTSUP for
 * an instruction kind not emulated; -EBUSY if a locked operation kept
 * losing races (see cmpxchg), in which case nothing changed.
 *
 * A CMPXCHG/CMPXCHG8B/16B whose comparison fails does not write memory
 * (the CPU writes the old value back, leaving memory as it was).
 */
int x86_emulate(const struct x86_insn *insn, struct emu_ctx *ctx);

/*
 * The effective address (offset in the segment) of memory operand @m of
 * @insn, with the registers @gpr and the instruction at @rip, truncated
 * to the address size; RIP-relative is relative to the next instruction.
 */
u64 x86_mem_offset(const struct x86_insn *insn, const struct x86_mem *m,
		   const u64 gpr[16], u64 rip);

#endif
