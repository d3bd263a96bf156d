#!/bin/sh
# Install the Debian packages braid needs, if any are missing.
#   tools/deps.sh          everything: build, run, test
#   tools/deps.sh --quiet  only what `make run` / `make bochs` need, silently
# As root it runs apt-get; otherwise it names the missing packages.
set -eu
BUILD_PKGS="gcc clang libclang-rt-14-dev make binutils libcmocka-dev libcapstone-dev \
linux-image-amd64 busybox-static cpio memtest86+"
RUN_PKGS="qemu-system-x86 bochs bochsbios bochs-term seabios grub-pc-bin \
grub-efi-amd64-bin grub-common ovmf xorriso mtools"
quiet=
pkgs="$BUILD_PKGS $RUN_PKGS"
[ "${1:-}" = "--quiet" ] && quiet=1 pkgs=$RUN_PKGS

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "braid needs these Debian packages:$missing" >&2
	echo "install them with: sudo apt-get install$missing" >&2
	exit 1
fi
[ -n "$quiet" ] || echo "braid: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >/dev/null
