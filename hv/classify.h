/* SPDX-License-Identifier: MIT */
#ifndef HV_CLASSIFY_H
#define HV_CLASSIFY_H

#include "hv/guest.h"

/*
 * Print how braid maps the guest's current address space, as runs of
 * guest-virtual addresses with one guest leaf size and one kind:
 *
 *   braid: classify-begin {"guest":..,"vendor":..,"paging":..,"t":EXITS,"cr3":..}
 *   braid: region {"guest":..,"t":..,"va":"0x..","len":"0x..",
 *                  "kind":"shadow|nested|untouched","switch":S,"leaf":L}
 *   braid: classify-end {"guest":..,"t":..,"regions":N,"printed":P,
 *                        "aliased":A,"bytes":{..}}
 *
 * leaf: 1, 2, 3 for 4 KiB, 2 MiB, 1 GiB guest pages. switch: the guest
 * table level from which the CPU walks the guest's own tables (4 under
 * nested paging), 0 for shadow regions. aliased: guest tables met again
 * at a level where they were walked already (each is walked once per
 * level, which bounds the dump whatever the guest's tables say).
 * tools/cpviz and tools/walkcost read these lines.
 */
void classify_dump(struct guest *g);

#endif
