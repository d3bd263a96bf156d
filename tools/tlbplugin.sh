# Sourced by the QEMU runners (tools/run-qemu.sh, run-bare.sh,
# run-linux-bare.sh) with $mem set to QEMU's -m: when QEMU_TLBPLUGIN=FILE
# is set, prepend to "$@" the arguments that run the TLB model
# (tools/tlbplugin, `make tlbplugin`) with its window lines going to FILE;
# QEMU_TLBPLUGIN_OPTS adds plugin options (cpu=zen2, bare=on, label=...).
# The plugin reads RAM through the file QEMU is told to back it with.
if [ -n "${QEMU_TLBPLUGIN:-}" ]; then
	tlbplugin_so=$(cd "$(dirname "$0")/.." && pwd)/build/tools/tlbplugin.so
	# The caller's own EXIT trap, if it sets one later, must remove
	# $tlbplugin_ram too.
	[ -f "$tlbplugin_so" ] || {
		echo "$0: $tlbplugin_so is missing (make tlbplugin)" >&2
		exit 2
	}
	tlbplugin_ram=$(mktemp /dev/shm/braid-ram.XXXXXX)
	trap 'rm -f "$tlbplugin_ram"' EXIT
	set -- -object "memory-backend-file,id=ram0,size=$mem,mem-path=$tlbplugin_ram,share=on" \
		-machine pc,memory-backend=ram0 \
		-plugin "$tlbplugin_so,ram=$tlbplugin_ram,out=$QEMU_TLBPLUGIN${QEMU_TLBPLUGIN_OPTS:+,$QEMU_TLBPLUGIN_OPTS}" \
		"$@"
fi
