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
#   QEMU_DUMP=FILE: if the machine shuts down (a triple fault of braid's
#   own code), every CPU's registers go to FILE (tools/qemu-watch.sh;
#   QEMU_DUMP_ELF names braid's function at each RIP).
set -u
iso=$1
shift
mem=${QEMU_MEM:-512M}
. "$(dirname "$0")/tlbplugin.sh"
[ -n "${QEMU_UEFI:-}" ] && set -- -bios /usr/share/ovmf/OVMF.fd "$@"
watch=
mondir=
if [ -n "${QEMU_DUMP:-}" ]; then
	# No watcher without its FIFOs: then a shutdown ends QEMU as before.
	if mondir=$(mktemp -d /tmp/braid-mon.XXXXXX) &&
		mkfifo "$mondir/mon.in" "$mondir/mon.out"; then
		trap 'rm -rf "$mondir"' EXIT
		QEMU_MONITOR=pipe:$mondir/mon
		set -- -no-shutdown "$@"
		"$(dirname "$0")/qemu-watch.sh" "$mondir/mon" "$QEMU_DUMP" \
			"${QEMU_DUMP_ELF-}" &
		watch=$!
	else
		echo "run-qemu.sh: no monitor FIFOs; no register dump" >&2
	fi
fi
qemu-system-x86_64 -accel "${QEMU_ACCEL:-tcg}" -cpu "${QEMU_CPU:-qemu64,+svm,+npt}" \
	-m "$mem" -smp 1 -no-reboot -display none \
	-serial "${QEMU_SERIAL:-stdio}" -monitor "${QEMU_MONITOR:-none}" \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-cdrom "$iso" -boot d "$@"
status=$?
if [ -n "$watch" ]; then
	kill "$watch" 2>/dev/null
	wait "$watch" 2>/dev/null
fi
[ "$status" = 1 ] && exit 0
exit "$status"
