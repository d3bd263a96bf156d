# Helpers for the integration suite: build an ISO for a scenario, boot it
# in QEMU or Bochs, and check what braid and its guests printed.
# Sourced by tests/integration/run.sh.

OUT=${OUT:-build/test}
PASSED=0
FAILED=0
SKIPPED=0

pass() { PASSED=$((PASSED + 1)); echo "PASS: $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $*"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "SKIP: $*"; }

# boot SCENARIO EMULATOR CPU "BRAID ARGS" FILE="MODULE ARGS"...
# Leaves the serial log in $OUT/SCENARIO.log and the exit status in $STATUS.
# BOOT_TIMEOUT (seconds, default 240) bounds the emulator run.
boot() {
	scenario=$1 emu=$2 cpu=$3 args=$4
	shift 4
	iso=$OUT/$scenario.iso
	LOG=$OUT/$scenario.log
	tools/mkiso.sh "$iso" "${BRAID_ELF:-build/braid.elf}" "$args" "$@" || {
		STATUS=255
		: >"$LOG"
		return
	}
	local t0=$SECONDS
	boot_once "$emu" "$cpu"
	# An emulator that dies by a signal of its own (not timeout's) has not
	# judged braid: say so and boot once more. A timeout is not retried.
	if [ "$STATUS" -gt 128 ] && [ "$STATUS" != 124 ] && [ "$STATUS" != 143 ]; then
		echo "NOTE: $scenario: the emulator died (status $STATUS) before braid finished; booting again" >&2
		boot_once "$emu" "$cpu"
	fi
	echo "$STATUS" >"$LOG.status"
	echo "$((SECONDS - t0)) $scenario $emu" >>"$OUT/boot-times"
	# Serial lines end in CR LF; checks work on plain lines.
	tr -d '\r' <"$LOG" >"$LOG.txt" && mv "$LOG.txt" "$LOG"
}

# boot_once EMULATOR CPU: one run of $iso, serial to $LOG, status in $STATUS.
boot_once() {
	local emu=$1 cpu=$2
	# Should braid's own code die (a triple fault: no log line of braid's
	# can say so), every CPU's registers go to $LOG.cpu.
	rm -f "$LOG.cpu"
	case $emu in
	qemu)
		QEMU_DUMP=$LOG.cpu QEMU_DUMP_ELF=${BRAID_ELF:-build/braid.elf} \
			QEMU_CPU=$cpu QEMU_SERIAL=file:$LOG timeout "${BOOT_TIMEOUT:-240}" \
			tools/run-qemu.sh "$iso" ${boot_args-} >/dev/null 2>&1
		;;
	qemu-uefi)
		QEMU_DUMP=$LOG.cpu QEMU_DUMP_ELF=${BRAID_ELF:-build/braid.elf} \
			QEMU_UEFI=1 QEMU_MEM=${QEMU_MEM:-1G} QEMU_CPU=$cpu QEMU_SERIAL=file:$LOG \
			timeout "${BOOT_TIMEOUT:-240}" tools/run-qemu.sh "$iso" ${boot_args-} >/dev/null 2>&1
		;;
	bochs)
		BOCHS_CPU=$cpu BOCHS_SERIAL=$LOG BOCHS_LOG=$LOG.bochs \
			timeout "${BOOT_TIMEOUT:-240}" tools/run-bochs.sh "$iso" >/dev/null 2>&1
		;;
	esac
	STATUS=$?
}

# explain_log LOG: after a failed check that the run ended, what the
# emulator's status was and where the log stopped (CI keeps only stdout).
explain_log() {
	local log=$1
	echo "  emulator status $(cat "$log.status" 2>/dev/null || echo "?"); last lines of $log:"
	tail -n 8 "$log" 2>/dev/null | cut -c1-200 | sed 's/^/  | /'
	if [ -s "$log.cpu" ]; then
		echo "  the machine shut down (a reset, or a triple fault of braid's own code); every CPU then:"
		sed 's/^/  | /' "$log.cpu"
	fi
	if [ -s "$log.bochs" ]; then
		echo "  last lines of the Bochs log:"
		grep -v '^[0-9]*i\[' "$log.bochs" | tail -n 5 | cut -c1-200 | sed 's/^/  | /'
	fi
}

# expect_line SCENARIO "what" FIXED-STRING: the log has a line containing it.
expect_line() {
	if grep -qF -- "$3" "$LOG"; then
		pass "$1: $2"
	else
		fail "$1: $2 (no line containing: $3; log: $LOG)"
		case $3 in "braid: summary:"*) explain_log "$LOG" ;; esac
	fi
}

# expect_no_line SCENARIO "what" FIXED-STRING
expect_no_line() {
	if grep -qF -- "$3" "$LOG"; then
		fail "$1: $2 (unexpected line: $(grep -F -- "$3" "$LOG" | head -n 1))"
	else
		pass "$1: $2"
	fi
}

# expect_status SCENARIO WANT
expect_status() {
	if [ "$STATUS" = "$2" ]; then
		pass "$1: emulator exit status $2"
	else
		fail "$1: emulator exit status $STATUS, want $2 (log: $LOG)"
	fi
}

# expect_paths_add_up SCENARIO NAME: the stats line's "path" object
# charges every exit but the last (which has no next entry) to one path,
# and the one-to-one reasons keep their counts.
expect_paths_add_up() {
	local st total sum cpuid pcpuid
	st=$(grep -a "^braid: stats {\"guest\":\"$2\"" "$LOG" | tail -n 1)
	total=$(printf '%s\n' "$st" | grep -o '"exits_total":[0-9]*' | cut -d: -f2)
	sum=$(printf '%s\n' "$st" | grep -o '"path":{.*' | grep -o '"n":[0-9]*' |
		cut -d: -f2 | awk '{ s += $1 } END { print s + 0 }')
	cpuid=$(printf '%s\n' "$st" | grep -o '"cpuid":[0-9]*' | head -n 1 | cut -d: -f2)
	pcpuid=$(printf '%s\n' "$st" | grep -o '"cpuid":{"n":[0-9]*' | grep -o '[0-9]*$')
	if [ -n "$total" ] && [ "$sum" = $((total - 1)) ] && [ "${pcpuid:-0}" = "${cpuid:-x}" ]; then
		pass "$1: $2 path counts add up ($sum of $total exits, cpuid $cpuid)"
	else
		fail "$1: $2 path counts: $sum charged of ${total:-?} exits, cpuid ${pcpuid:-0} of ${cpuid:-?}"
	fi
}

# expect_guest_pass SCENARIO NAME: the guest's own summary, braid's verdict
# and the stats line all say it passed.
expect_guest_pass() {
	expect_line "$1" "$2 reports no failures" "[$2] SUMMARY:"
	expect_no_line "$1" "$2 reports no FAIL lines" "[$2] FAIL:"
	expect_line "$1" "$2 exits with result 0" "braid: guest $2: exited with result 0 (pass)"
	expect_line "$1" "$2 stats line says pass" "\"guest\":\"$2\",\"vendor\""
}

# path_avg NAME PATH: the average of PATH in guest NAME's stats line ("" if
# the path never ran).
path_avg() {
	grep -a "^braid: stats {\"guest\":\"$1\"" "$LOG" | tail -n 1 |
		grep -o "\"path\":{.*" | grep -o "\"$2\":{\"n\":[0-9]*,\"avg\":[0-9]*" |
		grep -o '[0-9]*$'
}

# expect_path_at_most SCENARIO NAME PATH LIMIT [REQUIRED]: braid's average
# instructions on PATH (Bochs's TSC counts instructions) are at most LIMIT;
# with REQUIRED, the path must also have run.
expect_path_at_most() {
	local a
	a=$(path_avg "$2" "$3")
	if [ -z "$a" ] && [ -z "${5:-}" ]; then
		pass "$1: $2 takes no $3 exits"
	elif [ -n "$a" ] && [ "$a" -le "$4" ]; then
		pass "$1: $2 $3 exit: $a instructions of braid (target $4)"
	else
		fail "$1: $2 $3 exit: ${a:-no} instructions of braid, target $4 (log: $LOG)"
	fi
}
