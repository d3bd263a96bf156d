/* SPDX-License-Identifier: MIT */
#ifndef HV_PLATFORM_H
#define HV_PLATFORM_H

#include "hv/options.h"

/* Set once braid's options are known; until then braid halts. */
void platform_set_exit(enum exit_action a);
/* End the run: @ok says whether every guest passed, @code is the value an
 * emulator's exit device should report (QEMU exits with (code << 1) | 1). */
void platform_exit(bool ok, u32 code) __attribute__((noreturn));

#endif
