#!/bin/bash
# `make bench`: run the workloads (static, dynamic, mixed) under nested,
# shadow and compound paging on both vendors in one run, and print one
# side-by-side table (and build/bench/bench.csv):
#   exits by reason, page-table write traps, reclassifications, modeled
#   memory references per TLB miss (tools/walkcost), and TSC ticks spent in
#   the hypervisor vs in the guest. Under Bochs the TSC counts emulated
#   instructions; under QEMU it is host time. Compare within a column.
# BENCH_VENDORS="svm vmx" BENCH_WORKLOADS="static dynamic mixed"
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
OUT=build/bench
mkdir -p "$OUT"
vendors=${BENCH_VENDORS:-svm vmx}
workloads=${BENCH_WORKLOADS:-static dynamic mixed}
modes="nested shadow compound"
csv=$OUT/bench.csv
echo "workload,vendor,paging,result,exits_total,exits_pf,exits_npf,exits_cr,exits_io,pt_write_traps,to_nested,to_shadow,refs_native,refs_nested,refs_shadow,refs_compound_stock,refs_compound_proposed,refs_actual,hv_tsc,guest_tsc" >"$csv"

# field JSON-LINE KEY: the first number after "KEY": (0 if absent).
field() {
	local v
	v=$(printf '%s\n' "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d: -f2)
	echo "${v:-0}"
}

for vendor in $vendors; do
	for mode in $modes; do
		mods=()
		for w in $workloads; do
			mods+=("build/guests/$w.elf=name=$w mem=64M paging=$mode trace=2000")
		done
		if [ "$vendor" = svm ]; then
			boot "bench-$vendor-$mode" qemu "qemu64,+svm,+npt" "exit=qemu" "${mods[@]}"
		else
			boot "bench-$vendor-$mode" bochs corei7_haswell_4770 "exit=bochs" "${mods[@]}"
		fi
		tools/walkcost -c "$LOG" >"$OUT/walk-$vendor-$mode.csv" 2>/dev/null
		for w in $workloads; do
			st=$(grep -a "^braid: stats {\"guest\":\"$w\"" "$LOG" | tail -n 1)
			wc=$(grep "^$w,$vendor,$mode," "$OUT/walk-$vendor-$mode.csv" | head -n 1)
			IFS=, read -r _ _ _ rn rne rs rcs rcp ra _ <<<"${wc:-,,,,,,,,,}"
			res=$(printf '%s\n' "$st" | grep -o '"result":"[a-z]*"' | cut -d'"' -f4)
			echo "$w,$vendor,$mode,${res:-none},$(field "$st" exits_total),$(field "$st" pf),$(field "$st" npf),$(field "$st" cr),$(field "$st" io),$(field "$st" pt_write_traps),$(field "$st" to_nested),$(field "$st" to_shadow),$rn,$rne,$rs,$rcs,$rcp,$ra,$(field "$st" hv_tsc),$(field "$st" guest_tsc)" >>"$csv"
		done
	done
done

# The table: one row per workload, vendor and mode.
awk -F, 'NR == 1 { next }
{
	printf "%-8s %-4s %-9s %-7s %9s %8s %7s %7s %9s %6s %6s %7s %7s %7s\n", \
		$1, $2, $3, $4, $5, $6, $7, $8, $10, $11, $12, $18, \
		($19 + $20) ? sprintf("%.1f%%", 100 * $19 / ($19 + $20)) : "-", \
		($3 == "compound") ? $16 "/" $17 : "-"
}' "$csv" | {
	printf "%-8s %-4s %-9s %-7s %9s %8s %7s %7s %9s %6s %6s %7s %7s %7s\n" \
		workload cpu paging result exits pf-exits npf cr-exits pt-writes to-nst to-shd refs/miss hv-time cmp:stk/prp
	cat
}
echo
echo "refs/miss: modeled memory references per TLB miss for the mode run (tools/walkcost);"
echo "cmp:stk/prp: compound on stock hardware / on the proposed hardware. hv-time: share of"
echo "TSC ticks spent in braid. CSV: $csv; logs: $OUT/bench-*.log; pictures: make bench-svg"
