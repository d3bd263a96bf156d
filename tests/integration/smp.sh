#!/bin/bash
# Every CPU started (issue 16, part 1): braid starts the CPUs the MADT
# (or, without ACPI, the MP table) lists with INIT-SIPI-SIPI, each enters
# SVM or VMX operation, and each runs a function braid hands it through
# smp_call, which reads the APIC ID and EFER.SVME / CR4.VMXE there. cpus=
# limits how many; a bad value is an error and all are used.
#
# Sourced by tests/integration/run.sh (uses its pass/fail counters and
# SUITE_MODS), or run alone: tests/integration/smp.sh
set -u
if [ -z "${SMP_SOURCED-}" ]; then
	cd "$(dirname "$0")/../.."
	. tests/integration/lib.sh
	mkdir -p "$OUT"
	G=build/guests
	SUITE_MODS=("$G/hello.elf=name=hello mem=32M" "$G/pagetest.elf=name=pagetest mem=32M"
		"$G/churn.elf=name=churn mem=32M")
	check_suite() {
		for g in hello pagetest churn; do expect_guest_pass "$1" "$g"; done
	}
fi

# expect_aps_online SCENARIO VENDOR FIRST LAST: CPUs FIRST..LAST (APIC IDs
# equal to their index on both emulators) answered smp_call in VMX/SVM.
expect_aps_online() {
	local bit i
	[ "$2" = svm ] && bit="EFER.SVME" || bit="CR4.VMXE"
	for i in $(seq "$3" "$4"); do
		expect_line "$1" "cpu $i online, smp_call ran on it" \
			"braid: smp: cpu $i (APIC ID 0x$i) online in ${2^^}: smp_call ran there (APIC ID 0x$i, $bit 1)"
	done
}

smp_svm() {
	local s=svm-smp4
	# i440fx and SeaBIOS: four CPUs in the MADT, all started, and the
	# suite's guests pass as on one CPU.
	boot_args="-smp 4" boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu" "${SUITE_MODS[@]}"
	check_suite "$s"
	expect_status "$s" 0
	expect_aps_online "$s" svm 1 3
	expect_line "$s" "all four online" "braid: smp: 4 CPUs in the MADT, 4 online in SVM"
	expect_line "$s" "the report counts them" "braid: report: cpus           4 in the MADT: 4 online in SVM"
	expect_no_line "$s" "no CPU left out" "left out"

	s=svm-smp-cpus2
	boot_args="-smp 4" boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu cpus=2" "$G/hello.elf=name=hello"
	expect_guest_pass "$s" hello
	expect_aps_online "$s" svm 1 1
	expect_no_line "$s" "cpu 2 not started" "braid: smp: cpu 2"
	expect_line "$s" "cpus=2: two online, two parked" \
		"braid: smp: 4 CPUs in the MADT, 2 online in SVM, 2 parked with INIT (cpus=)"

	s=svm-smp-badcpus
	boot_args="-smp 2" boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu cpus=0 cpus=x" "$G/hello.elf=name=hello"
	expect_line "$s" "cpus=0 is an error" "braid: boot: error: cpus=0 is not a CPU count (1 to 64): all CPUs are used"
	expect_line "$s" "cpus=x is an error" "braid: boot: error: cpus=x is not a CPU count (1 to 64): all CPUs are used"
	expect_line "$s" "all CPUs used" "braid: smp: 2 CPUs in the MADT, 2 online in SVM"
	expect_guest_pass "$s" hello

	# No ACPI: SeaBIOS's MP table lists one CPU per package, so two
	# sockets make two entries.
	s=svm-smp-mptable
	boot_args="-smp 2,sockets=2,cores=1,threads=1 -machine acpi=off" \
		boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu" "$G/hello.elf=name=hello"
	expect_aps_online "$s" svm 1 1
	expect_line "$s" "CPUs from the MP table" "braid: smp: 2 CPUs in the MP table, 2 online in SVM"
	expect_guest_pass "$s" hello
}

# The firmware tables braid writes for every guest (loader/fwtables.h):
# the smp toy guest finds its one CPU in braid's ACPI MADT (before the MP
# table, as an OS looks), in each paging mode, and passes.
smp_guest_tables_svm() {
	local s=svm-guest-madt p
	boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu" \
		"$G/smp.elf=name=smp-nested mem=32M paging=nested" \
		"$G/smp.elf=name=smp-shadow mem=32M paging=shadow" \
		"$G/smp.elf=name=smp-compound mem=32M paging=compound"
	for p in nested shadow compound; do
		expect_line "$s" "smp-$p finds 1 CPU in the MADT" \
			"[smp-$p] INFO: MADT at 0xf1240: 1 CPUs, BSP APIC 0"
		expect_line "$s" "smp-$p runs on 1 CPU" "[smp-$p] smp: 1 cpus"
		expect_guest_pass "$s" "smp-$p"
	done
	expect_status "$s" 0
}

# Debian's Bochs is built with SMP: cpu: count=2 gives two CPUs in its
# MADT, and both enter VMX operation (VMXON on each).
smp_vmx() {
	local s=vmx-smp2
	BOCHS_CPUS=2 boot "$s" bochs corei7_haswell_4770 "exit=bochs" "$G/hello.elf=name=hello"
	expect_aps_online "$s" vmx 1 1
	expect_line "$s" "both online in VMX" "braid: smp: 2 CPUs in the MADT, 2 online in VMX"
	expect_guest_pass "$s" hello
	expect_status "$s" 0
}

if [ -z "${SMP_SOURCED-}" ]; then
	smp_svm
	smp_guest_tables_svm
	smp_vmx
	echo "smp: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" = 0 ]
fi
