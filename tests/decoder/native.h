/* SPDX-License-Identifier: MIT */
/*
 * Running one instruction on the host CPU, for differential tests of the
 * emulator: in 64-bit mode; in 32-bit compatibility mode, through a far
 * jump to the kernel's 32-bit user code segment; and in 16-bit protected
 * mode, through a 16-bit code segment in the LDT.
 *
 * Test memory, code and stacks live in one arena below 2 GiB (MAP_32BIT),
 * so that absolute disp32, RIP-relative and 32-bit addresses reach all of
 * it. Guest-virtual addresses in the tests are host addresses. In 32- and
 * 16-bit runs, DS, ES, SS and GS are LDT data segments with different
 * bases (one of which makes offsets wrap at 4 GiB), when the kernel lets
 * us have an LDT; FS is left alone (it holds this thread's TLS).
 */
#ifndef TESTS_DECODER_NATIVE_H
#define TESTS_DECODER_NATIVE_H

#include "insn/decode.h"

#define NATIVE_DATA_SIZE 16384u

/* Register file in and out of a native run (32- and 16-bit runs use the
 * low halves of gpr[0..7]). */
struct native_state {
	u64 gpr[16];
	u64 rflags;
};

/* Map the arena, set up the LDT and fault handlers; false if impossible.
 * Call again at the start of each test: it reinstalls the handlers. */
bool native_init(void);
/* Whether code in this mode (64, 32 or 16) runs here. */
bool native_have(unsigned mode);
/* Whether 32-bit runs have non-flat segments (an LDT). */
bool native_have_ldt(void);

u8 *native_data(void);
/* Where the instruction will sit when run in a mode: its RIP/EIP/IP. */
u64 native_insn_addr(unsigned mode);
/* Segment bases an instruction sees in a mode, by enum x86_seg. */
void native_seg_bases(unsigned mode, u64 base[X86_NR_SEGS]);

/*
 * Run insn[0..len) with the registers and flags in *st, and store the
 * resulting ones back. Returns 0, or the signal number if it faulted
 * (then *st is unchanged).
 */
int native_run(unsigned mode, const u8 *insn, size_t len,
	       struct native_state *st);

#endif
