/* SPDX-License-Identifier: MIT */
#ifndef HV_PANIC_H
#define HV_PANIC_H

/* A broken invariant of braid itself (never a guest's misbehaviour):
 * print the reason, the CPU and its vCPU's state, then stop. */
void panic(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

#endif
