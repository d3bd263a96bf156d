#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Boot the Linux guest (build/linux/vmlinuz + initramfs.cpio.gz, from
# `make linux-guest`) directly in QEMU TCG, without braid: the reference
# the same guest under braid is compared with.
#
#   tools/run-linux-bare.sh [extra kernel args]   e.g. braid.scale=0.5
#
# The serial console goes to stdout (and build/linux/bare.log). Exits with
# the guest's code: /init writes it to isa-debug-exit, so QEMU exits with
# status (code << 1) | 1. Prints to stderr, measured on the host from QEMU's
# start, when the BRAID-INIT line arrived, when BRAID-EXIT did, and when
# QEMU was gone:
#
#   bare: init_ms=N exit_ms=N total_ms=N code=N
#
# Environment: QEMU_CPU (qemu64), QEMU_MEM (256M), QEMU_SMP (CPUs, 1),
# LINUX_TIMEOUT (seconds, 600), LINUX_KERNEL, LINUX_INITRD, LINUX_LOG;
# QEMU_TLBPLUGIN: see tools/tlbplugin.sh.
# With braid.run=shell, the console is the terminal as is (^C goes to the
# guest; ^A x quits QEMU) and nothing is timed.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
kernel=${LINUX_KERNEL:-$top/build/linux/vmlinuz}
initrd=${LINUX_INITRD:-$top/build/linux/initramfs.cpio.gz}
log=${LINUX_LOG:-$top/build/linux/bare.log}
for f in "$kernel" "$initrd"; do
	[ -f "$f" ] || {
		echo "run-linux-bare: missing $f (run make linux-guest)" >&2
		exit 1
	}
done

# panic=-1: a kernel panic reboots, which -no-reboot turns into QEMU
# exiting, instead of a guest that hangs until the timeout.
append="console=ttyS0 quiet panic=-1 braid.run=all $*"
mem=${QEMU_MEM:-256M}
set -- -accel tcg -cpu "${QEMU_CPU:-qemu64}" -m "$mem" -smp "${QEMU_SMP:-1}" \
	-display none -no-reboot \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
	-kernel "$kernel" -initrd "$initrd" -append "$append"
. "$top/tools/tlbplugin.sh"

case " $append " in
*" braid.run=shell "*)
	# The last braid.run= wins in /init; a shell anywhere means a person
	# at the console, so hand it over untouched.
	status=0
	qemu-system-x86_64 "$@" -monitor none \
		-chardev stdio,id=con,mux=on,signal=off -serial chardev:con \
		-mon chardev=con,mode=readline || status=$?
	exit $((status >> 1))
	;;
esac

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp" ${tlbplugin_ram:+"$tlbplugin_ram"}' EXIT
mkdir -p "$(dirname "$log")"
start=$(now_ms)
{
	status=0
	timeout "${LINUX_TIMEOUT:-600}" qemu-system-x86_64 "$@" \
		-monitor none -serial stdio </dev/null || status=$?
	echo "$status" >"$tmp/status"
} | {
	# Timestamp each serial line as it arrives; the console sends CRLF.
	cr=$(printf '\r')
	init_ms=- exit_ms=-
	while IFS= read -r line; do
		t=$(($(now_ms) - start))
		line=${line%"$cr"}
		printf '%s\n' "$line"
		case $line in
		BRAID-INIT\ start*) init_ms=$t ;;
		BRAID-EXIT\ *) exit_ms=$t ;;
		esac
	done
	echo "$init_ms $exit_ms $(($(now_ms) - start))" >"$tmp/times"
} | tee "$log"

status=$(cat "$tmp/status")
read -r init_ms exit_ms total_ms <"$tmp/times"
# An odd status came from isa-debug-exit; anything else means the guest
# never reported (timeout, reboot fallback, QEMU error): take the code
# from its BRAID-EXIT line if it printed one, else fail with 125.
if [ $((status % 2)) = 1 ]; then
	code=$(((status - 1) / 2))
else
	code=$(sed -n 's/^BRAID-EXIT code=\([0-9]*\).*/\1/p' "$log" | tail -n 1)
	echo "run-linux-bare: QEMU status $status, no debug-exit" >&2
	code=${code:-125}
fi
echo "bare: init_ms=$init_ms exit_ms=$exit_ms total_ms=$total_ms code=$code" >&2
exit "$code"
