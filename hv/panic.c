// SPDX-License-Identifier: MIT
/* What a panic does in braid proper: lib/panic.c formats the message and
 * hands it here. */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/vendor.h"
#include "hv/panic.h"
#include "hv/platform.h"
#include "lib/atomic.h"
#include "lib/log.h"

static void hv_panic(const char *msg)
{
	/* The CPU that sets it reports; a second panic, on this CPU while it
	 * reports or on another at the same time, just stops its CPU. */
	static bool in_panic;
	struct percpu *c = this_cpu();

	asm volatile("cli");
	if (atomic_xchg(&in_panic, true))
		cpu_halt_forever();
	panic_stop_other_cpus();
	kprintf("braid: PANIC on cpu %u: %s\n", c ? c->id : 0, msg);
	if (c && c->vcpu && vendor)
		vendor->dump(c->vcpu);
	platform_exit(false, 0x7f);
}

void hv_panic_init(void)
{
	panic_set_handler(hv_panic);
}
