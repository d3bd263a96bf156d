#!/bin/bash
# The oracle for SMP guests: guests/smp.c on the bare emulators, no braid.
# What it prints there is what braid's vcpus=N must reproduce later.
#   qemu   bare QEMU TCG (multi-threaded), -smp 1, 2 and 4, with -cpu max
#          and -cpu qemu64 (CPUs from SeaBIOS's MADT)
#   bochs  bare Bochs, cpu: count=1 and 2 (GRUB's multiboot; CPUs from the
#          Bochs BIOS's MADT), and count=2 in x2APIC mode (-- x2apic)
# Each run must exit with the pass status and print "smp: N cpus", one
# "start:" PASS, and PASS lines for the counters, IPIs, churn and A/D.
#   tests/integration/smp_oracle.sh [qemu|bochs ...]   (OUT=build/test)
# Not part of make test yet.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
mkdir -p "$OUT"
GUEST=build/guests/smp.elf

# smp_check NAME CPUS: the markers of a run with CPUS processors in $LOG.
smp_check() {
	expect_line "$1" "$2 cpus found and started" "smp: $2 cpus"
	expect_line "$1" "all listed CPUs running" "PASS: start: $2 of the $2 CPUs"
	expect_line "$1" "LOCK XADD exact" "PASS: counters: LOCK XADD total"
	expect_line "$1" "LOCK CMPXCHG exact" "PASS: counters: LOCK CMPXCHG total"
	expect_line "$1" "broadcast IPI" "PASS: ipi: fixed to all excluding self"
	expect_line "$1" "broadcast NMI" "PASS: ipi: NMI to all excluding self"
	expect_line "$1" "NMI from the NMI handler after its IRET" "PASS: ipi: an NMI sent from the NMI handler waits for its IRET"
	expect_line "$1" "shootdowns acknowledged" "PASS: churn: 1500 steps, every shootdown"
	expect_line "$1" "A/D bits" "PASS: a/d: 8 rounds on $2 CPUs"
	expect_no_line "$1" "no FAIL line" "FAIL:"
	# Bochs may stop before the UART has sent the last bytes of the line.
	expect_line "$1" "summary without failures" "tests, 0 failure"
	if [ "$2" -gt 1 ]; then
		expect_line "$1" "AP to BSP IPI" "PASS: ipi: fixed from cpu 1 reaches the BSP"
		expect_line "$1" "readers saw no stale entry" "PASS: churn: cpu $(($2 - 1)) saw no stale"
		expect_line "$1" "INIT stops a running AP" "PASS: init: an INIT stops a running AP"
	else
		expect_line "$1" "single-CPU skips" "SKIP: churn: concurrent readers: no other CPU"
	fi
}

smp_qemu() {
	local cpu n name
	for cpu in max qemu64; do
		for n in 1 2 4; do
			name=smp-qemu-$cpu-$n
			LOG=$OUT/$name.log
			qemu-system-x86_64 -accel tcg,thread=multi -cpu "$cpu" -m 64M \
				-smp "$n" -no-reboot -display none -monitor none \
				-serial "file:$LOG" \
				-device isa-debug-exit,iobase=0xf4,iosize=0x04 \
				-kernel "$GUEST" </dev/null >/dev/null 2>&1
			STATUS=$?
			tr -d '\r' <"$LOG" >"$LOG.txt" && mv "$LOG.txt" "$LOG"
			expect_status "$name" 1 # (0 << 1) | 1: the guest passed
			smp_check "$name" "$n"
		done
	done
}

# Bochs 2.7 as Debian builds it runs several CPUs (BX_SUPPORT_SMP).
smp_bochs() {
	local n name
	MKISO_MULTIBOOT=1 tools/mkiso.sh "$OUT/smp-bare.iso" "$GUEST" "" >/dev/null 2>&1 ||
		{ fail "smp-bochs: ISO"; return; }
	for n in 1 2; do
		name=smp-bochs-$n
		LOG=$OUT/$name.log
		BOCHS_CPUS=$n BOCHS_SERIAL=$LOG timeout 1200 \
			tools/run-bochs.sh "$OUT/smp-bare.iso" >/dev/null 2>&1
		STATUS=$?
		tr -d '\r' <"$LOG" >"$LOG.txt" && mv "$LOG.txt" "$LOG"
		expect_status "$name" 0 # the magic breakpoint: a pass
		smp_check "$name" "$n"
	done
	# x2APIC mode (QEMU 7.2's TCG has none): what braid's must match.
	MKISO_MULTIBOOT=1 tools/mkiso.sh "$OUT/smp-bare-x2.iso" "$GUEST" "x2apic" >/dev/null 2>&1 ||
		{ fail "smp-bochs-x2apic: ISO"; return; }
	name=smp-bochs-x2apic-2
	LOG=$OUT/$name.log
	BOCHS_CPUS=2 BOCHS_SERIAL=$LOG timeout 1200 \
		tools/run-bochs.sh "$OUT/smp-bare-x2.iso" >/dev/null 2>&1
	STATUS=$?
	tr -d '\r' <"$LOG" >"$LOG.txt" && mv "$LOG.txt" "$LOG"
	expect_status "$name" 0
	smp_check "$name" 2
	expect_line "$name" "every CPU in x2APIC mode" "PASS: x2apic: 2 of 2 CPUs in x2APIC mode"
}

make -s guests >/dev/null || exit 1
for what in "${@:-qemu bochs}"; do
	for w in $what; do
		"smp_$w"
	done
done
echo "SUMMARY: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
