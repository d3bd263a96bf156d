#!/bin/sh
# Boot a toy guest (build/guests/<name>.elf, multiboot) directly in QEMU
# TCG, without braid: the native baseline of a measurement.
#   tools/run-bare.sh ELF [kernel command line]
# Serial output goes to $QEMU_SERIAL (default: this terminal). Exits with
# the guest's result (what it wrote to isa-debug-exit: 0 for a pass), or
# 125 if QEMU itself failed (it exits 1 then, as for a result of 0).
# QEMU_CPU (qemu64), QEMU_MEM (64M); QEMU_TLBPLUGIN: tools/tlbplugin.sh.
set -u
elf=$1
shift
cmdline=$*
mem=${QEMU_MEM:-64M}
set --
[ -n "$cmdline" ] && set -- -append "$cmdline"
. "$(dirname "$0")/tlbplugin.sh"
err=$(mktemp)
qemu-system-x86_64 -accel tcg -cpu "${QEMU_CPU:-qemu64}" -m "$mem" -smp 1 \
	-no-reboot -display none -serial "${QEMU_SERIAL:-stdio}" -monitor none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$elf" "$@" 2>"$err"
status=$?
cat "$err" >&2
if [ "$status" = 1 ] && grep -v ': warning:' "$err" | grep -q .; then
	rm -f "$err"
	exit 125
fi
rm -f "$err"
exit $((status >> 1))
