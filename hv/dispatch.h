/* SPDX-License-Identifier: MIT */
/*
 * Starting the guest modules and collecting their results. Each module is
 * a guest; all of them start at once (sched=parallel, the default), as
 * far as memory allows, or one after another (sched=serial). A guest that
 * does not fit in the free memory waits for another to end, unless none
 * is running, and then it is an error.
 */
#ifndef HV_DISPATCH_H
#define HV_DISPATCH_H

#include "boot/bootinfo.h"
#include "lib/types.h"

struct dispatch_options {
	bool serial;	   /* one guest at a time, in module order */
	unsigned slice_ms; /* the scheduler's base slice */
	u64 guest_cpus;	   /* for guests without cpus=; 0: every CPU */
};

struct tally {
	unsigned guests, passed, failed;
	u32 last_code; /* the result of the last guest to end */
};

/* Run every guest module of @bi on the CPUs braid has, until all are
 * done. Called on the boot CPU. */
void dispatch_run(const struct boot_info *bi, const struct dispatch_options *o,
		  struct tally *t);

#endif
