/* SPDX-License-Identifier: MIT */
/* The guest's page walk as the CPU read it, for a stop report
 * (hv/walk_report.c). */
#ifndef HV_WALK_REPORT_H
#define HV_WALK_REPORT_H

#include "arch/x86_64/vcpu.h"

/* A nested-paging guest stopped with its state undefined (an SVM
 * shutdown): one line on how its last entry's RIP was translated, level
 * by level, through the EPT/NPT that entry used, beside braid's own idea
 * of the guest's RAM. */
void walk_report(struct vcpu *v);

#endif
