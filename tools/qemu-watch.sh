#!/bin/bash
# Watch a QEMU run through its monitor, and when the machine shuts down
# (a CPU triple fault, with -no-shutdown), write every CPU's registers to
# a file and end QEMU. What it is for: braid's own code dying, which no
# log of braid's can report (docs/emulators.md, "When braid itself dies").
#   tools/qemu-watch.sh MON OUT [ELF]
# MON: the path given to QEMU as -monitor pipe:MON (the FIFOs MON.in and
# MON.out exist before QEMU starts). OUT: where the registers go. ELF:
# braid's image, to name the function at each CPU's RIP.
# tools/run-qemu.sh runs it when QEMU_DUMP is set.
set -u
mon=$1
out=$2
elf=${3-}

exec 3<>"$mon.in" 4<>"$mon.out"

# ask CMD: the monitor's answer, its echo and escape sequences taken out.
ask() {
	local line reply=
	printf '%s\n' "$1" >&3
	while IFS= read -r -t 1 line <&4; do
		reply+=$line$'\n'
	done
	printf '%s' "$reply" | sed 's/\x1b\[[0-9;]*[A-Za-z]//g; s/\r//g' |
		grep -v '^(qemu)'
}

# name RIP: braid's function there, if it is braid's.
name() {
	[ -n "$elf" ] && addr2line -f -e "$elf" "$1" 2>/dev/null | head -n 1
}

# An empty answer is a slow monitor, not QEMU gone: run-qemu.sh ends this
# script once QEMU has exited (and so does its parent's end).
while sleep 1; do
	kill -0 "$PPID" 2>/dev/null || exit 0
	status=$(ask "info status")
	case $status in
	*shutdown* | *internal-error*) ;;
	*) continue ;;
	esac
	{
		echo "QEMU stopped: $(printf '%s\n' "$status" | grep 'VM status')"
		ask "info registers -a" | tee "$out.full" |
			grep -E '^(CPU#|RIP|CR0|GDT|IDT|TR )' |
			while read -r a b; do
				echo "$a $b"
				case $a in RIP=*)
					f=$(name "0x${a#RIP=}")
					[ -n "$f" ] && [ "$f" != "??" ] &&
						echo "  in braid's $f"
					;;
				esac
			done
	} >"$out"
	ask "quit" >/dev/null
	exit 0
done
