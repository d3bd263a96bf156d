/* SPDX-License-Identifier: MIT */
#ifndef HV_STATS_H
#define HV_STATS_H

#include "hv/guest.h"

/* Print the guest's result and counters as one JSON line:
 *   braid: stats {"guest":"hello","vendor":"svm",...}
 */
void stats_print(const struct guest *g);

/* The exit being handled took path @p (see enum exit_path). */
static inline void stats_path(struct vcpu *v, enum exit_path p)
{
	gcpu(v)->path = p;
}

/* Charge @ticks of braid's own time to the path the last exit took (on
 * every exit: inline). */
static inline void stats_charge_path(struct vcpu *v, u64 ticks)
{
	struct gcpu *c = gcpu(v);
	struct path_stats *p = &c->stats.path[c->path];

	p->n++;
	p->tsc += ticks;
	p->max = MAX(p->max, ticks);
	c->stats.hv_tsc += ticks;
}

#endif
