/* SPDX-License-Identifier: MIT */
/*
 * The format of a guest-state dump, shared by both vendors: vmx.c and
 * svm.c say which fields there are (by the manual's names), this prints
 * them, one "braid: TAG: state:" line per group (docs/testing.md, "Reading
 * an entry-failure report").
 */
#ifndef ARCH_STATE_DUMP_H
#define ARCH_STATE_DUMP_H

#include "lib/types.h"

struct dump_field {
	const char *name;
	u64 val;
};

/* "braid: vmx: state: cr0=0x80000011 cr3=0x1000 ..." on as many lines as
 * needed, at most DUMP_PER_LINE fields a line. */
void dump_fields(const char *tag, const struct dump_field *f, unsigned n);
/* "braid: vmx: state: cs sel=0x8 base=0x0 limit=0xffffffff ar=0xc09b" */
void dump_segment(const char *tag, const char *name, u16 sel, u64 base,
		  u32 limit, u32 ar);

#endif
