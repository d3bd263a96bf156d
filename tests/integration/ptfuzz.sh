#!/bin/bash
# Differential page-table fuzzing (guests/ptfuzz.c): the same seed must
# give the same digest on the bare emulator (the oracle: no hypervisor)
# and under braid in each paging mode.
#
#   tests/integration/ptfuzz.sh [SEEDS [OPS [VENDORS]]]
#     SEEDS: how many seeds, from 1 (default 10); OPS: operations per run
#     (default 100000); VENDORS: "svm vmx" (default).
# make fuzz-guest runs it with the defaults (10^6 operations per mode and
# vendor); make test sources it for a short run (tests/integration/run.sh).
set -u
if [ -z "${PTFUZZ_SOURCED-}" ]; then
	cd "$(dirname "$0")/../.."
	. tests/integration/lib.sh
	mkdir -p "$OUT"
fi
PTFUZZ_MODES=(nested shadow compound)

# ptfuzz_digest LOG NAME: the digest guest NAME printed (NAME "" for a
# bare run's unprefixed line).
ptfuzz_digest() {
	local prefix=
	[ -n "$2" ] && prefix="[$2] "
	awk -v p="${prefix}ptfuzz: seed=" 'index($0, p) == 1 { sub(/.*digest=/, ""); print; exit }' "$1"
}

# ptfuzz_bare VENDOR SEED OPS: the digest on the bare emulator.
ptfuzz_bare() {
	local log=$OUT/ptfuzz-bare-$1-$2.log iso=$OUT/ptfuzz-bare-$2.iso
	: >"$log"
	if [ "$1" = svm ]; then
		QEMU_MEM=64M QEMU_SERIAL=file:$log timeout 1800 \
			tools/run-bare.sh build/guests/ptfuzz.elf "seed=$2 ops=$3" >/dev/null 2>&1
	else
		MKISO_MULTIBOOT=1 tools/mkiso.sh "$iso" build/guests/ptfuzz.elf "seed=$2 ops=$3" &&
			BOCHS_SERIAL=$log timeout 3600 tools/run-bochs.sh "$iso" >/dev/null 2>&1
	fi
	tr -d '\r' <"$log" | ptfuzz_digest /dev/stdin ""
}

# ptfuzz_run VENDOR SEED OPS: one seed in every mode against the oracle.
ptfuzz_run() {
	local v=$1 seed=$2 ops=$3 s=$1-ptfuzz-$2 bare m d mods=()
	for m in "${PTFUZZ_MODES[@]}"; do
		mods+=("build/guests/ptfuzz.elf=name=ptfuzz-$m mem=64M paging=$m -- seed=$seed ops=$ops")
	done
	if [ "$v" = svm ]; then
		BOOT_TIMEOUT=1800 boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu" "${mods[@]}"
	else
		BOOT_TIMEOUT=3600 boot "$s" bochs corei7_haswell_4770 "exit=bochs" "${mods[@]}"
	fi
	bare=$(ptfuzz_bare "$v" "$seed" "$ops")
	if [ -z "$bare" ]; then
		fail "$s: no digest from the bare emulator"
		return
	fi
	for m in "${PTFUZZ_MODES[@]}"; do
		d=$(ptfuzz_digest "$LOG" "ptfuzz-$m")
		if [ "$d" = "$bare" ]; then
			pass "$s: $m paging gives the bare emulator's digest after $ops operations ($d)"
		else
			fail "$s: $m paging digest ${d:-none}, bare ${bare} (seed $seed, $ops operations; log $LOG)"
		fi
	done
}

if [ -z "${PTFUZZ_SOURCED-}" ]; then
	seeds=${1:-10} ops=${2:-100000}
	for v in ${3:-svm vmx}; do
		for seed in $(seq 1 "$seeds"); do
			ptfuzz_run "$v" "$seed" "$ops"
		done
	done
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ]
fi
