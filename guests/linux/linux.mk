# SPDX-License-Identifier: MIT
#
# The Linux guest: Debian's unmodified kernel plus an initramfs of busybox
# and our workload programs (guests/linux/README.md). Included by the
# top-level Makefile; also usable alone from the repository root:
#
#   make -f guests/linux/linux.mk linux-guest   kernel and initramfs
#   make -f guests/linux/linux.mk linux-bare    boot them in QEMU, no braid
#
# Outputs, in build/linux/:
#   vmlinuz             a copy of LINUX_KERNEL (a bzImage)
#   initramfs.cpio.gz   busybox, /init and bin/<workload>
#   bin/<program>       the static workload programs
# Adding a workload: write guests/linux/<name>.c, add <name> to
# LINUX_WORKLOADS here and to WORKLOADS (run by braid.run=all) or
# EXTRA_WORKLOADS (run only by name) in guests/linux/init.

LINUX_SAVED_GOAL := $(.DEFAULT_GOAL)

# The newest Debian kernel installed (version order, so -10 beats -9).
LINUX_KERNEL ?= $(shell ls -v /boot/vmlinuz-*-amd64 2>/dev/null | tail -n 1)
LINUX_CC ?= gcc
LINUX_CFLAGS := -std=gnu11 -static -O2 -Wall -Wextra -Werror -s -I include

LINUX_DIR := guests/linux
LINUX_OUT := build/linux
LINUX_WORKLOADS := forkexec mmapchurn bigws mixws mtchurn
LINUX_PROGS := $(LINUX_WORKLOADS) braid-exit
LINUX_BINS := $(LINUX_PROGS:%=$(LINUX_OUT)/bin/%)

.PHONY: linux-guest linux-bare linux-clean linux-force

linux-guest: $(LINUX_OUT)/vmlinuz $(LINUX_OUT)/initramfs.cpio.gz ## Linux guest: Debian kernel + initramfs

# Copied only when the bytes differ, so a kernel upgrade (or a different
# LINUX_KERNEL) is picked up without needless rebuilds downstream.
$(LINUX_OUT)/vmlinuz: linux-force
	@test -n "$(LINUX_KERNEL)" || { echo "linux.mk: no /boot/vmlinuz-*-amd64;" \
		"apt-get install linux-image-amd64 or set LINUX_KERNEL" >&2; exit 1; }
	@mkdir -p $(dir $@)
	@cmp -s "$(LINUX_KERNEL)" $@ || { echo "cp $(LINUX_KERNEL) $@"; \
		cp "$(LINUX_KERNEL)" $@; }

# Static pattern rule, so an includer's generic rules never apply.
$(LINUX_BINS): $(LINUX_OUT)/bin/%: $(LINUX_DIR)/%.c $(LINUX_DIR)/wl.h \
		include/braid/marker.h \
		$(LINUX_DIR)/linux.mk
	@mkdir -p $(dir $@)
	$(LINUX_CC) $(LINUX_CFLAGS) -o $@ $<

$(LINUX_OUT)/initramfs.cpio.gz: $(LINUX_BINS) $(LINUX_DIR)/init \
		tools/mkinitramfs.sh $(LINUX_DIR)/linux.mk
	tools/mkinitramfs.sh $@ $(LINUX_BINS)

linux-bare: linux-guest ## boot the Linux guest in QEMU TCG without braid
	tools/run-linux-bare.sh $(LINUX_ARGS)

linux-clean:
	rm -rf $(LINUX_OUT)

# Including this file must not change the includer's default goal; alone,
# it defaults to building the guest.
ifeq ($(notdir $(firstword $(MAKEFILE_LIST))),linux.mk)
.DEFAULT_GOAL := linux-guest
else
.DEFAULT_GOAL := $(LINUX_SAVED_GOAL)
endif
