// SPDX-License-Identifier: MIT
/* The compound-paging policy; see compound.h for the rules. */
#include "lib/string.h"
#include "mm/compound.h"
#include "mm/frame.h"
#include "lib/phys.h"

static u64 array_pages(u64 bytes)
{
	return ALIGN_UP(bytes, PAGE_SIZE) / PAGE_SIZE;
}

int compound_init(struct compound *c, struct shadow *s, u64 guest_mem,
		  const struct compound_knobs *k)
{
	phys_t g, n;

	memset(c, 0, sizeof(*c));
	c->shadow = s;
	c->knobs = *k;
	c->nr_gfns = guest_mem / PAGE_SIZE;
	g = frame_alloc_contig(array_pages(c->nr_gfns * sizeof(*c->gfns)),
			       PAGE_SIZE);
	n = frame_alloc_contig(array_pages(CP_MAX_NESTED * sizeof(*c->nested)),
			       PAGE_SIZE);
	c->gfns = g ? pa_to_va(g) : NULL;
	c->nested = n ? pa_to_va(n) : NULL;
	return c->gfns && c->nested ? 0 : -ENOMEM;
}

void compound_destroy(struct compound *c)
{
	if (c->gfns)
		frame_free_contig(va_to_pa(c->gfns),
				  array_pages(c->nr_gfns * sizeof(*c->gfns)));
	if (c->nested)
		frame_free_contig(
			va_to_pa(c->nested),
			array_pages(CP_MAX_NESTED * sizeof(*c->nested)));
	memset(c, 0, sizeof(*c));
}

bool compound_nested(void *policy, u64 gfn)
{
	struct compound *c = policy;

	if (gfn >= c->nr_gfns)
		return false;
	if (c->knobs.start_nested && !c->gfns[gfn].seen) {
		c->gfns[gfn].seen = 1;
		c->gfns[gfn].nested = 1;
	}
	return c->gfns[gfn].nested;
}

void compound_nested_installed(void *policy, u32 sp, u16 idx, u64 gfn)
{
	struct compound *c = policy;

	if (c->nr_nested == CP_MAX_NESTED)
		return; /* untracked: stays nested until reclaimed */
	c->nested[c->nr_nested++] =
		(struct cp_nested_entry){ gfn, c->now, sp, idx,
					  shadow_page_gen(c->shadow, sp) };
}

void compound_wrote(struct compound *c, u64 gfn)
{
	struct cp_gfn *f;

	c->stats.writes_trapped++;
	if (gfn >= c->nr_gfns)
		return;
	f = &c->gfns[gfn];
	f->seen = 1;
	if (c->now - f->window_start > c->knobs.window) {
		f->window_start = c->now;
		f->writes = 0;
	}
	if (++f->writes <= c->knobs.writes)
		return;
	f->nested = 1;
	f->writes = 0;
	if (shadow_make_nested(c->shadow, gfn))
		c->stats.to_nested++;
}

/* A nested entry that has been quiet long enough goes back to shadow:
 * drop it, and let the next walk mirror and protect the table again. */
static bool take_back(struct compound *c, struct cp_nested_entry *n)
{
	struct cp_gfn *f = &c->gfns[n->gfn];
	u64 quiet = c->knobs.quiet << MIN(f->flips, 6);

	if (c->now - n->since < quiet)
		return false;
	if (shadow_drop_nested(c->shadow, n->sp, n->idx, n->gen, n->gfn)) {
		c->stats.to_shadow++;
		if (f->flips <
		    UINT8_MAX) /* saturate: the backoff must not reset */
			f->flips++;
	}
	f->nested = 0;
	f->window_start = c->now;
	f->writes = 0;
	return true;
}

void compound_scan(struct compound *c)
{
	c->next_scan = c->now + c->knobs.quiet / 4 + 1;
	for (u32 i = 0; i < c->nr_nested;) {
		struct cp_nested_entry *n = &c->nested[i];

		if (n->gfn < c->nr_gfns && take_back(c, n))
			*n = c->nested[--c->nr_nested];
		else
			i++;
	}
}
