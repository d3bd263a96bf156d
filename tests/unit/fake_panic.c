// SPDX-License-Identifier: MIT
/* braid's panic() in a host test: a cmocka assertion failure, so that a
 * test can expect it (expect_assert_failure) and any other test fails. */
#include <stdio.h>
#include <stdlib.h>

#include "lib/panic.h"
#include "tests/unit/unit.h"

void panic(const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mock_assert(0, msg, __FILE__, __LINE__);
	abort(); /* not reached: mock_assert() fails or jumps */
}
