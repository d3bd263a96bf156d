#!/bin/sh
# Boot an ISO in Bochs on the Intel path (VT-x with EPT), headless.
# Serial output goes to $BOCHS_SERIAL (default: stdout through a pipe).
# Exit status: 0 after braid's magic breakpoint (success), 1 after the
# 0x8900 shutdown (failure) or a triple fault, per docs/emulators.md.
#   tools/run-bochs.sh ISO
#   BOCHS_CPU=corei7_haswell_4770 BOCHS_MEGS=256 BOCHS_SERIAL=file
#   BOCHS_CPUS=2 (cpu: count=, processors in the MADT and MP table)
set -u
iso=$(realpath "$1")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
serial=${BOCHS_SERIAL:-$dir/serial.log}
follow=
if [ -z "${BOCHS_SERIAL:-}" ]; then
	: >"$serial"
	tail -f "$serial" &
	follow=$!
fi
cat >"$dir/bochsrc" <<RC
megs: ${BOCHS_MEGS:-256}
romimage: file=/usr/share/bochs/BIOS-bochs-latest, options=fastboot
vgaromimage: file=/usr/share/seabios/vgabios-stdvga.bin
display_library: term
cpu: model=${BOCHS_CPU:-corei7_haswell_4770}, count=${BOCHS_CPUS:-1}, ips=${BOCHS_IPS:-10000000}, reset_on_triple_fault=0, ignore_bad_msrs=0
clock: sync=none, time0=local
ata0-master: type=cdrom, path=$iso, status=inserted
boot: cdrom
com1: enabled=1, mode=file, dev=$serial
port_e9_hack: enabled=0
log: $dir/bochs.log
panic: action=fatal
error: action=report
info: action=ignore
debug: action=ignore
magic_break: enabled=1
RC
printf 'continue\nquit\n' >"$dir/dbg.rc"
# Run Bochs in the background and wait, so that a TERM sent to this script
# (by timeout(1), say) can be passed on: it would otherwise keep running.
# Bochs ignores SIGTERM, hence KILL.
TERM=dumb bochs-bin -q -f "$dir/bochsrc" -rc "$dir/dbg.rc" </dev/null >"$dir/bochs.out" 2>&1 &
bochs=$!
trap 'kill -KILL "$bochs" 2>/dev/null; wait "$bochs"; [ -n "${BOCHS_LOG:-}" ] && cp "$dir/bochs.log" "$BOCHS_LOG"; exit 143' TERM INT
wait "$bochs"
rc=$?
trap - TERM INT
if [ -n "$follow" ]; then
	sleep 0.3
	kill "$follow" 2>/dev/null
fi
if [ -n "${BOCHS_LOG:-}" ]; then
	cp "$dir/bochs.log" "$BOCHS_LOG"
fi
# Bochs 2.7 now and then dies by a signal (status 139) on its way out after
# the 0x8900 shutdown request (docs/emulators.md): the run had ended, with
# the failure status that request stands for.
if [ "$rc" -gt 128 ] && grep -q 'Shutdown port: shutdown requested' "$dir/bochs.log"; then
	echo "run-bochs.sh: bochs died (status $rc) after the shutdown request; status 1" >&2
	rc=1
fi
exit $rc
