// SPDX-License-Identifier: MIT
/*
 * Wiring the virtual platform together (see vplat.h): port dispatch,
 * interrupt routing from the devices to the vCPU, and time.
 *
 * Interrupt routing follows a PC with an I/O APIC (MP spec 1.4, 5.1): an
 * ISA device's line goes both to the 8259 pair and to an I/O APIC input
 * (IRQ 0 to pin 2, IRQ n to pin n), as the MP table braid writes says
 * (dm/mptable.c). Which path reaches the CPU is the guest's choice: the
 * 8259's INTR through local APIC LINT0 in ExtINT mode (firmware leaves it
 * so), or the I/O APIC's messages into the local APIC's IRR.
 */
#define LOG_TAG "vplat"
#include "arch/x86_64/apic.h"
#include "arch/x86_64/cmos.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/tsc.h"
#include "hv/guest.h"
#include "hv/ipi.h"
#include "hv/mmu.h"
#include "lib/log.h"
#include "hv/hostcons.h"
#include "arch/x86_64/percpu.h"
#include "hv/vplat.h"
#include "hv/vplat_entry.h"
#include "lib/string.h"

#define PORT_IMCR_SELECT 0x22 /* MP spec 3.6.2.1: PIC/APIC mode switch */
#define PORT_IMCR_DATA	 0x23
#define INPUT_POLL_HZ	 100 /* how often an idle guest's console is read */

/*
 * What PC firmware leaves behind: the local APIC enabled in "virtual wire"
 * mode, the 8259's INTR on LINT0 as ExtINT and NMI on LINT1 (MP spec 1.4,
 * 3.6.2.2), so that a kernel which programs only the 8259 gets its
 * interrupts. (Linux reprograms LINT0 itself and uses the I/O APIC.)
 */
static void virtual_wire(struct vlapic *a, u64 now)
{
	/* Level-triggered, as SeaBIOS writes them (the trigger mode is
	 * what the wire has; the 8259's INTR and NMI are levels). */
	vlapic_write(a, APIC_SVR, APIC_SVR_ENABLE | 0xff, now);
	vlapic_write(a, APIC_LVT_LINT0,
		     APIC_LVT_LEVEL | APIC_DM_EXTINT << APIC_LVT_DM_SHIFT, now);
	vlapic_write(a, APIC_LVT_LINT1,
		     APIC_LVT_LEVEL | APIC_DM_NMI << APIC_LVT_DM_SHIFT, now);
}

static bool io_byte(struct vplat *p, u16 port, bool in, u8 *b, u64 now);

/*
 * The 8259s and the PIT as PC firmware programs them and GRUB hands them
 * over: the 8259 pair initialised with vectors 0x08 and 0x70 (the real-mode
 * BIOS layout) and the masks SeaBIOS leaves (timer, keyboard, cascade and
 * floppy open on the master; RTC, mouse, FPU and disk on the slave); PIT
 * channel 0 as the BIOS tick, mode 2 with count 65536 (18.2 Hz). Written
 * through the device models' own ports, as firmware writes them. A kernel
 * that takes interrupts reprograms both; one that halts until the BIOS
 * tick (as on a PC) is woken by it.
 */
static void firmware_handover(struct vplat *p, u64 now)
{
	static const u16 writes[][2] = {
		{ 0x20, 0x11 }, { 0x21, 0x08 }, { 0x21, 0x04 }, { 0x21, 0x01 },
		{ 0xa0, 0x11 }, { 0xa1, 0x70 }, { 0xa1, 0x02 }, { 0xa1, 0x01 },
		{ 0x21, 0xb8 }, { 0xa1, 0x8e }, { 0x43, 0x34 }, { 0x40, 0x00 },
		{ 0x40, 0x00 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(writes); i++) {
		u8 b = (u8)writes[i][1];

		io_byte(p, writes[i][0], false, &b, now);
	}
}

void vplat_reset(struct guest *g)
{
	struct vplat *p = &g->plat;
	u64 now = rdtsc();

	for (unsigned i = 0; i < g->nr_cpus; i++) {
		struct gcpu *gc = &g->cpus[i];

		vlapic_reset(&gc->lapic, gc->index, tsc_hz(), now);
		gc->settled = false;
		gc->requeued = 0;
	}
	virtual_wire(&g->cpus[0].lapic, now);
	vioapic_reset(&p->ioapic, IOAPIC_ID);
	vioapic_set_cpus(&p->ioapic, g->nr_cpus);
	vpic_reset(&p->pic);
	vpit_reset(&p->pit, tsc_hz(), now);
	vrtc_reset(&p->rtc, host_rtc_epoch(), tsc_hz(), now);
	vpm_reset(&p->pm, tsc_hz(), now);
	firmware_handover(p, now);
	p->next_input_poll = now;
	memset(p->reported_port, 0, sizeof(p->reported_port));
}

static bool io_byte(struct vplat *p, u16 port, bool in, u8 *b, u64 now)
{
	if (vpic_io(&p->pic, port, in, b))
		return true;
	if (vpit_io(&p->pit, port, in, b, now))
		return true;
	if (vrtc_io(&p->rtc, port, in, b, now))
		return true;
	if (port == PORT_IMCR_SELECT || port == PORT_IMCR_DATA) {
		/* The IMCR only chooses a wire on real boards; braid routes
		 * the same way either way (see above). */
		if (in)
			*b = 0xff;
		return true;
	}
	return false;
}

/*
 * The guest wrote SLP_EN (ACPI 6.5 4.8.3.2.1): S5, the only sleep state
 * the DSDT names, is a power-off and ends the guest; braid has no other
 * sleep state to enter, so any other SLP_TYP changes nothing.
 */
static void pm_sleep(struct guest *g)
{
	int typ = vpm_take_sleep(&g->plat.pm);

	if (typ == VPM_NO_SLEEP)
		return;
	if (typ == VPM_SLP_TYP_S5) {
		guest_power_off(g, "ACPI (S5)");
		return;
	}
	guest_report(g, REPORT_PORT,
		     "sleep type %d asked for through PM1_CNT: braid has no "
		     "such sleep state, ignored",
		     typ);
}

bool vplat_io(struct guest *g, u16 port, bool in, u8 size, u32 *val)
{
	u8 b = (u8)*val;

	/* The ACPI registers are 16 and 32 bits wide (4.8.3). */
	if (vpm_io(&g->plat.pm, port, in, size, val, rdtsc())) {
		if (!in)
			pm_sleep(g);
		return true;
	}
	/* Every other device here has byte-wide registers; a wider access
	 * to one is not something PC software does. */
	if (size != 1)
		return false;
	if (!io_byte(&g->plat, port, in, &b, rdtsc()))
		return false;
	if (in)
		*val = b;
	return true;
}

void vplat_report_port(struct guest *g, u16 port, bool in)
{
	u8 *r = &g->plat.reported_port[port / 8];

	if (*r & BIT(port % 8))
		return;
	*r |= BIT(port % 8);
	guest_report(g, REPORT_PORT,
		     "%s of port 0x%x, which braid does not emulate: reads as "
		     "all ones, writes are ignored (reported once)",
		     in ? "read" : "write", port);
}

/* Bytes typed on the host console go to the guest whose UART listens. */
static void poll_input(struct guest *g, u64 now)
{
	int c;

	if (!(g->uart.ier & UART_IER_ERBFI) || now < g->plat.next_input_poll)
		return;
	g->plat.next_input_poll = now + tsc_hz() / INPUT_POLL_HZ;
	while (vuart_can_receive(&g->uart) && (c = serial_getc()) >= 0)
		vuart_receive(&g->uart, (u8)c);
}

/* The I/O APIC input of ISA IRQ @irq: IRQ 0 on pin 2, the others on
 * their own number (MP table, dm/mptable.c). */
static unsigned ioapic_pin(unsigned irq)
{
	return irq == ISA_IRQ_PIT ? GSI_PIT : irq;
}

/* An ISA interrupt line, wired to the 8259 and to the I/O APIC. */
static void isa_irq(struct vplat *p, unsigned irq, bool level)
{
	vpic_set_irq(&p->pic, irq, level);
	vioapic_set_irq(&p->ioapic, ioapic_pin(irq), level);
}

/* The local APIC an I/O APIC message goes to: the one with its APIC ID
 * (0xFF: the first), or for a logical set the first whose LDR matches
 * (lowest priority among equals, SDM 11.6.2.4). NULL: nobody takes it. */
static struct gcpu *ioapic_target(struct guest *g, const struct vioapic_msg *m)
{
	if (!m->logical) {
		if (m->dest == 0xff)
			return &g->cpus[0];
		return m->dest < g->nr_cpus ? &g->cpus[m->dest] : NULL;
	}
	for (unsigned i = 0; i < g->nr_cpus; i++)
		if (vlapic_matches(&g->cpus[i].lapic, m->dest, true))
			return &g->cpus[i];
	return NULL;
}

/* Into the target's IRR; a vCPU other than this CPU's is told. */
static void ioapic_deliver(struct guest *g, const struct vioapic_msg *m)
{
	struct gcpu *t = ioapic_target(g, m);

	if (!t)
		return;
	vlapic_set_irr(&t->lapic, m->vector, m->level_trig);
	if (&t->vcpu != this_cpu()->vcpu)
		ipi_notify(t);
}

/* Bring every device up to @now and drive the interrupt lines. Under the
 * platform lock. */
static void sync(struct guest *g, u64 now)
{
	struct vplat *p = &g->plat;
	struct vioapic_msg m;

	poll_input(g, now);
	if (vpit_irq0_edges(&p->pit, now)) {
		isa_irq(p, ISA_IRQ_PIT, true);
		isa_irq(p, ISA_IRQ_PIT, false);
	}
	isa_irq(p, ISA_IRQ_COM1, vuart_irq(&g->uart));
	isa_irq(p, ISA_IRQ_RTC, vrtc_irq(&p->rtc, now));
	isa_irq(p, ISA_IRQ_SCI, vpm_sci(&p->pm, now));
	while (vioapic_next_msg(&p->ioapic, &m))
		ioapic_deliver(g, &m);
}

/* The vector @gc would take now (-1: none); @take: it takes it. The
 * 8259 is wired to the bootstrap CPU's LINT0 only. */
static int next_vector(struct guest *g, struct gcpu *gc, bool take)
{
	struct vpic *pic = &g->plat.pic;
	int vec = vlapic_pending(&gc->lapic);

	if (vec >= 0) {
		if (take)
			vlapic_accept(&gc->lapic, (u8)vec);
		return vec;
	}
	if (gc->index || !vlapic_extint_open(&gc->lapic) ||
	    vpic_pending(pic) < 0)
		return -1;
	return take ? vpic_ack(pic) : vpic_pending(pic);
}

/*
 * Can the PIT's IRQ 0 reach the CPU: through the 8259 and an ExtINT LINT0,
 * or through I/O APIC pin 2? If not, its ticks wake nothing: a guest that
 * masked it everywhere and halts has nothing to wait for, and one that
 * runs need not exit for them. (Its counter and the 8259's IRR are
 * brought up to date at the next exit all the same.)
 */
static bool irq_routed(const struct guest *g, unsigned irq)
{
	const struct vplat *p = &g->plat;

	return (!vpic_irq_masked(&p->pic, irq) &&
		vlapic_extint_open(&g->cpus[0].lapic)) ||
	       !vioapic_pin_masked(&p->ioapic, ioapic_pin(irq));
}

/* The next device event @gc may be woken by: its own APIC timer, and on
 * the bootstrap vCPU the platform's timers (it keeps the platform's time:
 * an interrupt for another vCPU reaches it through ioapic_deliver()). */
static u64 next_deadline(struct guest *g, struct gcpu *gc, u64 now)
{
	struct vplat *p = &g->plat;
	u64 t = vlapic_next_event(&gc->lapic, now);

	if (gc->index)
		return t;

	if (irq_routed(g, ISA_IRQ_PIT))
		t = MIN(t, vpit_next_event(&p->pit, now));
	if (irq_routed(g, ISA_IRQ_RTC))
		t = MIN(t, vrtc_next_event(&p->rtc, now));
	if (irq_routed(g, ISA_IRQ_SCI))
		t = MIN(t, vpm_next_event(&p->pm, now));

	if (g->uart.ier & UART_IER_ERBFI)
		t = MIN(t, p->next_input_poll);
	return t;
}

/*
 * An NMI that could not be injected, where no NMI-window exit will say
 * when it can (vendor->want_nmi_window: VMX's NMI-window exiting where the
 * CPU offers it, SVM's single-stepped IRET unless the guest debugs
 * itself). The interrupt window stands in: with IF clear it opens when
 * the handler's IRET restores RFLAGS.IF = 1 (SDM Vol. 3A 6.7.1); with IF
 * set it waits for an STI or MOV SS shadow or an event being delivered. With IF set
 * and the window open the NMI is blocked by its handler: asking would
 * bring the exit at once, again and again, so the NMI waits for the next
 * exit of any kind, as it does after an IRET back to code with IF clear.
 */
static bool nmi_wants_irq_window(struct vcpu *v, const struct gcpu *gc)
{
	return gc->lapic.nmi_pending &&
	       (!(vendor->get(v, VREG_RFLAGS) & RFLAGS_IF) ||
		!vendor->irq_window_open(v));
}

/*
 * What the vCPU takes now: an NMI, a requeued interrupt, the vector its
 * APIC or the 8259 offers; or the exits that will say when it can. False:
 * nothing injected and no window asked for (the platform is settled).
 */
static bool inject_pending(struct vcpu *v, struct guest *g, struct gcpu *gc)
{
	bool want, injected = false, nmi_window;

	/* An NMI goes before any interrupt (SDM 6.9). */
	if (gc->lapic.nmi_pending && vendor->inject_nmi(v)) {
		gc->lapic.nmi_pending = false;
		injected = true;
	}
	/* One that must wait for its handler's IRET: an exit right after it
	 * where the CPU can give one. First, since on SVM that holds off
	 * interrupts for the one instruction it steps. */
	nmi_window = vendor->want_nmi_window &&
		     vendor->want_nmi_window(v, gc->lapic.nmi_pending);
	if (gc->requeued && !injected && vendor->irq_window_open(v)) {
		vendor->inject_irq(v, (u8)(gc->requeued - 1));
		gc->requeued = 0;
		injected = true;
	}
	want = gc->requeued || next_vector(g, gc, false) >= 0;
	if (want && !injected && vendor->irq_window_open(v)) {
		vendor->inject_irq(v, (u8)next_vector(g, gc, true));
		gc->stats.irqs++;
		want = false;
		injected = true;
	}
	/* Blocked (RFLAGS.IF, an STI shadow, an event being injected): exit
	 * as soon as the guest can take it; an NMI, as soon as its handler's
	 * IRET has run where the CPU can say so. */
	want = want || (!nmi_window && nmi_wants_irq_window(v, gc));
	vendor->want_irq_window(v, want);
	return want || injected || nmi_window;
}

/* The full pass (hv/vplat_entry.h says when): a function of its own, so
 * that the fast path inline in the run loop does not pay for its
 * registers. */
void vplat_full_pass(struct vcpu *v, u64 now)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	bool busy;

	spin_lock(&g->plat_lock);
	if (gc->init_pending) {
		/* An INIT from another vCPU: leave the guest's code now and
		 * wait for a SIPI (the run loop sees DEFER_HALT). */
		ipi_take_init(v);
		defer(DEFER_HALT);
	}
	sync(g, now);
	vlapic_update(&gc->lapic, now);
	/* A vCPU that waits for a SIPI takes nothing (SDM Vol. 3A 9.4.4):
	 * what is pending stays in its APIC, for a full pass after the
	 * SIPI (not settled). */
	busy = gc->wait_sipi || inject_pending(v, g, gc);
	/* Not in next_deadline(): a halted guest's clock stands still. */
	gc->next_due =
		MIN(MIN(next_deadline(g, gc, now), mmu_next_event(g, now)),
		    guest_time_due(g, now));
	gc->settled = !busy;
	spin_unlock(&g->plat_lock);
	/* The slice's end too, if others wait for this CPU (hv/sched.c). */
	host_timer_arm(MIN(gc->next_due, this_cpu()->preempt_at));
	vendor->set_timer(v, MIN(gc->next_due, this_cpu()->preempt_at));
}

void vplat_requeue(struct vcpu *v, u8 vector)
{
	struct gcpu *gc = gcpu(v);

	gc->requeued = vector + 1;
	gc->settled = false;
}

/* Under the platform lock: see vplat_halt_poll(). A vCPU in wait-for-SIPI
 * sleeps until a SIPI; in an SMP guest another vCPU may always wake a
 * halted one with an IPI, so only a guest of one vCPU can be stuck. */
static bool halt_poll(struct vcpu *v)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	u64 now = rdtsc(), next;

	if (gc->init_pending)
		ipi_take_init(v);
	if (gc->wait_sipi) {
		v->sched.wake_at = ~0ull;
		return ipi_take_sipi(v);
	}
	sync(g, now);
	vlapic_update(&gc->lapic, now);
	/* An NMI ends HLT whatever RFLAGS.IF, unless the guest is still in
	 * its NMI handler: a blocked NMI is not one that resumes (SDM Vol.
	 * 2A, HLT; Vol. 3A 6.7.1). */
	if ((gc->lapic.nmi_pending && !vendor->nmi_blocked(v)) ||
	    gc->requeued || next_vector(g, gc, false) >= 0) {
		v->halted = false;
		return true;
	}
	next = next_deadline(g, gc, now);
	if (next == ~0ull && g->nr_cpus == 1) {
		guest_stop(g, "HLT with interrupts enabled, but nothing "
			      "can wake it (no timer armed; anything "
			      "pending is masked by its TPR)");
		return true;
	}
	if (now >= g->run_deadline) {
		guest_check_time(g);
		return true;
	}
	v->sched.wake_at = MIN(next, g->run_deadline);
	return false;
}

bool vplat_halt_poll(struct vcpu *v)
{
	struct guest *g = v->guest;
	bool woke;

	spin_lock(&g->plat_lock);
	woke = halt_poll(v);
	spin_unlock(&g->plat_lock);
	return woke;
}
