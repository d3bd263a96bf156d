#!/bin/sh
# SPDX-License-Identifier: MIT
#
# Build the Linux guest's initramfs: a gzipped newc cpio holding Debian's
# static busybox (with its applets as symlinks in /bin), /init from
# guests/linux/init, the workload programs in /bin, and the device nodes
# /dev/console, /dev/ttyS0 and /dev/null.
#
#   tools/mkinitramfs.sh OUT.cpio.gz [PROGRAM...]
#
# PROGRAMs are copied to /bin (default: every file in build/linux/bin/).
# BUSYBOX and INIT override /bin/busybox and guests/linux/init.
#
# Needs no root: the device nodes never exist on the host, they are
# written as cpio entries of their own. The output is reproducible: fixed
# owner, mode, file order and mtime (SOURCE_DATE_EPOCH, default 0), cpio
# inode numbers and gzip header independent of the build machine.
set -eu
umask 022

[ $# -ge 1 ] || {
	echo "usage: $0 OUT.cpio.gz [PROGRAM...]" >&2
	exit 2
}
out=$1
shift
top=$(cd "$(dirname "$0")/.." && pwd)
busybox=${BUSYBOX:-/bin/busybox}
init=${INIT:-$top/guests/linux/init}
mtime=${SOURCE_DATE_EPOCH:-0}
[ $# -gt 0 ] || set -- "$top"/build/linux/bin/*

for f in "$busybox" "$init" "$@"; do
	[ -f "$f" ] || {
		echo "mkinitramfs: missing $f (run make linux-guest)" >&2
		exit 1
	}
done

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p "$root/bin" "$root/dev" "$root/proc" "$root/sys" "$root/tmp" \
	"$root/root" "$root/usr"
chmod 1777 "$root/tmp"
chmod 700 "$root/root"
install -m 755 "$init" "$root/init"
install -m 755 "$busybox" "$root/bin/busybox"
for p in "$@"; do
	install -m 755 "$p" "$root/bin/$(basename "$p")"
done
# Applet links at build time: nothing to set up at boot, and our own
# programs win over an applet of the same name. init and linuxrc are left
# out so nothing can mistake busybox's init for ours.
for a in $("$busybox" --list); do
	case $a in busybox | init | linuxrc) continue ;; esac
	[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
ln -s bin "$root/sbin"
ln -s ../bin "$root/usr/bin"
ln -s ../bin "$root/usr/sbin"
find "$root" -exec touch -h -d "@$mtime" {} +

# One newc header (110 bytes of ASCII hex) and NUL-terminated name, padded
# to 4 bytes; device nodes have no data.
newc_node() { # INO MODE MAJOR MINOR NAME
	namesize=$((${#5} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		"$1" "$2" 0 0 1 "$mtime" 0 0 0 "$3" "$4" "$namesize" 0
	printf '%s\0' "$5"
	head -c $(((4 - (110 + namesize) % 4) % 4)) /dev/zero
}

# The kernel unpacks concatenated archives in turn, so the nodes follow
# the files in an archive of their own, after dev/ exists. Inode numbers
# start high to stay clear of the first archive's.
(
	cd "$root"
	find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0 --reproducible
	chr=$((0020000))
	newc_node 100001 $((chr | 0600)) 5 1 dev/console
	newc_node 100002 $((chr | 0660)) 4 64 dev/ttyS0
	newc_node 100003 $((chr | 0666)) 1 3 dev/null
	newc_node 100004 0 0 0 'TRAILER!!!'
) | gzip -9 -n >"$stage/out.cpio.gz"
mkdir -p "$(dirname "$out")"
# Copy next to the target first, so OUT is never seen half-written.
cp "$stage/out.cpio.gz" "$out.tmp"
mv "$out.tmp" "$out"
