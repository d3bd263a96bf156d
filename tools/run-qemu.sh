#!/bin/sh
# Boot an ISO in QEMU on the AMD path: SVM with nested paging under TCG.
# The serial console is this terminal. braid ends QEMU through
# isa-debug-exit, so QEMU exits with (value << 1) | 1; a value of 0 (every
# guest passed) becomes status 0 here, anything else is passed on as is,
# exactly as QEMU reported it.
#   tools/run-qemu.sh ISO [extra QEMU args]
#   QEMU_UEFI=1 boots through OVMF instead of SeaBIOS (GRUB EFI needs
#   QEMU_MEM >= 512M).
#   QEMU_ACCEL=tcg,thread=single runs TCG on one host thread.
#   QEMU_TLBPLUGIN=FILE runs the TLB model: see tools/tlbplugin.sh.
set -u
iso=$1
shift
mem=${QEMU_MEM:-512M}
. "$(dirname "$0")/tlbplugin.sh"
[ -n "${QEMU_UEFI:-}" ] && set -- -bios /usr/share/ovmf/OVMF.fd "$@"
qemu-system-x86_64 -accel "${QEMU_ACCEL:-tcg}" -cpu "${QEMU_CPU:-qemu64,+svm,+npt}" \
	-m "$mem" -smp 1 -no-reboot -display none \
	-serial "${QEMU_SERIAL:-stdio}" -monitor "${QEMU_MONITOR:-none}" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-cdrom "$iso" -boot d "$@"
status=$?
[ "$status" = 1 ] && exit 0
exit "$status"
