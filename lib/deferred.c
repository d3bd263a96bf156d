// SPDX-License-Identifier: MIT
/* The word of deferred work (lib/deferred.h). */
#include "lib/deferred.h"

u32 deferred_work;
