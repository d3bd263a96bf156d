# braid's own console on other UARTs than COM1 (hv/hostcons.c): a machine
# whose only 16550 is COM2 (found by probing, and named by console=), a
# PCI UART named by console=io:PORT, and a bad console= value. Each run
# checks that the toy guest's pass marker and braid's summary line arrive
# on the chosen port. Sourced by tests/integration/run.sh (lib.sh first);
# on its own:  OUT=/tmp/x bash tests/integration/console.sh
G=${G:-build/guests}

# boot_uart SCENARIO "BRAID ARGS" "QEMU DEVICE ARGS" MODULE...: like
# boot(), on QEMU/SVM with no COM1; the log is what chardev "c" received.
boot_uart() {
	local scenario=$1 args=$2 dev=$3
	shift 3
	LOG=$OUT/$scenario.log
	: >"$LOG"
	tools/mkiso.sh "$OUT/$scenario.iso" build/braid.elf "$args" "$@" \
		>/dev/null 2>&1 || { STATUS=255; return; }
	# shellcheck disable=SC2086  # $dev is a list of QEMU arguments
	QEMU_SERIAL=none timeout "${BOOT_TIMEOUT:-240}" tools/run-qemu.sh \
		"$OUT/$scenario.iso" -chardev "file,id=c,path=$LOG" $dev \
		>/dev/null 2>&1
	STATUS=$?
	tr -d '\r' <"$LOG" >"$LOG.txt" && mv "$LOG.txt" "$LOG"
}

# check_uart SCENARIO "CONSOLE LINE": the guest passed, braid named the
# console it chose, and the summary came through on it.
check_uart() {
	expect_status "$1" 0
	expect_line "$1" "console named" "$2"
	expect_line "$1" "hello passed on it" "[hello] SUMMARY: "
	expect_guest_pass "$1" hello
	expect_line "$1" "summary on it" "braid: summary: 1 guests, 1 passed, 0 failed"
}

# The I/O port SeaBIOS gives a pci-serial's BAR0 on this QEMU, read from
# its monitor once the firmware has run (braid does not scan PCI). No
# isa-debug-exit here: braid must not end QEMU before the monitor looks.
pci_uart_port() {
	(sleep 3; echo "info pci"; sleep 1; echo quit) |
		timeout 30 qemu-system-x86_64 -accel tcg -cpu qemu64,+svm,+npt \
			-m 512M -smp 1 -display none -serial none -monitor stdio \
			-chardev null,id=c -device pci-serial,chardev=c \
			-cdrom "$1" -boot d -no-reboot 2>/dev/null |
		grep -A4 'Serial port' | grep -o 'BAR0: I/O at 0x[0-9a-f]*' |
		grep -o '0x[0-9a-f]*$'
}

run_console_checks() {
	local com2="-device isa-serial,iobase=0x2f8,irq=3,chardev=c" port
	local hello="$G/hello.elf=name=hello mem=32M"

	boot_uart console-com2-probed "exit=qemu" "$com2" "$hello"
	check_uart console-com2-probed \
		"braid: boot: console com2 (0x2f8, 115200 baud, probed)"

	boot_uart console-com2-option "exit=qemu console=com2,keep" "$com2" "$hello"
	check_uart console-com2-option \
		"braid: boot: console com2 (0x2f8, firmware's settings, console=)"

	boot_uart console-bogus "exit=qemu console=bogus" "$com2" "$hello"
	check_uart console-bogus \
		"braid: boot: console com2 (0x2f8, 115200 baud, probed)"
	expect_line console-bogus "bad value named" \
		"braid: boot: error: console=bogus is not a console"

	port=$(pci_uart_port "$OUT/console-bogus.iso")
	if [ -z "$port" ]; then
		skip "console-pci: QEMU's monitor showed no pci-serial BAR"
		return
	fi
	boot_uart console-pci "exit=qemu console=io:$port" \
		"-device pci-serial,chardev=c" "$hello"
	check_uart console-pci \
		"braid: boot: console io ($port, 115200 baud, console=)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -u
	cd "$(dirname "$0")/../.."
	. tests/integration/lib.sh
	mkdir -p "$OUT"
	run_console_checks
	echo "console: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" = 0 ]
fi
