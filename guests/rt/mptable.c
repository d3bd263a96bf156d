// SPDX-License-Identifier: MIT
/* Reading the processor entries of the MP table (MP spec 1.4, ch. 4). */
#include "mptable.h"
#include "biosarea.h"
#include "mb.h"

#define BDA_EBDA_SEGMENT 0x40e /* BIOS data area: EBDA segment (word) */
#define BIOS_ROM_START	 0xf0000
#define BIOS_ROM_END	 0x100000

/* A valid floating pointer on a 16-byte boundary in [start, end), or NULL. */
static const struct mp_floating_pointer *scan(u64 start, u64 end)
{
	u64 pa;

	for (pa = ALIGN_UP(start, 16); pa + 16 <= end; pa += 16) {
		const struct mp_floating_pointer *fp = (const void *)pa;

		if (!memcmp(fp->signature, "_MP_", 4) && fp->length &&
		    bytes_sum_zero(fp, fp->length * 16UL))
			return fp;
	}
	return NULL;
}

/*
 * MP spec 4: the floating pointer is in the first KiB of the EBDA, else in
 * the last KiB of base memory, else in the BIOS ROM at 0xF0000-0xFFFFF.
 */
static const struct mp_floating_pointer *find_floating_pointer(void)
{
	u64 ebda = bios_ebda_base();
	u64 base_end =
		boot.mem_lower_kib ? boot.mem_lower_kib * KiB : 640 * KiB;
	const struct mp_floating_pointer *fp = NULL;

	if (ebda)
		fp = scan(ebda, ebda + KiB);
	if (!fp)
		fp = scan(base_end - KiB, base_end);
	if (!fp)
		fp = scan(BIOS_ROM_START, BIOS_ROM_END);
	return fp;
}

static void add_processor(struct mp_cpus *out,
			  const struct mp_processor_entry *e)
{
	if (!(e->cpu_flags & MP_CPU_FLAG_EN) || out->n >= MP_MAX_CPUS)
		return;
	if (e->cpu_flags & MP_CPU_FLAG_BP)
		out->bsp = (int)out->n;
	out->apic_id[out->n++] = e->lapic_id;
}

/* Walk the base table's entries (4.3): processors are 20 bytes, the rest 8. */
static void read_entries(struct mp_cpus *out, const struct mp_config_header *h)
{
	const u8 *p = (const u8 *)(h + 1);
	const u8 *end = (const u8 *)h + h->base_table_length;
	unsigned int i;

	for (i = 0; i < h->entry_count && p < end; i++) {
		if (*p == MP_ENTRY_PROCESSOR) {
			add_processor(out,
				      (const struct mp_processor_entry *)p);
			p += sizeof(struct mp_processor_entry);
		} else {
			p += 8;
		}
	}
}

bool mp_find_cpus(struct mp_cpus *out)
{
	const struct mp_floating_pointer *fp = find_floating_pointer();
	const struct mp_config_header *h;

	*out = (struct mp_cpus){ .source = "MP table", .bsp = -1 };
	/* feature[0] != 0 names a default configuration (two CPUs, 5.1);
	 * no firmware braid meets uses one, so it is not decoded here. */
	if (!fp || fp->feature[0] || !fp->physical_address_pointer)
		return false;
	h = (const void *)(u64)fp->physical_address_pointer;
	if (memcmp(h->signature, "PCMP", 4) ||
	    !bytes_sum_zero(h, h->base_table_length))
		return false;
	out->table_pa = (u64)fp;
	out->lapic_address = h->lapic_address;
	read_entries(out, h);
	return out->n > 0;
}
