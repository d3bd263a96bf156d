/* SPDX-License-Identifier: MIT */
/*
 * The machine's own MP table (MP spec 1.4, chapter 4), read for one fact:
 * which CPUs there are, on old machines and emulators whose firmware has
 * no ACPI MADT.
 */
#ifndef ARCH_MPTABLE_SCAN_H
#define ARCH_MPTABLE_SCAN_H

#include "lib/types.h"

/* The local APIC IDs of the enabled processors the MP table lists, up to
 * @max into @ids; returns how many there are (0: no valid MP table). */
unsigned mptable_cpu_ids(u32 *ids, unsigned max);

#endif
