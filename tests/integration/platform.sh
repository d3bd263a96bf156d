#!/bin/bash
# The platform around braid on a real machine (issue 15), as far as an
# emulator can provoke it: host NMIs and machine checks delivered through
# QEMU's monitor while a guest runs and while braid waits in its own HLT.
#
# Sourced by tests/integration/run.sh (uses its pass/fail counters), or run
# alone: tests/integration/platform.sh
set -u
if [ -z "${PLATFORM_SOURCED-}" ]; then
	cd "$(dirname "$0")/../.."
	. tests/integration/lib.sh
	mkdir -p "$OUT"
fi

# wait_for_line FILE STRING [SECONDS]: until FILE has a line with STRING.
wait_for_line() {
	local i
	for i in $(seq 1 "$((${3:-120} * 10))"); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# QEMU's monitor on stdin: "nmi" while the spin guest spins in the guest
# (TCG checks the SVM NMI intercept), then "nmi" and "mce" while the
# sleeper naps, when the CPU is in braid's HLT. (TCG raises a machine
# check in guest mode only through the guest's CR4.MCE, which no braid
# guest has, and then resets the whole machine: docs/emulators.md.) A
# machine-check bank holds an uncorrected error with MCG_STATUS RIPV|MCIP,
# as firmware-first platforms report one the interrupted code survives.
host_events_svm() {
	local s=svm-host-events iso log
	iso=$OUT/$s.iso
	LOG=$OUT/$s.log
	: >"$LOG"
	# One guest at a time (sched=serial): the NMIs are aimed at a CPU in
	# a spinning guest, then at one in braid's own HLT.
	tools/mkiso.sh "$iso" build/braid.elf "exit=qemu sched=serial" \
		"$G/spin.elf=name=spin timeout=4" \
		"$G/sleeper.elf=name=napper -- nap" "$G/hello.elf=name=hello" || {
		fail "$s: ISO not built"
		return
	}
	{
		wait_for_line "$LOG" "[spin] spin: sti; spinning" && sleep 1 && echo nmi
		wait_for_line "$LOG" "sleeper: napping" && sleep 1 &&
			echo nmi && sleep 0.5 &&
			echo "mce 0 1 0xbc00000000000136 0x5 0x12345000 0x86"
		wait_for_line "$LOG" "braid: summary:" 200
	} | QEMU_MONITOR=stdio QEMU_SERIAL=file:$LOG timeout 240 \
		tools/run-qemu.sh "$iso" >"$OUT/$s.monitor" 2>&1
	STATUS=$?
	tr -d '\r' <"$LOG" >"$LOG.txt" && mv "$LOG.txt" "$LOG"
	expect_line "$s" "NMI in the guest logged" "braid: nmi: warning: 1 NMI received (1 since boot"
	expect_line "$s" "NMI in braid's HLT logged" "braid: nmi: warning: 1 NMI received (2 since boot"
	expect_line "$s" "spinner stopped by its time limit, not the NMI" "braid: guest spin: stopped: still running after 4 s"
	expect_line "$s" "machine-check bank logged" "braid: mce: error: machine check in braid: bank 1 status 0xbc00000000000136 addr 0x12345000 misc 0x86 (uncorrected)"
	expect_line "$s" "machine check restartable" "braid: mce: error: machine check in braid: MCG_STATUS 0x5 (restartable)"
	expect_guest_pass "$s" napper
	expect_guest_pass "$s" hello
	expect_line "$s" "host events counted" "braid: boot: host events: 2 NMIs, 1 machine checks, 0 stray interrupts"
}

# A server-like machine: q35, UEFI (OVMF), four CPUs left in firmware,
# 8 GiB with RAM above 4 GiB and a fragmented EFI map. braid starts the
# other CPUs, calibrates against the PM timer and runs its suite; then
# reboots through the FADT's reset register, which q35's FADT offers.
q35_uefi_smp_svm() {
	local s=svm-q35-uefi-smp
	# The guests on CPUs 1-3: smp.sh's smp_guests_svm_threads says why.
	QEMU_UEFI=1 QEMU_MEM=8G boot_args="-machine q35 -smp 4" \
		boot "$s" qemu-uefi "qemu64,+svm,+npt" "exit=qemu guest_cpus=1-3" "${SUITE_MODS[@]}"
	check_suite "$s"
	expect_status "$s" 0
	expect_line "$s" "every CPU online" "braid: smp: 4 CPUs in the MADT, 4 online in SVM"
	for i in 1 2 3; do
		expect_line "$s" "cpu $i answered smp_call in SVM" \
			"braid: smp: cpu $i (APIC ID 0x$i) online in SVM: smp_call ran there (APIC ID 0x$i, EFER.SVME 1)"
	done
	expect_line "$s" "TSC measured against the PM timer" "measured with the ACPI PM timer, best of 5)"
	expect_line "$s" "XSDT found" "braid: acpi: XSDT at"
	QEMU_UEFI=1 QEMU_MEM=1G boot_args="-machine q35" \
		boot svm-q35-reboot qemu-uefi "qemu64,+svm,+npt" "exit=reboot" "$G/hello.elf=name=hello"
	expect_guest_pass svm-q35-reboot hello
	expect_line svm-q35-reboot "reset through the ACPI reset register" "braid: hv: reset: ACPI reset register (port 0xcf9 = 0x"
	expect_no_line svm-q35-reboot "the first way worked" "braid: hv: reset: port 0xcf9"
	expect_status svm-q35-reboot 0
	# i440fx's FADT has no reset register: 0xCF9 is next. Two CPUs: the
	# other leaves SVM operation first (smp_disable_others).
	boot_args="-smp 2" boot svm-reboot qemu "qemu64,+svm,+npt" "exit=reboot" "$G/hello.elf=name=hello"
	expect_line svm-reboot "reset through 0xcf9" "braid: hv: reset: port 0xcf9"
	expect_no_line svm-reboot "the 0xcf9 reset worked" "braid: hv: reset: keyboard controller"
	expect_no_line svm-reboot "the other CPU left SVM operation" "before the reset"
	expect_status svm-reboot 0
}

# expect_screen SCENARIO "what" FIXED-STRING: the screen's text (read
# back by screentext into $SCREEN) has a line containing it.
expect_screen() {
	if grep -qF -- "$3" "$SCREEN"; then
		pass "$1: $2"
	else
		fail "$1: $2 (no line on screen containing: $3; screen: $SCREEN)"
	fi
}

# A UEFI machine (OVMF) with no serial port to look at: GRUB hands braid
# the GOP's RGB framebuffer, and braid draws its lines there with its own
# font. QEMU's monitor dumps the screen once braid has halted; screentext
# reads it back, cell by cell, with the same font table.
uefi_screen_svm() {
	local s=svm-uefi-screen iso ppm=$OUT/svm-uefi-screen.ppm
	iso=$OUT/$s.iso
	LOG=$OUT/$s.log
	SCREEN=$OUT/$s.screen
	: >"$LOG"
	rm -f "$ppm" "$SCREEN"
	gcc -std=gnu11 -O2 -I. -o "$OUT/screentext" tests/integration/screentext.c \
		arch/x86_64/font8x16.c &&
		tools/mkiso.sh "$iso" build/braid.elf "exit=halt" "$G/hello.elf=name=hello" || {
		fail "$s: screentext or ISO not built"
		return
	}
	{
		wait_for_line "$LOG" "braid: summary:" 100 && sleep 1 &&
			echo "screendump $ppm" && sleep 2
		echo quit
	} | QEMU_UEFI=1 QEMU_MEM=1G QEMU_MONITOR=stdio QEMU_SERIAL=file:$LOG \
		timeout 120 tools/run-qemu.sh "$iso" >"$OUT/$s.monitor" 2>&1
	tr -d '\r' <"$LOG" >"$LOG.txt" && mv "$LOG.txt" "$LOG"
	"$OUT/screentext" "$ppm" >"$SCREEN" 2>&1
	expect_line "$s" "braid drew on an RGB framebuffer" "braid: report: screen         RGB "
	expect_screen "$s" "report on screen" "braid: report: ---- end of report ----"
	expect_screen "$s" "guest line on screen" "[hello] SUMMARY: "
	expect_screen "$s" "summary on screen" "braid: summary: 1 guests, 1 passed, 0 failed"
}

# The GRUB menu's second entry boots braid with no guests, to show its
# report of the machine: one line per topic, each saying what was found.
boot_report() { # VENDOR EMULATOR CPU EXIT
	local s=$1-boot-report v=$1
	MKISO_DEFAULT=1 boot "$s" "$2" "$3" "exit=$4" "$G/hello.elf=name=hello"
	expect_line "$s" "the report-only menu entry booted" "Booting \`braid: report on this machine (no guests)'"
	expect_line "$s" "report begins" "braid: report: ---- what braid found on this machine ----"
	expect_line "$s" "report names the CPU" "braid: report: cpu            $([ "$v" = vmx ] && echo GenuineIntel || echo AuthenticAMD) family"
	expect_line "$s" "report names the extension used" "braid: report: virtualization $(echo "$v" | tr a-z A-Z): "
	expect_line "$s" "report sums up the memory map" "MiB usable RAM ("
	expect_line "$s" "report names the ACPI root" "braid: report: acpi           RSDT at"
	expect_line "$s" "report counts the CPUs" "braid: report: cpus           1 in the MADT"
	expect_line "$s" "report names the console" "braid: report: console        com1 (0x3f8, 115200 baud, probed)"
	expect_line "$s" "report gives the TSC source" "kHz from the ACPI PM timer, best of 5; invariant"
	expect_line "$s" "report covers machine checks" "braid: report: machine checks CR4.MCE on"
	expect_line "$s" "report says how braid resets" "braid: report: reset          "
	expect_line "$s" "BIOS screen stays EGA text" "braid: report: screen         EGA text 80x25"
	expect_line "$s" "report ends" "braid: report: ---- end of report ----"
	expect_no_line "$s" "no guest ran" "[hello]"
	expect_line "$s" "nothing to run, said so" "braid: summary: 0 guests, 0 passed, 0 failed"
}

if [ -z "${PLATFORM_SOURCED-}" ]; then
	G=build/guests
	SUITE_MODS=("$G/hello.elf=name=hello" "$G/pagetest.elf=name=pagetest paging=shadow"
		"$G/churn.elf=name=churn paging=compound")
	check_suite() { expect_guest_pass "$1" hello; expect_guest_pass "$1" pagetest; expect_guest_pass "$1" churn; }
	host_events_svm
	q35_uefi_smp_svm
	uefi_screen_svm
	boot_report svm qemu "qemu64,+svm,+npt" qemu
	boot_report vmx bochs corei7_haswell_4770 bochs
	echo "platform: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" = 0 ]
fi
