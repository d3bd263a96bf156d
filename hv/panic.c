// SPDX-License-Identifier: MIT
#include <stdarg.h>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/percpu.h"
#include "arch/x86_64/vendor.h"
#include "hv/log.h"
#include "hv/panic.h"
#include "hv/platform.h"
#include "lib/printf.h"

void panic(const char *fmt, ...)
{
	static bool in_panic;
	struct percpu *c = this_cpu();
	char buf[400];
	va_list ap;

	asm volatile("cli");
	if (in_panic) /* a panic while panicking: just stop */
		cpu_halt_forever();
	in_panic = true;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	kprintf("braid: PANIC on cpu %u: %s\n", c ? c->id : 0, buf);
	if (c && c->vcpu && vendor)
		vendor->dump(c->vcpu);
	platform_exit(false, 0x7f);
}
