/* SPDX-License-Identifier: MIT */
#ifndef HV_STATS_H
#define HV_STATS_H

#include "hv/guest.h"

/* Print the guest's result and counters as one JSON line:
 *   braid: stats {"guest":"hello","vendor":"svm",...}
 */
void stats_print(const struct guest *g);

#endif
