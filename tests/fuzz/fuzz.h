/* SPDX-License-Identifier: MIT */
/*
 * Common helpers for the host fuzz targets (tests/fuzz/fuzz_*.c): a reader
 * that turns the fuzzer's bytes into numbers, and a check that stops the
 * run. Each target defines LLVMFuzzerTestOneInput(); libFuzzer calls it
 * under `make fuzz`, and replay.c calls it on the committed corpus under
 * `make unit`, so a check must crash (abort) rather than return.
 */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stdio.h>
#include <stdlib.h>

#include "lib/types.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the code under test must keep: abort, naming it. */
#define FUZZ_CHECK(cond)                                                 \
	do {                                                             \
		if (!(cond)) {                                           \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond);              \
			abort();                                         \
		}                                                        \
	} while (0)

/* The fuzzer's input, consumed from the front. */
struct fuzz_in {
	const u8 *p;
	size_t n;
};

/* The next @bytes bytes as a little-endian number; zeros once the input
 * runs out, so that every input is a complete (if dull) program. */
static inline u64 fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	u64 v = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->n--)
		v |= (u64)*in->p++ << (8 * i);
	return v;
}

static inline u8 fuzz_u8(struct fuzz_in *in)
{
	return (u8)fuzz_take(in, 1);
}

static inline u64 fuzz_u64(struct fuzz_in *in)
{
	return fuzz_take(in, 8);
}

/* A page-table index: mostly the first few entries, or the last few,
 * so that separate choices often meet on one entry. */
static inline unsigned fuzz_index(struct fuzz_in *in)
{
	u8 b = fuzz_u8(in);

	return (b & 0x80) ? 511 - (b & 7) : b & 7;
}

#endif
