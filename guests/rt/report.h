/* SPDX-License-Identifier: MIT */
/*
 * Test reporting in the kvm-unit-tests style:
 *   PASS: <msg> / FAIL: <msg> / SKIP: <msg>
 *   SUMMARY: <n> tests, <f> failures[, <s> skipped]
 * report_summary() then ends the guest through isa-debug-exit.
 */
#ifndef GUEST_REPORT_H
#define GUEST_REPORT_H

#include "types.h"

/* Returns cond, so callers can print extra detail on failure. */
bool report(bool cond, const char *fmt, ...) __printf(2, 3);
void report_skip(const char *fmt, ...) __printf(1, 2);
void report_info(const char *fmt, ...) __printf(1, 2);
unsigned int report_failures(void);
__noreturn void report_summary(void);

/* Write code to the debug-exit port (0 = pass), then stop. */
__noreturn void guest_exit(u32 code);

#endif
