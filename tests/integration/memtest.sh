#!/bin/bash
# memtest86+ (Debian's, a bzImage: /boot/memtest86+x64.bin) under braid:
# on QEMU/SVM one full pass in each paging mode, on Bochs/VMX its first
# test under nested paging. memtest never ends by itself: braid stops each
# guest at its timeout= and the check reads memtest's own status line
# (mirrored to the serial port with console=ttyS0): "Pass: 1" and
# "Errors: 0". Long (about 6 minutes a mode on QEMU): make memtest, not
# part of make test.
#   tests/integration/memtest.sh [svm|vmx ...]   (OUT=build/test)
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
mkdir -p "$OUT"
MT=${MEMTEST:-/boot/memtest86+x64.bin}
MT_TIME=${MEMTEST_TIME:-480}

# memtest's screen, as plain text: escape sequences out.
mt_screen() { # GUEST
	grep -a "^\[$1\] " "$LOG" | sed 's/^\[[^]]*\] //; s/\x1b\[[0-9;]*[A-Za-z]/ /g'
}

memtest_svm() {
	local m mods=()
	for m in nested shadow compound; do
		mods+=("$MT=name=mt-$m mem=64M paging=$m timeout=$MT_TIME -- console=ttyS0,115200")
	done
	BOOT_TIMEOUT=$((3 * MT_TIME + 300)) boot memtest-svm qemu "qemu64,+svm,+npt" \
		"exit=qemu" "${mods[@]}"
	for m in nested shadow compound; do
		if mt_screen "mt-$m" | grep -q 'Pass: *1'; then
			pass "memtest-svm: $m: memtest86+ completed a pass"
		else
			fail "memtest-svm: $m: no completed pass (log $LOG)"
		fi
		if mt_screen "mt-$m" | grep -o 'Errors: *[0-9][0-9]*' | grep -vq 'Errors: *0$'; then
			fail "memtest-svm: $m: memtest86+ reports errors"
		else
			pass "memtest-svm: $m: no errors reported"
		fi
		expect_line memtest-svm "$m: stopped at its time limit, nothing else" \
			"braid: guest mt-$m: stopped: still running after $MT_TIME s"
	done
}

memtest_vmx() {
	BOOT_TIMEOUT=1500 boot memtest-vmx bochs corei7_haswell_4770 "exit=bochs" \
		"$MT=name=mt-nested mem=32M timeout=600 -- console=ttyS0,115200"
	if mt_screen mt-nested | grep -q '#[1-9] *\['; then
		pass "memtest-vmx: memtest86+ boots and runs its tests"
	else
		fail "memtest-vmx: memtest86+ did not get to its second test (log $LOG)"
	fi
	if mt_screen mt-nested | grep -o 'Errors: *[0-9][0-9]*' | grep -vq 'Errors: *0$'; then
		fail "memtest-vmx: memtest86+ reports errors"
	else
		pass "memtest-vmx: no errors reported"
	fi
}

if [ ! -r "$MT" ]; then
	skip "memtest: $MT not installed (apt-get install memtest86+)"
else
	for v in ${@:-svm vmx}; do
		"memtest_$v"
	done
fi
echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
