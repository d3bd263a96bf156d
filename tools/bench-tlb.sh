#!/bin/bash
# `make bench`, second part: translation cost measured, not assumed. Each
# workload runs bare in QEMU (the native baseline) and under braid in each
# paging mode on the AMD path, with the TLB model plugin (tools/tlbplugin)
# watching the guest's own accesses inside the workload's measurement
# window; tools/tlbcost turns the misses, walk references, exits and
# braid's instructions into one modeled overhead figure per mode, with a
# sensitivity line. Output: the tables, build/bench/tlbcost.csv, and the
# plugin's raw lines in build/bench/tlb-*.tlb.
#   BENCH_WORKLOADS="static dynamic mixed"   the toy workloads
#   BENCH_LINUX_VENDORS="svm" (the default) also runs the Linux workloads
#   (windows 1-4: forkexec mmapchurn bigws mixws); "" skips them.
#   LINUX_SCALE (1) scales the Linux workloads.
#   TLBCOST_PARAMS="-p exit_cycles=2000 ..." overrides tools/tlbcost's.
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
OUT=build/bench
mkdir -p "$OUT"
workloads=${BENCH_WORKLOADS:-static dynamic mixed}
modes="nested shadow compound"
csv=$OUT/tlbcost.csv
read -ra cost_params <<<"${TLBCOST_PARAMS:-}"
tools/tlbcost -H >"$csv"

# report WORKLOAD NATIVE-FILE NATIVE-GUEST BRAID-FILE-PREFIX GUEST-OF-MODE WINDOW
report() {
	local w=$1 nf=$2 ng=$3 pre=$4 gfmt=$5 win=$6 args m
	args=("native=$nf:$ng:$win")
	for m in $modes; do
		args+=("$m=$pre-$m.tlb:$(printf "$gfmt" "$m"):$win")
	done
	tools/tlbcost "${cost_params[@]}" "$w" "${args[@]}"
	tools/tlbcost -c "${cost_params[@]}" "$w" "${args[@]}" >>"$csv"
}

echo
echo "Translation cost: TLB misses of the guest's own access stream (tools/tlbplugin,"
echo "QEMU TCG, AMD path) and tools/tlbcost's model; docs/measurement.md says what"
echo "is measured and what is modeled."
for w in $workloads; do
	QEMU_SERIAL=file:$OUT/tlb-native-$w.log QEMU_TLBPLUGIN=$OUT/tlb-native-$w.tlb \
		QEMU_TLBPLUGIN_OPTS=bare=on,label=$w \
		timeout 600 tools/run-bare.sh "build/guests/$w.elf" ||
		echo "bench-tlb: $w failed bare (log: $OUT/tlb-native-$w.log)"
done
for m in $modes; do
	mods=()
	for w in $workloads; do
		mods+=("build/guests/$w.elf=name=$w mem=64M paging=$m")
	done
	QEMU_TLBPLUGIN=$OUT/tlb-toy-$m.tlb BOOT_TIMEOUT=600 \
		boot "tlb-toy-$m" qemu "qemu64,+svm,+npt" "exit=qemu sched=serial" "${mods[@]}"
done
for w in $workloads; do
	report "$w" "$OUT/tlb-native-$w.tlb" "$w" "$OUT/tlb-toy" "$w" 0
done

# --- Linux ------------------------------------------------------------------
. tests/integration/linux.sh
case " ${BENCH_LINUX_VENDORS-svm} " in
*" svm "*) ;;
*) exit 0 ;;
esac
LINUX_LOG=$OUT/tlb-native-linux.log QEMU_TLBPLUGIN=$OUT/tlb-native-linux.tlb \
	QEMU_TLBPLUGIN_OPTS=bare=on,label=linux LINUX_TIMEOUT=3600 \
	tools/run-linux-bare.sh "braid.scale=${LINUX_SCALE:-1}" \
	>/dev/null 2>"$OUT/tlb-native-linux.err"
for m in $modes; do
	QEMU_TLBPLUGIN=$OUT/tlb-linux-$m.tlb BOOT_TIMEOUT=3600 \
		LINUX_OPTS=dump_lines=0 linux_boot "tlb-linux-$m" qemu "qemu64,+svm,+npt" "$m"
done
i=0
for w in $LINUX_WORKLOADS; do
	i=$((i + 1))
	report "linux-$w" "$OUT/tlb-native-linux.tlb" linux "$OUT/tlb-linux" "linux-%s" "$i"
done
echo "CSV: $csv; the plugin's lines: $OUT/tlb-*.tlb; pictures: make bench-svg"
