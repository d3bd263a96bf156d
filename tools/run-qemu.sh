#!/bin/sh
# Boot an ISO in QEMU on the AMD path: SVM with nested paging under TCG.
# The serial console is this terminal; QEMU's exit status is braid's
# (isa-debug-exit: (code << 1) | 1).
#   tools/run-qemu.sh ISO [extra QEMU args]
set -u
iso=$1
shift
exec qemu-system-x86_64 -accel tcg -cpu "${QEMU_CPU:-qemu64,+svm,+npt}" \
	-m "${QEMU_MEM:-512M}" -smp 1 -no-reboot -display none \
	-serial "${QEMU_SERIAL:-stdio}" -monitor none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-cdrom "$iso" -boot d "$@"
