#!/bin/sh
# Build a bootable GRUB ISO (BIOS, and UEFI where grub-efi-amd64-bin is
# installed) holding braid and its guest modules.
#
#   tools/mkiso.sh OUT.iso braid.elf "BRAID ARGS" [FILE="MODULE ARGS"]...
#
# Each FILE becomes a multiboot2 module with MODULE ARGS as its command
# line; a module line starting with "+" is attached to the guest before it.
# MKISO_MULTIBOOT=1 makes GRUB load braid with the multiboot (v1) protocol.
# A second menu entry boots braid with no guests, to show its boot report
# of the machine; MKISO_DEFAULT=1 makes it the default.
set -eu
kcmd=multiboot2 mcmd=module2
if [ "${MKISO_MULTIBOOT:-2}" = 1 ]; then
	kcmd=multiboot mcmd=module
fi
out=$1 kernel=$2 args=$3
shift 3
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/boot/grub" "$stage/boot/braid"
cp "$kernel" "$stage/boot/braid/braid.elf"
cfg=$stage/boot/grub/grub.cfg
# braid asks for a framebuffer (boot/header.S). Under UEFI GRUB can only
# pass on the GOP's if its efi_gop video driver is loaded. Under BIOS it
# turns the request into gfxpayload=auto when it loads braid, a graphics
# mode; there the VGA text mode is cheaper to draw on and what the
# firmware showed, so ask for it back after the load.
textmode() {
	echo "	if [ \"\${grub_platform}\" = pc ]; then set gfxpayload=text; fi"
}
{
	echo "set timeout=0"
	echo "set default=${MKISO_DEFAULT:-0}"
	echo "serial --unit=0 --speed=115200"
	echo "terminal_output serial console"
	echo "terminal_input serial console"
	echo "if [ \"\${grub_platform}\" = efi ]; then insmod efi_gop; fi"
	echo "menuentry \"braid\" {"
	echo "	$kcmd /boot/braid/braid.elf $args"
	textmode
} >"$cfg"
n=0
for m in "$@"; do
	file=${m%%=*}
	margs=${m#*=}
	[ "$file" = "$m" ] && margs=
	n=$((n + 1))
	name=$n-$(basename "$file")
	cp "$file" "$stage/boot/braid/$name"
	echo "	$mcmd /boot/braid/$name $margs" >>"$cfg"
done
echo "}" >>"$cfg"
{
	echo "menuentry \"braid: report on this machine (no guests)\" {"
	echo "	$kcmd /boot/braid/braid.elf $args"
	textmode
	echo "}"
} >>"$cfg"
mkdir -p "$(dirname "$out")"
grub-mkrescue -o "$out" "$stage" >"$out.log" 2>&1 || {
	cat "$out.log" >&2
	exit 1
}
