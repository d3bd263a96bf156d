#!/bin/bash
# Guests side by side (issue 16, parts 2, 3 and 6): every guest starts at
# once and braid's scheduler shares the CPUs between them.
#  - weights: three spinners on one CPU (one with interrupts off) get CPU
#    time in proportion to weight=, while a timer-driven guest and a short
#    one beside them pass as they do alone;
#  - the toy suite in all three paging modes at once, on 2 CPUs, gives each
#    guest the same results as when it ran alone (its SUMMARY line);
#  - cpus= pins a guest, and a CPU braid does not have is an error;
#  - sched=serial runs them one after another, in module order.
#
# Sourced by tests/integration/run.sh after the single-guest suites (it
# compares with their logs), or run alone: tests/integration/sched.sh
set -u
if [ -z "${SCHED_SOURCED-}" ]; then
	cd "$(dirname "$0")/../.."
	. tests/integration/lib.sh
	mkdir -p "$OUT"
	G=build/guests
fi
# The page-table guests of the suite. irq is left out here: its PIT and
# APIC-timer checks count ticks against the TSC with interrupts enabled
# but not halted, so among 9 busy vCPUs a CPU its ticks come a scheduling
# round late (as under any time-sharing hypervisor); sched_weights runs it
# beside three spinners on one CPU, where the wake-up boost is what keeps
# its timers on time.
SCHED_FULL=(hello pagetest churn conformance ptmod)
# Bochs emulates both CPUs in one thread: in make test it runs the lighter
# guests of every mode (9), and the whole set (15) with SCHED_LONG=1
# (make test-sched-long).
if [ -n "${SCHED_LONG-}" ]; then
	SCHED_BOCHS=("${SCHED_FULL[@]}")
else
	SCHED_BOCHS=(hello pagetest ptmod)
fi

# stat_field SCENARIO GUEST FIELD: a number from the guest's stats line.
stat_field() {
	grep -a "^braid: stats {\"guest\":\"$2\"" "$OUT/$1.log" |
		grep -o "\"$3\":[0-9]*" | head -1 | cut -d: -f2
}

# expect_re SCENARIO WHAT REGEX: a line of the last boot's log matches.
expect_re() {
	if grep -aq -- "$3" "$LOG"; then
		pass "$1: $2"
	else
		fail "$1: $2 (no line matching: $3; log: $LOG)"
	fi
}

# expect_ratio SCENARIO WHAT A B LO HI: LO <= A/B <= HI (as decimals).
expect_ratio() {
	if [ -n "$3" ] && [ -n "$4" ] && [ "$4" != 0 ] &&
		awk -v a="$3" -v b="$4" -v lo="$5" -v hi="$6" \
			'BEGIN { r = a / b; exit !(r >= lo && r <= hi) }'; then
		pass "$1: $2 ($(awk -v a="$3" -v b="$4" 'BEGIN { printf "%.2f", a / b }'))"
	else
		fail "$1: $2 (${3:-?} / ${4:-?}, want $5..$6)"
	fi
}

sched_weights() { # VENDOR EMU CPU EXIT
	local s=$1-sched-weights
	boot "$s" "$2" "$3" "$4" \
		"$G/spin.elf=name=w1 weight=1 timeout=3" \
		"$G/spin.elf=name=w3 weight=3 timeout=3" \
		"$G/spin.elf=name=hostile weight=1 timeout=3 -- cli" \
		"$G/irq.elf=name=irq mem=32M" \
		"$G/hello.elf=name=hello mem=32M"
	expect_guest_pass "$s" irq
	expect_guest_pass "$s" hello
	for g in w1 w3 hostile; do
		expect_line "$s" "$g stopped at its timeout" \
			"braid: guest $g: stopped: still running after 3 s, its time limit (timeout=)"
	done
	expect_ratio "$s" "weight 3 gets 3x weight 1's CPU time" \
		"$(stat_field "$s" w3 cpu_tsc)" "$(stat_field "$s" w1 cpu_tsc)" 2.4 3.6
	expect_ratio "$s" "the spinner with interrupts off gets no more than its share" \
		"$(stat_field "$s" hostile cpu_tsc)" "$(stat_field "$s" w1 cpu_tsc)" 0.75 1.33
	for g in w1 w3 hostile; do
		local p
		p=$(stat_field "$s" $g preemptions)
		[ "${p:-0}" -gt 10 ] && pass "$s: $g preempted at its slice's end ($p times)" ||
			fail "$s: $g preempted at its slice's end (${p:-?} times)"
	done
	expect_line "$s" "summary" "braid: summary: 5 guests, 2 passed, 3 failed"
}

# Bochs does not exit on a host interrupt while the guest has IF=0
# (docs/emulators.md): the VMX-preemption timer, armed for the slice's end
# too, must still take the CPU from a spinner with interrupts off.
sched_hostile_vmx() {
	local s=vmx-sched-hostile p
	boot "$s" bochs corei7_haswell_4770 exit=bochs \
		"$G/spin.elf=name=hostile timeout=2 -- cli" \
		"$G/irq.elf=name=irq mem=32M"
	expect_guest_pass "$s" irq
	expect_line "$s" "the spinner stopped at its timeout" \
		"braid: guest hostile: stopped: still running after 2 s, its time limit (timeout=)"
	p=$(stat_field "$s" hostile preemptions)
	[ "${p:-0}" -ge 3 ] && pass "$s: the spinner preempted at its slice's end ($p times)" ||
		fail "$s: the spinner preempted at its slice's end (${p:-?} times)"
}

# expect_same_summaries SCENARIO ALONE-SCENARIO SUFFIX GUEST...: each
# guest's own SUMMARY line as when it ran alone.
expect_same_summaries() {
	local s=$1 alone=$2 sfx=$3 g want got
	shift 3
	for g in "$@"; do
		want=$(grep -a "^\[$g\] SUMMARY:" "$OUT/$alone.log" | head -1 | sed "s/^\[$g\] //")
		got=$(grep -a "^\[$g$sfx\] SUMMARY:" "$OUT/$s.log" | head -1 | sed "s/^\[$g$sfx\] //")
		if [ -n "$want" ] && [ "$want" = "$got" ]; then
			pass "$s: $g$sfx: as alone ($got)"
		else
			fail "$s: $g$sfx: \"${got:-no SUMMARY}\", alone \"${want:-no SUMMARY}\""
		fi
	done
}

# ran_on LOG CPU: some guest's stats line lists CPU in its "cpus" (a list
# of numbers and ranges, e.g. "0,2-3").
ran_on() {
	grep -ao '^braid: stats .*"sched":{"cpus":"[0-9,-]*"' "$1" |
		sed 's/.*"cpus":"//; s/"$//' | tr , '\n' |
		awk -F- -v c="$2" '{ hi = NF > 1 ? $2 : $1; if (c >= $1 && c <= hi) f = 1 } END { exit !f }'
}

# The toy suite in every mode at once on several CPUs (QEMU: CPUs 1-4 of
# -smp 5, one TCG thread each, off QEMU's CPU 0 as smp.sh's
# smp_guests_svm_threads says why; Bochs cpu: count=2); ALONE is the
# vendor's prefix of the single-mode runs.
sched_all_modes() { # VENDOR EMU CPU EXIT GUEST...
	local s=$1-sched-modes mods=() m g v=$1 emu=$2 cpu=$3 ex=$4 n c first last
	shift 4
	local guests=("$@") cmp=()
	for g in "${guests[@]}"; do [ "$g" != hello ] && cmp+=("$g"); done
	n=$((3 * ${#guests[@]}))
	for m in nested shadow compound; do
		for g in "${guests[@]}"; do
			mods+=("$G/$g.elf=name=$g-${m:0:1} mem=32M paging=$m")
		done
	done
	if [ "$emu" = qemu ]; then
		first=1 last=4
		QEMU_MEM=1G boot_args="-smp 5" boot "$s" "$emu" "$cpu" "$ex guest_cpus=1-4" "${mods[@]}"
		if ran_on "$LOG" 0; then
			fail "$s: a guest ran on CPU 0 (guest_cpus=1-4)"
		else
			pass "$s: no guest on CPU 0 (guest_cpus=1-4)"
		fi
	else
		first=0 last=1
		BOCHS_CPUS=2 BOCHS_MEGS=768 BOOT_TIMEOUT=900 boot "$s" "$emu" "$cpu" "$ex" "${mods[@]}"
	fi
	for m in nested shadow compound; do
		for g in "${guests[@]}"; do
			expect_guest_pass "$s" "$g-${m:0:1}"
		done
	done
	expect_same_summaries "$s" "$v-suite" -n "${cmp[@]}"
	expect_same_summaries "$s" "$v-shadow-suite" -s "${cmp[@]}"
	expect_same_summaries "$s" "$v-compound-suite" -c "${cmp[@]}"
	for c in $(seq "$first" "$last"); do
		if ran_on "$LOG" "$c"; then
			pass "$s: guests ran on CPU $c"
		else
			fail "$s: no guest ran on CPU $c"
		fi
	done
	expect_line "$s" "summary" "braid: summary: $n guests, $n passed, 0 failed"
	expect_no_line "$s" "no panic" "PANIC"
	expect_status "$s" 0
}

# One TCG thread: a guest pinned to QEMU's CPU 0 beside one on CPU 1 is
# what QEMU 7.2 gets wrong with one thread per CPU (smp.sh,
# smp_guests_svm_threads).
sched_pinning() {
	local s=svm-sched-pin
	QEMU_ACCEL=tcg,thread=single boot_args="-smp 2" boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu" \
		"$G/hello.elf=name=on1 cpus=1" \
		"$G/pagetest.elf=name=on0 cpus=0" \
		"$G/hello.elf=name=nowhere cpus=2-3" \
		"$G/hello.elf=name=badlist cpus=1-"
	expect_guest_pass "$s" on1
	expect_guest_pass "$s" on0
	expect_re "$s" "cpus=1 runs on CPU 1 only" \
		"^braid: stats {\"guest\":\"on1\".*\"sched\":{\"cpus\":\"1\""
	expect_re "$s" "cpus=0 runs on CPU 0 only" \
		"^braid: stats {\"guest\":\"on0\".*\"sched\":{\"cpus\":\"0\""
	expect_line "$s" "a CPU braid does not have" \
		"braid: guest nowhere: error: cpus= names a CPU braid does not run on (it has 2: 0-1)"
	expect_line "$s" "a bad CPU list" \
		"braid: guest badlist: error: bad value in \"cpus=1-\": expected a CPU list such as 0, 1-3 or 0,2 (CPUs 0-63)"
	expect_line "$s" "summary" "braid: summary: 4 guests, 2 passed, 2 failed"

	# Two guests that do not fit at once: the second waits for the
	# first's memory, then runs.
	s=svm-sched-memwait
	QEMU_MEM=256M boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu" \
		"$G/pagetest.elf=name=big1 mem=150M" "$G/hello.elf=name=big2 mem=150M"
	expect_guest_pass "$s" big1
	expect_guest_pass "$s" big2
	expect_re "$s" "the second waits for memory" \
		"^braid: guest big2: waiting for memory (not enough memory: needs 150 MiB (mem=), only [0-9]* MiB free) until another guest ends"
	expect_line "$s" "summary" "braid: summary: 2 guests, 2 passed, 0 failed"

	s=svm-sched-serial
	boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu sched=serial" \
		"$G/hello.elf=name=first" "$G/hello.elf=name=second"
	expect_guest_pass "$s" first
	expect_guest_pass "$s" second
	if grep -an "braid: guest \(first: exited\|second: starting\)" "$OUT/$s.log" |
		head -1 | grep -q "first: exited"; then
		pass "$s: the second starts after the first has ended"
	else
		fail "$s: the second starts after the first has ended"
	fi
}

# Alone, one guest at a time: run.sh's suites, or here when run by itself.
sched_alone() { # VENDOR EMU CPU EXIT GUEST...
	local v=$1 emu=$2 cpu=$3 ex=$4 m n g mods
	shift 4
	for m in nested shadow compound; do
		mods=()
		for g in "$@"; do
			mods+=("$G/$g.elf=name=$g mem=32M paging=$m")
		done
		n=$v-$m-suite
		[ $m = nested ] && n=$v-suite
		boot "$n" "$emu" "$cpu" "$ex sched=serial" "${mods[@]}"
	done
}
if [ -z "${SCHED_SOURCED-}" ]; then
	sched_alone svm qemu "qemu64,+svm,+npt" exit=qemu "${SCHED_FULL[@]}"
	sched_alone vmx bochs corei7_haswell_4770 exit=bochs "${SCHED_BOCHS[@]}"
fi

sched_weights svm qemu "qemu64,+svm,+npt" exit=qemu
sched_hostile_vmx
sched_pinning
sched_all_modes svm qemu "qemu64,+svm,+npt" exit=qemu "${SCHED_FULL[@]}"
sched_all_modes vmx bochs corei7_haswell_4770 exit=bochs "${SCHED_BOCHS[@]}"

if [ -z "${SCHED_SOURCED-}" ]; then
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ]
fi
