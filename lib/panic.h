/* SPDX-License-Identifier: MIT */
#ifndef LIB_PANIC_H
#define LIB_PANIC_H

/* A broken invariant of braid itself (never a guest's misbehaviour):
 * print the reason, the CPU and its vCPU's state, then stop. */
void panic(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

/*
 * What a panic does once the message is formatted. lib/ knows nothing of
 * CPUs or guests, so the core installs the handler at boot (hv/panic.c):
 * it says which CPU, dumps the vCPU it ran and ends the run as braid's
 * exit= option says. Before that, a panic prints its message and spins.
 */
/* It must not return. */
typedef void panic_handler_fn(const char *msg);
void panic_set_handler(panic_handler_fn *fn);

#endif
