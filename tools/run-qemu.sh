#!/bin/sh
# Boot an ISO in QEMU on the AMD path: SVM with nested paging under TCG.
# The serial console is this terminal. braid ends QEMU through
# isa-debug-exit, so QEMU exits with (value << 1) | 1; a value of 0 (every
# guest passed) becomes status 0 here, anything else is passed on as is,
# exactly as QEMU reported it.
#   tools/run-qemu.sh ISO [extra QEMU args]
#   QEMU_UEFI=1 boots through OVMF instead of SeaBIOS (GRUB EFI needs
#   QEMU_MEM >= 512M).
set -u
iso=$1
shift
[ -n "${QEMU_UEFI:-}" ] && set -- -bios /usr/share/ovmf/OVMF.fd "$@"
qemu-system-x86_64 -accel tcg -cpu "${QEMU_CPU:-qemu64,+svm,+npt}" \
	-m "${QEMU_MEM:-512M}" -smp 1 -no-reboot -display none \
	-serial "${QEMU_SERIAL:-stdio}" -monitor none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-cdrom "$iso" -boot d "$@"
status=$?
[ "$status" = 1 ] && exit 0
exit "$status"
