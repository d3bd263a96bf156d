// SPDX-License-Identifier: MIT
/*
 * When a nested-paging guest dies in a shutdown, the CPU leaves its state
 * undefined (APM 15.11) and the only clue is what the last entry started
 * from. If that state is sane, the question is what the CPU read when it
 * walked the guest's tables. Under nested paging every entry of that walk
 * is itself a guest-physical address the CPU translates through the NPT
 * (APM 15.25.5), so braid repeats the walk of the entry's RIP in software:
 * for each level, the entry's guest-physical address, where the NPT sends
 * it, where braid keeps that guest RAM, and the entry read there. A table
 * the NPT sends anywhere but the guest's RAM, or an NPT root that is not
 * the guest's, is braid's bug, and the line says which.
 */
#include "arch/x86_64/vendor.h"
#include "hv/guest.h"
#include "hv/walk_report.h"
#include "lib/phys.h"
#include "lib/printf.h"
#include "lib/string.h"
#include "mm/guest_mem.h"
#include "mm/paging.h"
#include "mm/pte.h"

/* One level: append to @buf; false when the walk ends here. */
static bool walk_level(const struct guest *g, unsigned level, u64 table,
		       u64 gva, u64 *entry, char *buf, size_t len)
{
	u64 gpa = (table & PTE_ADDR_MASK) + PT_INDEX(gva, level) * 8;
	phys_t ram = guest_mem_hpa(&g->ram, gpa >> PAGE_SHIFT);
	struct pt_mapping m;
	size_t n = strlen(buf);

	if (!ram) {
		snprintf(buf + n, len - n, " L%u at 0x%llx: not guest RAM",
			 level, (unsigned long long)gpa);
		return false;
	}
	ram += gpa & (PAGE_SIZE - 1);
	if (pt_translate(&g->nested, gpa, &m)) {
		snprintf(buf + n, len - n, " L%u at 0x%llx: not in the %s",
			 level, (unsigned long long)gpa, vendor->nested_name);
		return false;
	}
	if (m.pa != ram) {
		snprintf(buf + n, len - n,
			 " L%u at 0x%llx: the %s sends it to 0x%llx, the "
			 "guest's RAM is at 0x%llx (braid's bug)",
			 level, (unsigned long long)gpa, vendor->nested_name,
			 (unsigned long long)m.pa, (unsigned long long)ram);
		return false;
	}
	*entry = *(volatile u64 *)pa_to_va(ram);
	n += snprintf(buf + n, len - n, " L%u[%u]=0x%llx", level,
		      (unsigned)PT_INDEX(gva, level),
		      (unsigned long long)*entry);
	if (!(*entry & X86_PTE_P)) {
		snprintf(buf + n, len - n, " (not present)");
		return false;
	}
	if (level == 1 || (*entry & X86_PTE_PS)) {
		u64 size = PT_LEVEL_SIZE(level);

		snprintf(buf + n, len - n, " -> 0x%llx",
			 (unsigned long long)((*entry & PTE_ADDR_MASK &
					       ~(size - 1)) |
					      (gva & (size - 1))));
		return false;
	}
	return true;
}

void walk_report(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct vcpu_entered e;
	char line[400] = "";
	u64 table;

	if (!vendor->last_entry || g->cfg.paging != PAGING_NESTED)
		return;
	vendor->last_entry(v, &e);
	if (!e.paging4) {
		guest_info(g, "its last entry ran without 4-level paging: no "
			      "walk to show");
		return;
	}
	if ((e.nested_root & PTE_ADDR_MASK) != g->nested.root) {
		guest_info(g,
			   "its last entry read its tables through %s root "
			   "0x%llx, not its own 0x%llx (braid's bug)",
			   vendor->nested_name,
			   (unsigned long long)e.nested_root,
			   (unsigned long long)g->nested.root);
		return;
	}
	table = e.cr3;
	for (unsigned l = PT_LEVELS; l >= 1; l--)
		if (!walk_level(g, l, table, e.rip, &table, line, sizeof(line)))
			break;
	guest_info(g, "its walk of rip 0x%llx (cr3 0x%llx, 4-level):%s",
		   (unsigned long long)e.rip, (unsigned long long)e.cr3, line);
}
