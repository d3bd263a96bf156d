// SPDX-License-Identifier: MIT
/*
 * Printing a guest-state dump (arch/x86_64/state_dump.h): name=value pairs
 * in hex, a few to a line, so that a log line stays readable on a serial
 * console and a tool can split it on spaces and '='.
 */
#include "arch/x86_64/state_dump.h"
#include "lib/log.h"

#define DUMP_PER_LINE 6

void dump_fields(const char *tag, const struct dump_field *f, unsigned n)
{
	for (unsigned i = 0; i < n; i += DUMP_PER_LINE) {
		kprintf("braid: %s: state:", tag);
		for (unsigned j = i; j < n && j < i + DUMP_PER_LINE; j++)
			kprintf(" %s=0x%llx", f[j].name,
				(unsigned long long)f[j].val);
		kprintf("\n");
	}
}

void dump_segment(const char *tag, const char *name, u16 sel, u64 base,
		  u32 limit, u32 ar)
{
	kprintf("braid: %s: state: %s sel=0x%x base=0x%llx limit=0x%x "
		"ar=0x%x\n",
		tag, name, sel, (unsigned long long)base, limit, ar);
}
