# braid: a bare-metal x86_64 microhypervisor. `make help` lists the targets.

BUILD    := build
FUZZ_SEEDS ?= 10
FUZZ_OPS ?= 100000
CC       := gcc
LD       := ld
OBJCOPY  := objcopy

# The hypervisor is freestanding C: no libc, no SSE (guest FPU state is
# never touched), no red zone (exception entry would clobber it).
HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. \
	-ffreestanding -fno-stack-protector -fno-pic -fno-pie -mno-red-zone \
	-mgeneral-regs-only -mcmodel=small -fno-asynchronous-unwind-tables \
	-fno-common -fno-strict-aliasing
# ENTRY_CHECK=1: check every guest state against the VM-entry rules in
# software before entering it (docs/testing.md); `make all` builds that
# image too, as build/entrycheck/braid.elf.
ENTRY_CHECK ?= 0
HV_CFLAGS += -DENTRY_CHECK=$(ENTRY_CHECK)
HV_ASFLAGS := -I. -D__ASSEMBLY__
HV_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack -T linker.ld

HV_SRCS := $(wildcard boot/*.S boot/*.c arch/x86_64/*.S arch/x86_64/*.c \
	hv/*.c mm/*.c lib/*.c insn/*.c dm/*.c loader/*.c)
HV_OBJS := $(patsubst %,$(BUILD)/hv-obj/%.o,$(HV_SRCS))

.PHONY: all tlbplugin iso run bochs debug test unit integration adversarial differential memtest fuzz fuzz-guest bench bench-svg clean help deps deps-run \
	run-linux bochs-linux test-bochs-linux test-smp test-sched-long \
	format check-format entrycheck
all: $(BUILD)/braid.elf guests linux-guest iso tlbplugin entrycheck

$(BUILD)/hv-obj/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/hv-obj/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(HV_CFLAGS) $(HV_ASFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/braid.elf: $(HV_OBJS) linker.ld
	$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS)

-include $(HV_OBJS:.o=.d)

# braid with the software VM-entry checker on, in a build tree of its own.
entrycheck:                   ## build/entrycheck/braid.elf: checks every guest state before entry
	$(MAKE) -s BUILD=$(BUILD)/entrycheck ENTRY_CHECK=1 \
		$(BUILD)/entrycheck/braid.elf

# The TLB model as a QEMU TCG plugin (tools/tlbplugin): a host program.
TLBPLUGIN := $(BUILD)/tools/tlbplugin.so
TLBPLUGIN_SRCS := $(wildcard tools/tlbplugin/*.c) tools/tlbsim/tlb.c \
	tools/tlbsim/tlb_cpus.c
$(TLBPLUGIN): $(TLBPLUGIN_SRCS) $(wildcard tools/tlbplugin/*.h tools/tlbsim/*.h \
		include/braid/*.h) arch/x86_64/vmcb.h mm/pte.h
	@mkdir -p $(dir $@)
	$(CC) -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. -fPIC -shared \
		-fvisibility=hidden -o $@ $(TLBPLUGIN_SRCS)
tlbplugin: $(TLBPLUGIN)       ## the TLB model plugin for QEMU (make bench uses it)

# Toy guests (guests/guests.mk defines GUESTS and the `guests` target).
include guests/guests.mk
include guests/linux/linux.mk

# --- Images --------------------------------------------------------------
# The default ISO: braid plus the toy guests, as `make run` boots them.
RUN_GUESTS ?= hello pagetest churn
BRAID_ARGS ?=
GUEST ?=
INITRD ?=
ARGS ?= name=guest mem=32M paging=nested
ISO := $(BUILD)/braid.iso

ifeq ($(GUEST),)
ISO_MODULES := $(foreach g,$(RUN_GUESTS),$(BUILD)/guests/$(g).elf="name=$(g) mem=32M paging=nested")
ISO_DEPS := $(foreach g,$(RUN_GUESTS),$(BUILD)/guests/$(g).elf)
else
ISO_MODULES := $(GUEST)="$(ARGS)"
ISO_DEPS := $(GUEST)
# INITRD=: the guest's multiboot module, or a Linux kernel's initrd.
ifneq ($(INITRD),)
ISO_MODULES += $(INITRD)="+initrd"
ISO_DEPS += $(INITRD)
endif
endif

# build/braid.iso is for real machines (braid halts when done); the
# emulator ISOs end the emulator with braid's verdict as exit status.
iso: $(ISO)                   ## build/braid.iso, for BIOS/UEFI machines
$(ISO): $(BUILD)/braid.elf $(ISO_DEPS) tools/mkiso.sh FORCE
	tools/mkiso.sh $@ $(BUILD)/braid.elf "$(BRAID_ARGS)" $(ISO_MODULES)
$(BUILD)/run-qemu.iso: $(BUILD)/braid.elf $(ISO_DEPS) tools/mkiso.sh FORCE
	tools/mkiso.sh $@ $(BUILD)/braid.elf "exit=qemu $(BRAID_ARGS)" $(ISO_MODULES)
$(BUILD)/run-bochs.iso: $(BUILD)/braid.elf $(ISO_DEPS) tools/mkiso.sh FORCE
	tools/mkiso.sh $@ $(BUILD)/braid.elf "exit=bochs $(BRAID_ARGS)" $(ISO_MODULES)
FORCE:

# --- Running ---------------------------------------------------------------
QEMU_SMP ?= 2
# One TCG thread for all CPUs unless QEMU_ACCEL says otherwise: with one
# per CPU, QEMU 7.2 corrupts its CPU 0 (docs/emulators.md).
run: deps-run $(BUILD)/run-qemu.iso   ## boot in QEMU (AMD SVM + NPT under TCG), QEMU_SMP CPUs
	QEMU_ACCEL=$${QEMU_ACCEL:-tcg,thread=single} tools/run-qemu.sh $(BUILD)/run-qemu.iso -smp $(QEMU_SMP)
bochs: deps-run $(BUILD)/run-bochs.iso ## boot in Bochs (Intel VMX + EPT)
	tools/run-bochs.sh $(BUILD)/run-bochs.iso
debug: deps-run $(BUILD)/run-qemu.iso  ## QEMU with gdbstub on :1234, paused
	@echo "braid: in another terminal, run: gdb -x .gdbinit"
	tools/run-qemu.sh $(BUILD)/run-qemu.iso -s -S

# A Linux guest with a shell: Debian's kernel and the busybox initramfs of
# guests/linux/. Type `exit` (or braid-exit N) to end it and see its stats.
LINUX_PAGING ?= nested
LINUX_MEM ?= 256M
LINUX_CMDLINE ?= console=ttyS0 quiet braid.run=shell
LINUX_CONSOLE ?= raw
LINUX_MODULES = $(LINUX_OUT)/vmlinuz="name=linux mem=$(LINUX_MEM) \
	paging=$(LINUX_PAGING) console=$(LINUX_CONSOLE) -- $(LINUX_CMDLINE)" \
	$(LINUX_OUT)/initramfs.cpio.gz=+initrd
run-linux: deps-run $(BUILD)/braid.elf linux-guest ## Linux under braid in QEMU, a shell on the console
	tools/mkiso.sh $(BUILD)/run-linux.iso $(BUILD)/braid.elf \
		"exit=qemu $(BRAID_ARGS)" $(LINUX_MODULES)
	tools/run-qemu.sh $(BUILD)/run-linux.iso
# Bochs's serial port here is a log file (no keyboard): run the workloads.
bochs-linux: LINUX_CMDLINE = console=ttyS0 quiet braid.run=all
bochs-linux: LINUX_MEM = 160M
bochs-linux: LINUX_CONSOLE = lines
bochs-linux: deps-run $(BUILD)/braid.elf linux-guest ## Linux workloads under braid in Bochs (Intel VMX; minutes)
	tools/mkiso.sh $(BUILD)/bochs-linux.iso $(BUILD)/braid.elf \
		"exit=bochs $(BRAID_ARGS)" $(LINUX_MODULES)
	BOCHS_MEGS=$${BOCHS_MEGS:-512} tools/run-bochs.sh $(BUILD)/bochs-linux.iso

# --- Tests -----------------------------------------------------------------
test: deps                    ## host unit tests, then both vendors' suites
	tools/test.sh
integration: all
	tests/integration/run.sh
adversarial: deps all         ## hostile guests, every mode, both vendors (part of make test)
	tests/integration/adversarial.sh
differential: deps all       ## differential guest bare and under braid, every mode, both vendors (part of make test)
	tests/integration/differential.sh
memtest: deps all            ## memtest86+: a full pass in every mode on SVM, its tests start on VMX (long)
	tests/integration/memtest.sh
fuzz-guest: deps all          ## differential page-table fuzzing: 10^6 operations per mode and vendor
	tests/integration/ptfuzz.sh $(FUZZ_SEEDS) $(FUZZ_OPS)
test-smp: deps all            ## SMP guests on QEMU -smp 2 in every mode, multi-threaded TCG, Linux too (smp.sh; partly in make test)
	tests/integration/smp.sh
test-bochs-linux: deps all    ## Linux workloads on Bochs/VMX, nested and compound (long)
	tests/integration/linux-bochs.sh
test-sched-long: deps all     ## guests side by side, the whole toy suite in every mode on 2 Bochs CPUs (long)
	SCHED_LONG=1 tests/integration/sched.sh

bench: deps all               ## workloads x modes x vendors, side by side, and translation cost
	tools/bench.sh
	tools/bench-tlb.sh
bench-svg: bench              ## pictures: overhead bars per mode, compound classification over time
	for c in skylake zen2; do tools/tlbsvg $$c <build/bench/tlbcost.csv \
		>build/bench/overhead-$$c.svg || exit 1; done
	for v in svm vmx; do for w in static dynamic mixed; do \
		tools/cpviz build/bench/bench-$$v-compound.log $$w \
			>build/bench/$$w-$$v-compound.svg || exit 1; done; done

unit: deps
	$(MAKE) -C tests/unit BUILD=$(abspath $(BUILD))/unit run; \
	u=$$?; $(MAKE) -C tests/decoder BUILD=$(abspath $(BUILD))/decoder run || u=1; \
	$(MAKE) -C tests/fuzz BUILD=$(abspath $(BUILD))/fuzz replay && exit $$u

# libFuzzer over the host fuzz targets (tests/fuzz): FUZZ_TIME seconds each,
# one at a time; FUZZ_TARGETS="decode gwalk" picks some.
FUZZ_TIME ?= 60
fuzz: deps                    ## host fuzzing: each target FUZZ_TIME s (60), corpus in tests/fuzz/corpus
	$(MAKE) -C tests/fuzz BUILD=$(abspath $(BUILD))/fuzz FUZZ_TIME=$(FUZZ_TIME) fuzz

deps:                         ## install missing Debian packages (needs root)
	tools/deps.sh
deps-run:
	tools/deps.sh --quiet

format:
	clang-format -i $$(git ls-files '*.c' '*.h')
check-format:
	clang-format --dry-run --Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)

help:
	@grep -hE '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*##/\t/'
