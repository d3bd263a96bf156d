/* SPDX-License-Identifier: MIT */
/* Common includes for the cmocka host tests. */
#ifndef TESTS_UNIT_UNIT_H
#define TESTS_UNIT_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#define T(fn) cmocka_unit_test(fn)

#endif
