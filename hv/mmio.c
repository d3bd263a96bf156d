// SPDX-License-Identifier: MIT
/*
 * Device memory is never mapped for a guest, in any paging mode, so every
 * access to it exits (EPT violation, nested #PF, or under shadow paging a
 * #PF braid cannot resolve). braid decodes the instruction (insn/decode.c),
 * runs it through the emulator with a memory callback that talks to the
 * device instead of RAM, and writes the registers back.
 *
 * The local and I/O APICs' registers are 32 bits wide, and software must
 * access them with aligned 32-bit loads and stores (SDM Vol. 3A 11.4.1;
 * 82093AA data sheet 3.0); anything else is reported and ignored.
 *
 * Guest-physical space that is neither RAM nor a device behaves as on a
 * PC, where no device decodes it: loads read all ones (the bus floats
 * high) and stores go nowhere (unbacked=float, the default; with
 * unbacked=stop the guest is stopped instead, hv/exit.c). Accesses of any
 * width are fine there.
 */
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/vendor.h"
#include "insn/decode.h"
#include "hv/guest_insn.h"
#include "lib/log.h"
#include "hv/ipi.h"
#include "hv/mmio.h"
#include "lib/printf.h"
#include "lib/string.h"

/* A device page: its registers are 32 bits wide, at these offsets. */
struct mmio_dev {
	const char *name;
	gpa_t base, size;
	u32 (*read)(struct vcpu *v, u32 offset);
	void (*write)(struct vcpu *v, u32 offset, u32 val);
};

static u32 lapic_read(struct vcpu *v, u32 offset)
{
	struct gcpu *gc = gcpu(v);

	return vlapic_read(&gc->lapic, offset & ~0xfu, rdtsc());
}

static void lapic_write(struct vcpu *v, u32 offset, u32 val)
{
	vlapic_write(&gcpu(v)->lapic, offset & ~0xfu, val, rdtsc());
	ipi_apic_written(v);
}

static u32 ioapic_read(struct vcpu *v, u32 offset)
{
	return vioapic_read(&v->guest->plat.ioapic, offset);
}

static void ioapic_write(struct vcpu *v, u32 offset, u32 val)
{
	vioapic_write(&v->guest->plat.ioapic, offset, val);
}

/* What answers where nothing is: nobody (dev_read()/dev_write() know). */
static const struct mmio_dev nothing = { "no device", 0, 0, NULL, NULL };

static const struct mmio_dev devices[] = {
	{ "local APIC", APIC_DEFAULT_BASE, APIC_MMIO_SIZE, lapic_read,
	  lapic_write },
	{ "I/O APIC", IOAPIC_DEFAULT_BASE, IOAPIC_MMIO_SIZE, ioapic_read,
	  ioapic_write },
};

struct mmio_access {
	struct vcpu *v;
	const struct mmio_dev *dev;
	gpa_t gpa;
	bool odd; /* an access the device does not define */
};

static const struct mmio_dev *find(gpa_t gpa)
{
	for (unsigned i = 0; i < ARRAY_SIZE(devices); i++)
		if (gpa >= devices[i].base &&
		    gpa < devices[i].base + devices[i].size)
			return &devices[i];
	return NULL;
}

bool mmio_is_device(struct guest *g, gpa_t gpa)
{
	(void)g;
	return find(gpa);
}

/* The emulator names the operand by guest-virtual address; the exit named
 * the guest-physical one. They share the page offset, and one operand is
 * all a device access instruction has. */
static int check(struct mmio_access *m, u64 gva, unsigned n)
{
	if ((gva & 0xfff) != (m->gpa & 0xfff))
		return -EINVAL;
	if (n != 4 || (gva & 3))
		m->odd = true;
	return 0;
}

static int dev_read(void *opaque, u64 gva, void *buf, unsigned n)
{
	struct mmio_access *m = opaque;
	u32 val = 0;
	int err = check(m, gva, n);

	if (err)
		return err;
	if (m->dev == &nothing) {
		memset(buf, 0xff, n); /* any width: all ones */
		m->odd = false;
		return 0;
	}
	if (!m->odd)
		val = m->dev->read(m->v, m->gpa - m->dev->base);
	for (unsigned i = 0; i < n; i++)
		((u8 *)buf)[i] = i < 4 ? (u8)(val >> (8 * i)) : 0;
	return 0;
}

static int dev_write(void *opaque, u64 gva, const void *buf, unsigned n)
{
	struct mmio_access *m = opaque;
	const u8 *b = buf;
	int err = check(m, gva, n);

	if (err)
		return err;
	if (m->dev == &nothing) {
		m->odd = false; /* any width: gone */
		return 0;
	}
	if (!m->odd)
		m->dev->write(m->v, m->gpa - m->dev->base,
			      b[0] | b[1] << 8 | b[2] << 16 | (u32)b[3] << 24);
	return 0;
}

/* Once per page (the last page reported is remembered), and then only
 * a few times at all (guest_report()): counted in the stats line. */
static void report_unbacked(struct vcpu *v, gpa_t gpa, bool write)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);

	gc->stats.unbacked++;
	if ((gpa >> 12) == g->unbacked_page)
		return;
	g->unbacked_page = gpa >> 12;
	guest_report(g, REPORT_UNBACKED,
		     "%s of guest-physical 0x%llx, where it has no memory: "
		     "%s, as on a PC (unbacked=stop stops it instead)",
		     write ? "write" : "read", (unsigned long long)gpa,
		     write ? "dropped" : "reads as all ones");
}

void mmio_emulate(struct vcpu *v, gpa_t gpa)
{
	struct guest *g = v->guest;
	struct gcpu *gc = gcpu(v);
	const struct mmio_dev *dev = find(gpa);
	struct mmio_access m = { v, dev ? dev : &nothing, gpa, false };
	struct emu_ctx ctx = { 0 };
	const struct x86_insn *insn;
	const char *what;
	int err;

	/* The CPU was delivering an interrupt or exception, not running the
	 * instruction at RIP: its IDT or stack is in device memory. */
	if (v->delivering) {
		guest_stop(g, "event delivery touched device memory at 0x%llx",
			   (unsigned long long)gpa);
		return;
	}
	err = guest_insn_decode(v, &ctx, &insn);
	if (err == -EFAULT) {
		guest_stop(g, "cannot fetch the instruction that accessed "
			      "device memory");
		return;
	}
	ctx.opaque = &m;
	ctx.read = dev_read;
	ctx.write = dev_write;
	ctx.rep_max = 1;
	/* One memory operand only: check() could not tell MOVS's other one
	 * (in RAM) from the device's. */
	what = insn->reason;
	if (!err && insn->kind == X86_MOVS) {
		what = "movs";
		err = -ENOTSUP;
	}
	if (!err) {
		/* The devices are the guest's, shared by its vCPUs. */
		spin_lock(&g->plat_lock);
		err = x86_emulate(insn, &ctx);
		spin_unlock(&g->plat_lock);
	}
	if (err) {
		guest_stop(g,
			   "cannot emulate its access to device memory at "
			   "0x%llx: %s (%d)",
			   (unsigned long long)gpa, what, err);
		return;
	}
	if (m.odd)
		guest_report(g, REPORT_MMIO,
			     "%s access to %s offset 0x%llx ignored "
			     "(only aligned 32-bit accesses are defined)",
			     what, m.dev->name,
			     (unsigned long long)(gpa - m.dev->base));
	if (!dev)
		report_unbacked(v, gpa, ctx.wr_len != 0);
	else
		gc->stats.mmio++;
	gc->loop_count = 0; /* progress: polling a register is no fault loop */
	emu_ctx_store(v, &ctx);
}
