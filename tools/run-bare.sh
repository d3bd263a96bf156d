#!/bin/sh
# Boot a toy guest (build/guests/<name>.elf, multiboot) directly in QEMU
# TCG, without braid: the native baseline of a measurement.
#   tools/run-bare.sh ELF [kernel command line]
# Serial output goes to $QEMU_SERIAL (default: this terminal). Exits with
# the guest's result (what it wrote to isa-debug-exit: 0 for a pass).
# QEMU_CPU (qemu64), QEMU_MEM (64M); QEMU_TLBPLUGIN: tools/tlbplugin.sh.
set -u
elf=$1
shift
cmdline=$*
mem=${QEMU_MEM:-64M}
set --
[ -n "$cmdline" ] && set -- -append "$cmdline"
. "$(dirname "$0")/tlbplugin.sh"
qemu-system-x86_64 -accel tcg -cpu "${QEMU_CPU:-qemu64}" -m "$mem" -smp 1 \
	-no-reboot -display none -serial "${QEMU_SERIAL:-stdio}" -monitor none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$elf" "$@"
status=$?
exit $((status >> 1))
