// SPDX-License-Identifier: MIT
/*
 * Finding the CPUs in the machine's MP table (MP spec 1.4): the floating
 * pointer is searched where 4.1 says a BIOS puts it, checked, and the
 * configuration table it names is walked for processor entries (4.3.1).
 * Everything read is bounded by the lengths the structures declare and
 * checked by their checksums first, as a table left by firmware may be
 * stale or torn.
 */
#include "arch/x86_64/bda.h"
#include "arch/x86_64/mpspec.h"
#include "arch/x86_64/mptable_scan.h"
#include "lib/checksum.h"
#include "lib/phys.h"
#include "lib/string.h"
#include "mm/hostmap.h"

#define BIOS_ROM_START	  0xf0000
#define BIOS_ROM_END	  0x100000
#define MP_CONFIG_MAX	  0x10000 /* base table length is a u16 */
#define MP_ENTRY_SIZE_CPU 20	  /* table 4-3 */
#define MP_ENTRY_SIZE	  8	  /* every other base entry type */
/* Default configurations (MP spec 5): two processors, APIC IDs 0 and 1. */
#define MP_DEFAULT_CPUS 2

/* A floating pointer at @pa that passes 4.1's checks, or NULL. */
static const struct mp_floating *floating_at(u64 pa)
{
	const struct mp_floating *f = pa_to_va(pa);

	if (memcmp(f->signature, "_MP_", 4) || f->length != 1 ||
	    byte_sum(f, sizeof(*f)))
		return NULL;
	return f;
}

/* MP spec 4.1: "a. In the first kilobyte of Extended BIOS Data Area
 * (EBDA), or b. Within the last kilobyte of system base memory (e.g.,
 * 639K-640K ...) if the EBDA segment is undefined, or c. In the BIOS ROM
 * address space between 0F0000h and 0FFFFFh", on 16-byte boundaries. */
static const struct mp_floating *scan(u64 start, u64 end)
{
	for (u64 pa = ALIGN_UP(start, 16); pa + 16 <= end; pa += 16) {
		const struct mp_floating *f = floating_at(pa);

		if (f)
			return f;
	}
	return NULL;
}

/* A word of the BIOS data area (0x413 is not 2-byte aligned). */
static u64 bda_word(u64 pa)
{
	u16 w;

	memcpy(&w, pa_to_va(pa), sizeof(w));
	return w;
}

static const struct mp_floating *find_floating(void)
{
	u64 ebda = bda_word(BDA_EBDA_SEGMENT) << 4;
	u64 base = bda_word(BDA_BASE_MEM_KIB) << 10;
	const struct mp_floating *f = NULL;

	if (ebda >= 0x400 && ebda < BIOS_ROM_START)
		f = scan(ebda, ebda + KiB(1));
	else if (base >= KiB(1) && base <= KiB(640))
		f = scan(base - KiB(1), base);
	return f ? f : scan(BIOS_ROM_START, BIOS_ROM_END);
}

/* The processor entries of a checked configuration table (4.2, 4.3). */
static unsigned walk_config(const struct mp_config *c, u32 *ids, unsigned max)
{
	const u8 *p = (const u8 *)(c + 1), *end = (const u8 *)c + c->length;
	unsigned n = 0;

	for (unsigned i = 0; i < c->entry_count && p < end; i++) {
		const struct mp_processor *cpu = (const void *)p;
		unsigned size = p[0] == MP_ENTRY_CPU	     ? MP_ENTRY_SIZE_CPU
				: p[0] <= MP_ENTRY_LOCAL_INT ? MP_ENTRY_SIZE
							     : 0;

		if (!size || p + size > end)
			break; /* an unknown type has no known length */
		if (p[0] == MP_ENTRY_CPU && (cpu->flags & MP_CPU_EN)) {
			if (n < max)
				ids[n] = cpu->lapic_id;
			n++;
		}
		p += size;
	}
	return n;
}

unsigned mptable_cpu_ids(u32 *ids, unsigned max)
{
	const struct mp_floating *f = find_floating();
	const struct mp_config *c;

	if (!f)
		return 0;
	/* A non-zero feature byte 1 names a default configuration and no
	 * table follows (4.1, table 4-1; chapter 5). */
	if (f->feature1) {
		for (unsigned i = 0; i < MP_DEFAULT_CPUS && i < max; i++)
			ids[i] = i;
		return MP_DEFAULT_CPUS;
	}
	if (!f->config || f->config >= 0xffffffffu - MP_CONFIG_MAX)
		return 0;
	/* The table may lie outside the low MiB and RAM, where braid's map
	 * has nothing yet (mm/hostmap.c). */
	if (hostmap_map_device(f->config, sizeof(*c)))
		return 0;
	c = pa_to_va(f->config);
	if (memcmp(c->signature, "PCMP", 4) || c->length < sizeof(*c) ||
	    hostmap_map_device(f->config, c->length) || byte_sum(c, c->length))
		return 0;
	return walk_config(c, ids, max);
}
