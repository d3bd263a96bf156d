#!/bin/bash
# Every CPU started (issue 16, part 1): braid starts the CPUs the MADT
# (or, without ACPI, the MP table) lists with INIT-SIPI-SIPI, each enters
# SVM or VMX operation, and each runs a function braid hands it through
# smp_call, which reads the APIC ID and EFER.SVME / CR4.VMXE there. cpus=
# limits how many; a bad value is an error and all are used.
#
# SMP guests (vcpus=, part 4) follow. Sourced by tests/integration/run.sh
# (uses its pass/fail counters and SUITE_MODS; it runs the lighter SMP-
# guest cases), or run alone, everything, with Linux on two QEMU CPUs in
# every mode: tests/integration/smp.sh (make test-smp)
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
	# suite's guests pass as on one CPU. The guests run on CPUs 1-3
	# (guest_cpus=): smp_guests_svm_threads says why.
	boot_args="-smp 4" boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu guest_cpus=1-3" "${SUITE_MODS[@]}"
	check_suite "$s"
	expect_status "$s" 0
	expect_line "$s" "guest_cpus= reported" "braid: boot: guests without cpus= run on CPUs 1-3 (guest_cpus=)"
	if guests_within "$LOG" 1-3; then
		pass "$s: no guest ran on CPU 0 (guest_cpus=1-3)"
	else
		fail "$s: a guest ran on CPU 0 despite guest_cpus=1-3"
	fi
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
	boot_args="-smp 2" boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu cpus=0 cpus=x guest_cpus=1-2" "$G/hello.elf=name=hello"
	expect_line "$s" "cpus=0 is an error" "braid: boot: error: cpus=0 is not a CPU count (1 to 64): all CPUs are used"
	expect_line "$s" "cpus=x is an error" "braid: boot: error: cpus=x is not a CPU count (1 to 64): all CPUs are used"
	expect_line "$s" "guest_cpus= beyond braid's CPUs is an error" \
		"braid: boot: error: guest_cpus=1-2 names a CPU braid does not run on (it has 2): guests use every CPU"
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

# expect_smp_guest SCENARIO GUEST N: guests/smp.c ran its tests on N vCPUs
# under braid as it does on a bare machine of N CPUs (smp_oracle.sh):
# started by INIT-SIPI-SIPI, LOCK XADD/CMPXCHG exact, fixed and NMI IPIs
# each way and broadcast, shootdowns by IPI acknowledged with no stale
# read, and A/D bits set by every CPU.
expect_smp_guest() {
	local s=$1 g=$2 n=$3 w
	expect_line "$s" "$g: $n CPUs in the MADT" "[$g] INFO: MADT at 0xf1240: $n CPUs, BSP APIC 0"
	expect_line "$s" "$g: all $n started" "[$g] PASS: start: $n of the $n CPUs listed are running"
	for w in "counters: LOCK XADD total" "counters: LOCK CMPXCHG total" \
		"ipi: fixed to cpu 1 reaches it alone" "ipi: NMI to cpu 1 reaches it alone" \
		"ipi: fixed from cpu 1 reaches the BSP" "ipi: fixed to all excluding self" \
		"ipi: NMI to all excluding self" "ipi: an NMI sent from the NMI handler waits for its IRET" \
		"churn: 1500 steps, every shootdown acknowledged" \
		"churn: cpu $((n - 1)) saw no stale translation" "churn: the window's page table moved" \
		"churn: every entry stayed as the BSP wrote it" \
		"a/d: 8 rounds on $n CPUs" "init: an INIT stops a running AP"; do
		expect_line "$s" "$g: $w" "[$g] PASS: $w"
	done
	expect_guest_pass "$s" "$g"
	if grep -qaE "^braid: stats \{\"guest\":\"$g\",.*\"sched\":\{\"cpus\":\"[^\"]*\",\"vcpus\":$n," "$LOG"; then
		pass "$s: $g: its stats line counts $n vCPUs"
	else
		fail "$s: $g: no \"vcpus\":$n in its stats line"
	fi
	# 1500 shootdown rounds at least, each an IPI to every other vCPU.
	local st sent got
	st=$(grep -a "^braid: stats {\"guest\":\"$g\"," "$LOG" | tail -n 1)
	sent=$(grep -o '"ipi":{"sent":[0-9]*' <<<"$st" | grep -o '[0-9]*$')
	got=$(grep -o '"delivered":[0-9]*' <<<"$st" | grep -o '[0-9]*$')
	if [ "${sent:-0}" -ge 1500 ] && [ "${got:-0}" -ge $((1500 * (n - 1))) ]; then
		pass "$s: $g: its stats line counts the IPIs ($sent sent, $got delivered)"
	else
		fail "$s: $g: IPIs sent ${sent:-?}, delivered ${got:-?} (want >= 1500, >= $((1500 * (n - 1))))"
	fi
}

# An AP that triple-faults while its BSP runs on: the whole guest is
# stopped by name, the others carry on.
expect_ap_triple() {
	expect_line "$1" "aptf: an AP's triple fault stops the guest, by vCPU" \
		"braid: guest aptf: stopped: triple fault on vCPU 1"
	expect_no_line "$1" "aptf: its BSP did not run on" "[aptf] FAIL: ap-triple"
	if grep -qaE "^braid: stats \{\"guest\":\"aptf\",.*\"result\":\"stopped\"" "$LOG"; then
		pass "$1: aptf: its stats line says stopped"
	else
		fail "$1: aptf: no stats line saying stopped"
	fi
}

# guests_within LOG LIST: there are guests' stats lines, and each names
# only CPUs of LIST (both lists of numbers and ranges, e.g. "0,2-3").
guests_within() {
	grep -aoE '^braid: stats .*"sched":\{"cpus":"[0-9,-]*"' "$1" |
		sed 's/.*"cpus":"//; s/"$//' |
		awk -v allow="$2" '
		function expand(l, set,   n, i, p, r) {
			n = split(l, p, ",")
			for (i = 1; i <= n; i++) {
				split(p[i], r, "-")
				for (c = r[1]; c <= (r[2] == "" ? r[1] : r[2]); c++)
					set[c] = 1
			}
		}
		BEGIN { expand(allow, ok) }
		{ delete used; expand($0, used); for (c in used) if (!(c in ok)) bad = 1 }
		END { exit bad || NR == 0 }'
}

# SMP guests (vcpus=, issue 16 part 4) under nested paging: as many vCPUs
# as CPUs, more vCPUs than CPUs, and one host CPU for two vCPUs; a guest
# of one vCPU beside them; a bad count is an error. slice=2: the guest's readers spin
# without PAUSE while its BSP waits for their shootdown answers, so with
# more vCPUs than CPUs a step waits for a slice to end.
# SMP_GUEST_CPUS (e.g. 1-2): where the guests may run, on SMP_HOST_CPUS
# (default 2); smp4 (four vCPUs) must then have used all of those, and
# no guest any other.
smp_guests_svm() { # [SCENARIO]
	local s=${1:-svm-smp-guests} at=${SMP_GUEST_CPUS:+ cpus=$SMP_GUEST_CPUS}
	boot_args="-smp ${SMP_HOST_CPUS:-2}" BOOT_TIMEOUT=300 boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu slice=2" \
		"$G/smp.elf=name=smp2 vcpus=2$at" \
		"$G/smp.elf=name=smp4 vcpus=4$at" \
		"$G/smp.elf=name=smp1 vcpus=1$at" \
		"$G/hello.elf=name=vcpus9 vcpus=9$at" \
		"$G/smp.elf=name=aptf vcpus=2$at -- ap-triple"
	expect_status "$s" 3 # one guest is refused, one stopped
	if [ -n "${SMP_GUEST_CPUS-}" ]; then
		if grep -qaE "^braid: stats \{\"guest\":\"smp4\",.*\"sched\":\{\"cpus\":\"$SMP_GUEST_CPUS\"" "$LOG"; then
			pass "$s: smp4 ran on CPUs $SMP_GUEST_CPUS"
		else
			fail "$s: smp4's stats line does not name CPUs $SMP_GUEST_CPUS"
		fi
		if guests_within "$LOG" "$SMP_GUEST_CPUS"; then
			pass "$s: no guest ran outside CPUs $SMP_GUEST_CPUS"
		else
			fail "$s: a guest ran outside CPUs $SMP_GUEST_CPUS"
		fi
	fi
	expect_ap_triple "$s"
	expect_smp_guest "$s" smp2 2
	expect_smp_guest "$s" smp4 4
	expect_line "$s" "smp1: one CPU" "[smp1] smp: 1 cpus"
	expect_guest_pass "$s" smp1
	expect_line "$s" "vcpus=9 refused" \
		"braid: guest vcpus9: error: bad value in \"vcpus=9\": expected a count of vCPUs from 1 to 8"
	expect_line "$s" "summary" "braid: summary: 5 guests, 3 passed, 2 failed"

}

# QEMU 7.2 with one TCG thread per CPU loses updates of its CPU 0's
# hflags2: every FXRSTOR, XRSTOR, FRSTOR and FLDENV with FSW.ES clear, on
# any CPU, clears a bit there from its own thread (cpu_clear_ignne()),
# racing CPU 0's own updates at VMRUN, #VMEXIT, CLGI and STGI. A lost one
# leaves CPU 0 in braid with nested paging still on, or a guest without
# it (docs/emulators.md, "QEMU's CPU 0 and FXRSTOR"). Multi-threaded runs
# therefore keep the guests off CPU 0, which then never changes those
# bits: QEMU -smp 3, the guests on CPUs 1-2.
smp_guests_svm_threads() {
	SMP_HOST_CPUS=3 SMP_GUEST_CPUS=1-2 smp_guests_svm svm-smp-guests-threads
}

# Two vCPUs on one host CPU (QEMU -smp 1, so one TCG thread), and an AP
# that triple-faults beside them.
# expect_x2apic_guest SCENARIO GUEST N: the smp guest's results with
# `-- x2apic`: every vCPU in x2APIC mode, and not one MMIO exit (every
# APIC access, INIT-SIPI-SIPI included, was an MSR).
expect_x2apic_guest() {
	local s=$1 g=$2 n=$3
	expect_smp_guest "$s" "$g" "$n"
	expect_line "$s" "$g: every vCPU in x2APIC mode" "[$g] PASS: x2apic: $n of $n CPUs in x2APIC mode"
	if grep -qaE "^braid: stats \{\"guest\":\"$g\",.*\"msr\":[0-9]{4,},.*\"mmio\":0," "$LOG"; then
		pass "$s: $g: its APIC through MSRs only (no MMIO exit)"
	else
		fail "$s: $g: MMIO exits, or few MSR exits, in x2APIC mode"
	fi
}

smp_guests_svm_onecpu() {
	local s=svm-smp-guest-onecpu
	boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu slice=2" "$G/smp.elf=name=smp2 vcpus=2" \
		"$G/smp.elf=name=smpx vcpus=2 -- x2apic" \
		"$G/smp.elf=name=aptf vcpus=2 -- ap-triple"
	expect_status "$s" 3 # the stopped guest
	expect_smp_guest "$s" smp2 2
	expect_x2apic_guest "$s" smpx 2
	expect_ap_triple "$s"
}

# Shadow and compound paging with vcpus=2: the vCPUs of one guest run at
# once on one shared tree (hv/mmu_sync.c), with the same results as under
# nested paging. The guest's churn moves its window's page table now and
# then: braid frees its mirror of the old one while the readers run, and
# must shoot their translations down before it reuses the page.
# expect_mmu_smp SCENARIO GUEST FIELD: the guest's mmu_smp FIELD is > 0.
expect_mmu_smp() {
	if grep -qaE "^braid: stats \{\"guest\":\"$2\",.*\"mmu_smp\":\{.*\"$3\":[1-9]" "$LOG"; then
		pass "$1: $2: $3 counted (its vCPUs shared the tree at once)"
	else
		fail "$1: $2: no $3 in its stats line"
	fi
}

# The compound guest uses x2APIC mode, the shadow one xAPIC mode.
smp_guests_shared_tree() {
	local s=$1 p
	expect_smp_guest "$s" smp-shadow 2
	expect_x2apic_guest "$s" smp-compound 2
	for p in shadow compound; do
		expect_mmu_smp "$s" "smp-$p" lock_waits
	done
	expect_mmu_smp "$s" smp-shadow shootdowns_sent
	expect_mmu_smp "$s" smp-shadow shootdowns_received
}

# On QEMU with one TCG thread per CPU, on CPUs 1-2 of three: see
# smp_guests_svm_threads above.
smp_guests_svm_shadow() {
	local s=svm-smp-guests-shadow
	boot_args="-smp 3" BOOT_TIMEOUT=600 boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu" \
		"$G/smp.elf=name=smp-shadow paging=shadow vcpus=2 cpus=1-2" \
		"$G/smp.elf=name=smp-compound paging=compound vcpus=2 cpus=1-2 -- x2apic"
	expect_status "$s" 0
	smp_guests_shared_tree "$s"
}

smp_guests_vmx_shadow() {
	local s=vmx-smp-guests-shadow
	BOCHS_CPUS=2 BOOT_TIMEOUT=900 boot "$s" bochs corei7_haswell_4770 "exit=bochs" \
		"$G/smp.elf=name=smp-shadow paging=shadow vcpus=2" \
		"$G/smp.elf=name=smp-compound paging=compound vcpus=2 -- x2apic"
	expect_status "$s" 0
	smp_guests_shared_tree "$s"
}

smp_guests_vmx() {
	local s=vmx-smp-guests
	BOCHS_CPUS=2 BOOT_TIMEOUT=600 boot "$s" bochs corei7_haswell_4770 "exit=bochs" \
		"$G/smp.elf=name=smp2 vcpus=2" "$G/smp.elf=name=smp3 vcpus=3 -- x2apic" \
		"$G/smp.elf=name=aptf vcpus=2 -- ap-triple"
	expect_status "$s" 1 # the stopped guest: Bochs's failure status
	expect_smp_guest "$s" smp2 2
	expect_x2apic_guest "$s" smp3 3
	expect_ap_triple "$s"
	expect_line "$s" "summary" "braid: summary: 3 guests, 2 passed, 1 failed"
}

if [ -z "${SMP_SOURCED-}" ]; then
	smp_svm
	smp_guest_tables_svm
	smp_vmx
	QEMU_ACCEL=tcg,thread=single smp_guests_svm svm-smp-guests-1thread
	smp_guests_svm_threads
	smp_guests_svm_onecpu
	smp_guests_svm_shadow
	smp_guests_vmx
	smp_guests_vmx_shadow
	# Linux with two vCPUs on two QEMU CPUs (1-2 of three, one TCG
	# thread each: smp_guests_svm_threads says why), in every paging mode.
	. tests/integration/linux.sh
	export LINUX_SMP_RUN=forkexec,mmapchurn,bigws,mixws,mtchurn LINUX_SMP_PIN=1-2 LINUX_SMP_CPUS=1-2
	boot_args="-smp 3" BOOT_TIMEOUT=600 linux_smp_boot svm-linux-smp qemu qemu64,+svm,+npt nested
	check_linux_smp svm-linux-smp linux-smp-nested
	for p in shadow compound; do
		boot_args="-smp 3" BOOT_TIMEOUT=600 linux_smp_boot "svm-linux-smp-$p" qemu qemu64,+svm,+npt "$p"
		check_linux_smp "svm-linux-smp-$p" "linux-smp-$p"
	done
	echo "smp: $PASSED passed, $FAILED failed, $SKIPPED skipped"
	[ "$FAILED" = 0 ]
fi
