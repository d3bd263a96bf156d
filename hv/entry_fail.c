// SPDX-License-Identifier: MIT
/*
 * A failed VM entry, in one format for both vendors. The vendor code says
 * what failed and where the manual states the rule (struct vmexit's
 * entry); this file words the stop line and asks the vendor for the dump.
 * A refused guest state is the guest's configuration going wrong, not a
 * hypervisor bug: only that guest stops (STYLE.md, "Errors").
 */
#include "hv/entry_fail.h"
#include "lib/log.h"

void guest_entry_failed(struct vcpu *v, const struct vmexit *e)
{
	struct guest *g = v->guest;
	const typeof(e->entry) *f = &e->entry;

	if (f->checker)
		guest_stop(g, "entry check: %s%s%s: %s", f->section,
			   *f->reg ? " " : "", f->reg, f->what);
	else if (f->has_qual)
		guest_stop(g, "%s (%s; exit qualification 0x%llx: %s)", f->what,
			   f->section, (unsigned long long)f->qual,
			   f->qual_text);
	else
		guest_stop(g, "%s (%s; %s 0x%llx)", f->what, f->section,
			   f->code_name, (unsigned long long)e->raw);
	guest_info(g, "the %s state it was refused:", vendor->name);
	vendor->dump_entry(v);
}
