# SPDX-License-Identifier: MIT
#
# Toy guest kernels. Included by the top-level Makefile; also usable alone
# from the repository root:
#
#   make -f guests/guests.mk guests          build every guest
#   make -f guests/guests.mk guests-native   run them under QEMU TCG (no braid)
#
# Each guest is guests/<name>.c linked with the runtime in guests/rt/ into
#   build/guests/<name>.elf64   ELF64, linked at 1 MiB
#   build/guests/<name>.elf     the same as ELF32, which QEMU -kernel loads
# Adding a guest: write guests/<name>.c (define guest_main) and add <name>
# to GUESTS.

GUESTS := hello pagetest churn triple wild virtinsn conformance ptmod badpt \
	static dynamic mixed irq sleeper tlbstride exitcost stateleak quietwait spin hostile ptfuzz \
	diffcpu smp

GUEST_SAVED_GOAL := $(.DEFAULT_GOAL)

GUEST_CC ?= $(CC)
GUEST_LD ?= $(LD)
GUEST_OBJCOPY ?= objcopy
GUEST_QEMU ?= qemu-system-x86_64

GUEST_DIR := guests
GUEST_OUT := build/guests

GUEST_CFLAGS := -ffreestanding -fno-stack-protector -fno-pic -mno-red-zone \
	-mno-sse -mno-mmx -mno-avx -mgeneral-regs-only -nostdlib -O2 \
	-Wall -Wextra -Werror -std=gnu11 -I include -I $(GUEST_DIR)/rt \
	-fno-asynchronous-unwind-tables -g -MMD -MP
GUEST_ASFLAGS := $(filter-out -std=gnu11,$(GUEST_CFLAGS))
GUEST_LDFLAGS := -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
	-T $(GUEST_DIR)/rt/guest.ld

GUEST_RT_C := $(wildcard $(GUEST_DIR)/rt/*.c)
GUEST_RT_S := $(wildcard $(GUEST_DIR)/rt/*.S)
GUEST_RT_COBJS := $(patsubst $(GUEST_DIR)/%.c,$(GUEST_OUT)/%.o,$(GUEST_RT_C))
GUEST_RT_SOBJS := $(patsubst $(GUEST_DIR)/%.S,$(GUEST_OUT)/%.o,$(GUEST_RT_S))
# braid's own freestanding printf and string functions, compiled unchanged
# into every guest: one implementation, not a copy.
GUEST_LIB_C := lib/printf.c lib/string.c
GUEST_LIB_OBJS := $(GUEST_LIB_C:lib/%.c=$(GUEST_OUT)/lib/%.o)
GUEST_RT_OBJS := $(GUEST_RT_SOBJS) $(GUEST_RT_COBJS) $(GUEST_LIB_OBJS)
GUEST_MAIN_OBJS := $(GUESTS:%=$(GUEST_OUT)/%.o)
GUEST_ELF64 := $(GUESTS:%=$(GUEST_OUT)/%.elf64)
GUEST_ELF := $(GUESTS:%=$(GUEST_OUT)/%.elf)

.PHONY: guests guests-clean guests-native

guests: $(GUEST_ELF) $(GUEST_ELF64)

# Static pattern rules: they beat any generic build/%.o rule of the
# including Makefile, so guests always get their own flags.
$(GUEST_RT_COBJS) $(GUEST_MAIN_OBJS): $(GUEST_OUT)/%.o: $(GUEST_DIR)/%.c \
		$(GUEST_DIR)/guests.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -c $< -o $@

$(GUEST_LIB_OBJS): $(GUEST_OUT)/lib/%.o: lib/%.c $(GUEST_DIR)/guests.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_CFLAGS) -I . -c $< -o $@
$(GUEST_OUT)/rt/printf.o: GUEST_CFLAGS += -I .

$(GUEST_RT_SOBJS): $(GUEST_OUT)/%.o: $(GUEST_DIR)/%.S $(GUEST_DIR)/guests.mk
	@mkdir -p $(dir $@)
	$(GUEST_CC) $(GUEST_ASFLAGS) -c $< -o $@

$(GUEST_ELF64): $(GUEST_OUT)/%.elf64: $(GUEST_OUT)/%.o $(GUEST_RT_OBJS) \
		$(GUEST_DIR)/rt/guest.ld
	$(GUEST_LD) $(GUEST_LDFLAGS) -o $@ $< $(GUEST_RT_OBJS)

# QEMU's -kernel loads multiboot kernels only from ELF32 files; the bytes
# (64-bit code included) are unchanged, only the container differs.
$(GUEST_ELF): $(GUEST_OUT)/%.elf: $(GUEST_OUT)/%.elf64
	$(GUEST_OBJCOPY) -O elf32-i386 $< $@

guests-clean:
	rm -rf $(GUEST_OUT)

# Native smoke test under QEMU TCG: the result each guest should produce
# without braid (QEMU exit status (v << 1) | 1; 0 after a triple fault).
GUEST_QEMU_FLAGS := -accel tcg -nographic -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
GUEST_NATIVE_EXPECT := hello:1 pagetest:1 churn:1 triple:0 wild:3 virtinsn:3 \
	irq:1
GUEST_NATIVE_CPUS := max qemu64
GUEST_NATIVE_MEMS := 32M 16M

guests-native: $(GUEST_ELF)
	@fail=0; \
	for cpu in $(GUEST_NATIVE_CPUS); do \
	for mem in $(GUEST_NATIVE_MEMS); do \
	for pair in $(GUEST_NATIVE_EXPECT); do \
		g=$${pair%%:*}; want=$${pair##*:}; \
		log=$(GUEST_OUT)/$$g-$$cpu-$$mem.log; \
		timeout 60 $(GUEST_QEMU) $(GUEST_QEMU_FLAGS) -m $$mem -cpu $$cpu \
			 -kernel $(GUEST_OUT)/$$g.elf \
			</dev/null >$$log 2>&1; got=$$?; \
		if [ $$got = $$want ]; then r=ok; else r=BAD; fail=1; fi; \
		printf '%-4s %-9s cpu=%-7s mem=%-4s status %s (want %s)  %s\n' \
			$$r $$g $$cpu $$mem $$got $$want "$$(grep -a SUMMARY $$log)"; \
	done; done; done; exit $$fail

-include $(GUEST_RT_OBJS:.o=.d) $(GUEST_MAIN_OBJS:.o=.d)

# Including this file must not change the includer's default goal; alone,
# it defaults to building the guests.
ifeq ($(notdir $(firstword $(MAKEFILE_LIST))),guests.mk)
.DEFAULT_GOAL := guests
else
.DEFAULT_GOAL := $(GUEST_SAVED_GOAL)
endif
