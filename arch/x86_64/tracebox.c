// SPDX-License-Identifier: MIT
/* The trace box: see include/braid/tracebox.h. */
#include "arch/x86_64/tracebox.h"
#include "lib/phys.h"

static struct tracebox box;

void tracebox_init(void)
{
	box.version = TRACEBOX_VERSION;
	box.ncpus = TRACEBOX_CPUS;
	/* Last: the magic says the box is ready to be read. */
	box.magic = TRACEBOX_MAGIC ^ va_to_pa(&box);
}

void tracebox_set_guest(unsigned cpu, const char *name, u32 paging, u64 mem)
{
	struct tracebox_cpu *c;
	unsigned i;

	if (cpu >= TRACEBOX_CPUS)
		return;
	c = &box.cpu[cpu];
	for (i = 0; i + 1 < TRACEBOX_NAME && name[i]; i++)
		c->guest[i] = name[i];
	c->guest[i] = '\0';
	c->paging = paging;
	c->guest_mem = mem;
	c->seq++;
}

void tracebox_set_vmcb(unsigned cpu, phys_t vmcb)
{
	if (cpu < TRACEBOX_CPUS)
		box.cpu[cpu].vmcb = vmcb;
}

void tracebox_set_hsave(unsigned cpu, phys_t hsave)
{
	if (cpu < TRACEBOX_CPUS)
		box.cpu[cpu].hsave = hsave;
}
