/* SPDX-License-Identifier: MIT */
/*
 * Host-test stand-in for a loader's world: guest RAM is one host buffer
 * (mm/guest_mem.c's guest_mem_ptr/guest_mem_write over fake_ram, with the
 * same range and chunk checks), and braid's console is a string
 * (kprintf appends to fake_log).
 */
#ifndef TESTS_UNIT_FAKE_GUEST_H
#define TESTS_UNIT_FAKE_GUEST_H

#include "lib/types.h"
#include "mm/guest_mem.h"

extern u8 *fake_ram; /* the test allocates it, at least m->size bytes */
extern char fake_log[4096];

#endif
