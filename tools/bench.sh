#!/bin/bash
# `make bench`: run the workloads (static, dynamic, mixed) under nested,
# shadow and compound paging on both vendors in one run, and print one
# side-by-side table (and build/bench/bench.csv):
#   exits by reason, page-table write traps, reclassifications, modeled
#   memory references per TLB miss (tools/walkcost), and TSC ticks spent in
#   the hypervisor vs in the guest. Under Bochs the TSC counts emulated
#   instructions; under QEMU it is host time. Compare within a column.
# Then the Linux guest (Debian's kernel, guests/linux/) under the three
# modes, beside the same kernel and initramfs booted directly in QEMU in the
# same run: time to /init and each workload's time as ratios to bare, and
# the same counters (build/bench/bench-linux.csv).
# Then Linux with two vCPUs (vcpus=2 on CPUs 1-2 of QEMU -smp 3) under the three modes on
# QEMU/SVM, beside the same kernel bare on QEMU -smp 2: ratios per workload
# (mtchurn too), exits, IPIs, yields (build/bench/bench-linux-smp.csv).
# BENCH_VENDORS="svm vmx" (or "" to skip the toy workloads)
# BENCH_WORKLOADS="static dynamic mixed"
# BENCH_LINUX_VENDORS="svm" (add vmx for Bochs: tens of minutes) or "" to skip
# BENCH_LINUX_SMP=0 skips the SMP rows; BENCH_LINUX_SMP_RUN: their workloads
# (braid.run=, default forkexec,mmapchurn,bigws,mixws,mtchurn)
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib.sh
OUT=build/bench
mkdir -p "$OUT"
vendors=${BENCH_VENDORS-svm vmx}
workloads=${BENCH_WORKLOADS:-static dynamic mixed}
modes="nested shadow compound"
csv=$OUT/bench.csv
pcsv=$OUT/paths.csv
[ -z "$vendors" ] || echo "workload,vendor,paging,path,n,avg,max" >"$pcsv"
[ -z "$vendors" ] || echo "workload,vendor,paging,result,exits_total,exits_pf,exits_npf,exits_cr,exits_io,pt_write_traps,to_nested,to_shadow,refs_native,refs_nested,refs_shadow,refs_compound_stock,refs_compound_proposed,refs_actual,hv_tsc,guest_tsc" >"$csv"

# field JSON-LINE KEY: the first number after "KEY": (0 if absent).
field() {
	local v
	v=$(printf '%s\n' "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d: -f2)
	echo "${v:-0}"
}

# paths JSON-LINE: "path,n,avg,max" for each path in the stats line's
# "path" object (braid's own ticks from a VM exit to the next entry).
paths() {
	printf '%s\n' "$1" | grep -o '"path":{.*' |
		grep -o '"[a-z_0-9]*":{"n":[0-9]*,"avg":[0-9]*,"max":[0-9]*}' |
		sed -E 's/"([a-z_0-9]+)":\{"n":([0-9]+),"avg":([0-9]+),"max":([0-9]+)\}/\1,\2,\3,\4/'
}

for vendor in $vendors; do
	for mode in $modes; do
		mods=()
		for w in $workloads; do
			mods+=("build/guests/$w.elf=name=$w mem=64M paging=$mode trace=2000")
		done
		if [ "$vendor" = svm ]; then
			boot "bench-$vendor-$mode" qemu "qemu64,+svm,+npt" "exit=qemu sched=serial" "${mods[@]}"
		else
			boot "bench-$vendor-$mode" bochs corei7_haswell_4770 "exit=bochs sched=serial" "${mods[@]}"
		fi
		tools/walkcost -c "$LOG" >"$OUT/walk-$vendor-$mode.csv" 2>/dev/null
		for w in $workloads; do
			st=$(grep -a "^braid: stats {\"guest\":\"$w\"" "$LOG" | tail -n 1)
			wc=$(grep "^$w,$vendor,$mode," "$OUT/walk-$vendor-$mode.csv" | head -n 1)
			IFS=, read -r _ _ _ rn rne rs rcs rcp ra _ <<<"${wc:-,,,,,,,,,}"
			res=$(printf '%s\n' "$st" | grep -o '"result":"[a-z]*"' | cut -d'"' -f4)
			paths "$st" | sed "s/^/$w,$vendor,$mode,/" >>"$pcsv"
			echo "$w,$vendor,$mode,${res:-none},$(field "$st" exits_total),$(field "$st" pf),$(field "$st" npf),$(field "$st" cr),$(field "$st" io),$(field "$st" pt_write_traps),$(field "$st" to_nested),$(field "$st" to_shadow),$rn,$rne,$rs,$rcs,$rcp,$ra,$(field "$st" hv_tsc),$(field "$st" guest_tsc)" >>"$csv"
		done
	done
done

# The table: one row per workload, vendor and mode.
if [ -n "$vendors" ]; then
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
fi

# Exit path lengths on the Intel path, where Bochs's TSC counts instructions:
# braid's own instructions from a VM exit to the next entry, by path. The
# exitcost guest repeats the exits the targets are about.
if [[ " $vendors " == *" vmx "* ]]; then
	for mode in $modes; do
		boot "bench-exitcost-$mode" bochs corei7_haswell_4770 "exit=bochs sched=serial" \
			"build/guests/exitcost.elf=name=exitcost mem=64M paging=$mode$([ "$mode" = compound ] && echo " cp_writes=65535")"
		st=$(grep -a '^braid: stats {"guest":"exitcost"' "$LOG" | tail -n 1)
		paths "$st" | sed "s/^/exitcost,vmx,$mode,/" >>"$pcsv"
	done
fi
if [ -n "$vendors" ] && grep -q ',vmx,' "$pcsv"; then
	echo
	echo "braid's instructions per exit (Bochs/VMX, average over the run; n in $pcsv;"
	echo "a workload that makes a path a handful of times averages its one-off costs:"
	echo "exitcost repeats each 4096 times):"
	awk -F, 'NR > 1 && $2 == "vmx" { k = $1 " " $3; if (!(k in seen)) { seen[k] = 1; order[++rows] = k }
		avg[k, $4] = $6 }
	END {
		split("cpuid io msr pf_fill pf_reflect pt_write cr3 invlpg npf mmio", cols, " ")
		printf "%-8s %-9s", "workload", "paging"
		for (c = 1; c <= 10; c++) printf " %9s", cols[c]
		printf "\n"
		for (r = 1; r <= rows; r++) {
			split(order[r], kp, " ")
			printf "%-8s %-9s", kp[1], kp[2]
			for (c = 1; c <= 10; c++) printf " %9s", ((order[r], cols[c]) in avg) ? avg[order[r], cols[c]] : "-"
			printf "\n"
		}
	}' "$pcsv"
	# The targets: a CPUID round trip and an emulated page-table write,
	# braid's own instructions, the worst average of any mode on the
	# exitcost guest (thousands of each; a workload's handful of CPUIDs
	# would be an average of its outliers).
	awk -F, 'NR > 1 && $1 == "exitcost" && $2 == "vmx" && ($4 == "cpuid" || $4 == "pt_write") {
		if ($6 > worst[$4]) worst[$4] = $6
	}
	END {
		split("cpuid 250 pt_write 1500", t, " ")
		for (i = 1; i < 4; i += 2)
			if (t[i] in worst)
				printf "target: %s at most %d instructions: worst average %d (%s)\n", t[i], t[i + 1], worst[t[i]], worst[t[i]] <= t[i + 1] ? "met" : "MISSED"
	}' "$pcsv"
fi

# exit_sources TITLE LOG-PREFIX GUEST-PREFIX: each mode's exits by where
# they came from, from its stats line. Shadow and compound intercept #PF,
# so every page fault of the guest's own (demand paging, copy on write)
# exits and is reflected back to it; nested paging never sees those.
# pf-braid: the other #PF exits (fills of braid's tree, page-table writes
# with EPT/NPT off, MMIO under shadow paging); npf: MMIO under nested
# paging, page-table writes under compound. The last two columns set a
# mode's exits against nested paging's, with and without the reflected
# faults.
exit_sources() {
	local m st e nested=
	echo
	echo "$1"
	printf "%-9s %9s %9s %9s %7s %7s %9s %8s %12s\n" paging exits reflected pf-braid npf cr rest x-nested x-nested-rfl
	for m in nested shadow compound; do
		st=$(grep -a "^braid: stats {\"guest\":\"$3$m\"" "$2$m.log" 2>/dev/null | tail -n 1)
		[ -n "$st" ] || continue
		e=$(field "$st" exits_total)
		[ "$m" = nested ] && nested=$e
		awk -v m="$m" -v e="$e" -v r="$(field "$st" reflected_faults)" \
			-v pf="$(field "$st" pf)" -v npf="$(field "$st" npf)" \
			-v c="$(field "$st" cr)" -v n="${nested:-0}" 'BEGIN {
			x = n ? sprintf("%.2f", e / n) : "-"
			y = n ? sprintf("%.2f", (e - r) / n) : "-"
			printf "%-9s %9.0f %9.0f %9.0f %7.0f %7.0f %9.0f %8s %12s\n", m, e, r, pf - r, npf, c, e - pf - npf - c, x, y
		}'
	done
	echo "reflected: the guest's own page faults, which exit only because #PF is intercepted"
	echo "(SVM's exception intercepts cannot filter by error code, APM Vol. 2 15.12; VMX's"
	echo "PFEC_MASK/PFEC_MATCH could, SDM Vol. 3C 26.2). x-nested: exits / nested's exits;"
	echo "x-nested-rfl: the same without the reflected faults."
}

# --- Linux ------------------------------------------------------------------
. tests/integration/linux.sh
linux_vendors=${BENCH_LINUX_VENDORS-svm}
lcsv=$OUT/bench-linux.csv
[ -z "$linux_vendors" ] || echo "vendor,paging,result,init_s,init_ratio,forkexec_ratio,mmapchurn_ratio,bigws_ratio,mixws_ratio,exits_total,exits_pf,exits_npf,exits_cr,exits_io,exits_msr,irqs,mmio,pt_write_traps,to_nested,to_shadow,shadow_bytes,nested_bytes,hv_tsc,guest_tsc,refs_native,refs_nested,refs_shadow,refs_compound_stock,refs_compound_proposed,refs_actual" >"$lcsv"

# init_s LOG [PREFIX]: the kernel's uptime when /init started.
init_s() { grep -aF "${2:-}BRAID-INIT start" "$1" | head -n 1 | sed 's/.*uptime=//'; }
# wl_ns LOG WORKLOAD [PREFIX]: the workload's own elapsed time.
wl_ns() { grep -aF "${3:-}BRAID-RESULT $2 " "$1" | head -n 1 | grep -o ' ns=[0-9]*' | cut -d= -f2; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a / b }'; }

# The reference: the same kernel and initramfs on bare QEMU (TCG), now.
bare_log=$OUT/linux-bare.log
[ -z "$linux_vendors" ] ||
	LINUX_LOG=$bare_log tools/run-linux-bare.sh "braid.scale=${LINUX_SCALE:-1}" \
		>/dev/null 2>"$OUT/linux-bare.err"
bare_init=$([ -z "$linux_vendors" ] || init_s "$bare_log")
for vendor in $linux_vendors; do
	for mode in nested shadow compound; do
		s=bench-linux-$vendor-$mode g=linux-$mode
		if [ "$vendor" = svm ]; then
			BOOT_TIMEOUT=900 LINUX_OPTS=dump_lines=0 \
				linux_boot "$s" qemu "qemu64,+svm,+npt" "$mode"
		else
			BOOT_TIMEOUT=3600 BOCHS_MEGS=512 LINUX_MEM=160M \
				LINUX_OPTS=dump_lines=0 \
				linux_boot "$s" bochs corei7_haswell_4770 "$mode"
		fi
		st=$(grep -a "^braid: stats {\"guest\":\"$g\"" "$LOG" | tail -n 1)
		ce=$(grep -a "^braid: classify-end {\"guest\":\"$g\"" "$LOG" | tail -n 1)
		res=$(printf '%s\n' "$st" | grep -o '"result":"[a-z]*"' | cut -d'"' -f4)
		row="$vendor,$mode,${res:-none},$(init_s "$LOG" "[$g] "),$(ratio "$(init_s "$LOG" "[$g] ")" "$bare_init")"
		for w in $LINUX_WORKLOADS; do
			row="$row,$(ratio "$(wl_ns "$LOG" "$w" "[$g] ")" "$(wl_ns "$bare_log" "$w")")"
		done
		for f in exits_total pf npf cr io msr irqs mmio pt_write_traps to_nested to_shadow; do
			row="$row,$(field "$st" "$f")"
		done
		row="$row,$(field "$ce" shadow),$(field "$ce" nested),$(field "$st" hv_tsc),$(field "$st" guest_tsc)"
		# The walk-cost model of the address space /init's last process
		# left at exit (the full dump: dump_lines=0).
		tools/walkcost -c "$LOG" >"$OUT/walk-linux-$vendor-$mode.csv" 2>/dev/null
		wc=$(grep "^$g,$vendor,$mode," "$OUT/walk-linux-$vendor-$mode.csv" | head -n 1)
		IFS=, read -r _ _ _ rn rne rs rcs rcp ra _ <<<"${wc:-,,,,,,,,,}"
		echo "$row,$rn,$rne,$rs,$rcs,$rcp,$ra" >>"$lcsv"
	done
done

if [ -n "$linux_vendors" ]; then
	echo
	echo "Linux (Debian's kernel, busybox initramfs) under braid; times are ratios to the same"
	echo "kernel booted directly in QEMU in this run (bare /init at ${bare_init:-?} s of uptime)."
	awk -F, 'NR == 1 { next }
	{
		printf "%-4s %-9s %-7s %6s %6s %6s %6s %6s %9s %8s %6s %7s %8s %7s %6s %6s %7s %9s %7s\n", \
			$1, $2, $3, $5, $6, $7, $8, $9, $10, $11, $12, $13, $18, $16, $19, $20, \
			($23 + $24) ? sprintf("%.1f%%", 100 * $23 / ($23 + $24)) : "-", $30, \
			($2 == "compound") ? $28 "/" $29 : "-"
	}' "$lcsv" | {
		printf "%-4s %-9s %-7s %6s %6s %6s %6s %6s %9s %8s %6s %7s %8s %7s %6s %6s %7s %9s %7s\n" \
			cpu paging result init fork mmap bigws mixws exits pf-exits npf cr-exits pt-writes irqs to-nst to-shd hv-time refs/miss cmp:stk/prp
		cat
	}
	echo "init/fork/mmap/bigws/mixws: time to /init and per workload, braid / bare QEMU."
	echo "refs/miss: tools/walkcost on the address space left at exit (the last process's)."
	echo "CSV: $lcsv; logs: $OUT/bench-linux-*.log, $bare_log"
	for vendor in $linux_vendors; do
		exit_sources "Where the exits came from (Linux, one vCPU, $vendor, the whole run):" \
			"$OUT/bench-linux-$vendor-" linux-
	done
fi

# --- Linux, two vCPUs -------------------------------------------------------
# vcpus=2 on two QEMU CPUs (multi-threaded TCG), and the same kernel bare
# on -smp 2. The two vCPUs run at once in every mode (shadow and compound:
# one shared tree, hv/mmu_sync.c), on CPUs 1-2 of -smp 3: QEMU 7.2
# corrupts its CPU 0 when it runs guests beside other threads' FXRSTORs
# (docs/emulators.md); the idle CPU 0 sleeps in HLT.
[ "${BENCH_LINUX_SMP:-1}" != 0 ] || exit 0
smp_run=${BENCH_LINUX_SMP_RUN:-forkexec,mmapchurn,bigws,mixws,mtchurn}
smp_wls="forkexec mmapchurn bigws mixws mtchurn"
scsv=$OUT/bench-linux-smp.csv
echo "vendor,paging,vcpus,result,init_s,init_ratio,$(tr ' ' '\n' <<<"$smp_wls" | sed 's/$/_ratio/' | paste -sd,),exits_total,exits_pf,exits_npf,exits_cr,exits_io,exits_msr,exits_hlt,exits_cpuid,exits_intr,exits_irq_window,exits_other,irqs,mmio,ipis_sent,ipis_delivered,yields,switches,pt_write_traps,hv_tsc,guest_tsc,idle_tsc,refs_native,refs_nested,refs_shadow,refs_compound_stock,refs_compound_proposed,refs_actual,wall_ms,wall_ratio,lock_waits,shootdowns_sent,shootdowns_received" >"$scsv"
sbare_log=$OUT/linux-bare-smp.log
QEMU_SMP=2 LINUX_LOG=$sbare_log tools/run-linux-bare.sh \
	"braid.scale=${LINUX_SCALE:-1}" "braid.run=$smp_run" \
	>/dev/null 2>"$OUT/linux-bare-smp.err"
sbare_init=$(init_s "$sbare_log")
# The host's wall time of the whole bare run (run-linux-bare.sh's total_ms).
sbare_wall=$(grep -o 'total_ms=[0-9]*' "$OUT/linux-bare-smp.err" | cut -d= -f2)
for mode in nested shadow compound; do
	s=bench-linux-smp-svm-$mode g=linux-smp-$mode
	# The one-vCPU rows' command line, the workloads named last (the last
	# braid.run= wins in /init).
	t0=$(date +%s%N)
	boot_args="-smp 3" BOOT_TIMEOUT=900 boot "$s" qemu "qemu64,+svm,+npt" "exit=qemu" \
		"$LK=name=$g mem=$LINUX_MEM paging=$mode vcpus=2 cpus=1-2 dump_lines=0 -- $(linux_cmdline) braid.run=$smp_run" \
		"$LI=+initrd"
	wall=$((($(date +%s%N) - t0) / 1000000))
	st=$(grep -a "^braid: stats {\"guest\":\"$g\"" "$LOG" | tail -n 1)
	res=$(printf '%s\n' "$st" | grep -o '"result":"[a-z]*"' | cut -d'"' -f4)
	row="svm,$mode,$(printf '%s\n' "$st" | grep -o '"vcpus":[0-9]*' | grep -o '[0-9]*$'),${res:-none}"
	row="$row,$(init_s "$LOG" "[$g] "),$(ratio "$(init_s "$LOG" "[$g] ")" "$sbare_init")"
	for w in $smp_wls; do
		row="$row,$(ratio "$(wl_ns "$LOG" "$w" "[$g] ")" "$(wl_ns "$sbare_log" "$w")")"
	done
	for f in exits_total pf npf cr io msr hlt cpuid intr irq_window other irqs mmio \
		sent delivered yields switches pt_write_traps hv_tsc guest_tsc idle_tsc; do
		row="$row,$(field "$st" "$f")"
	done
	# The walk-cost model reads the classify dump of the bootstrap vCPU's
	# address space at exit.
	tools/walkcost -c "$LOG" >"$OUT/walk-linux-smp-svm-$mode.csv" 2>/dev/null
	wc=$(grep "^$g,svm,$mode," "$OUT/walk-linux-smp-svm-$mode.csv" | head -n 1)
	IFS=, read -r _ _ _ rn rne rs rcs rcp ra _ <<<"${wc:-,,,,,,,,,}"
	sd=$(field "$st" lock_waits),$(field "$st" shootdowns_sent),$(field "$st" shootdowns_received)
	echo "$row,$rn,$rne,$rs,$rcs,$rcp,$ra,$wall,$(ratio "$wall" "$sbare_wall"),$sd" >>"$scsv"
done

echo
echo "Linux with two vCPUs (vcpus=2 on CPUs 1-2 of QEMU -smp 3, CPU 0 idle; braid.run=$smp_run); times are ratios"
echo "to the same kernel bare on QEMU -smp 2 in this run (bare /init at ${sbare_init:-?} s of uptime)."
awk -F, 'NR == 1 { next }
{
	printf "%-9s %-7s %5s %6s %6s %6s %6s %6s %6s %8s %7s %7s %6s %6s %9s %6s %9s %7s %9s %7s %7s %11s\n", \
		$2, $4, $40, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $18, \
		$25 "/" $26, $27, $29, \
		($30 + $31) ? sprintf("%.1f%%", 100 * $30 / ($30 + $31)) : "-", $38, \
		($2 == "compound") ? $36 "/" $37 : "-", $41, $42 "/" $43
}' "$scsv" | {
	printf "%-9s %-7s %5s %6s %6s %6s %6s %6s %6s %8s %7s %7s %6s %6s %9s %6s %9s %7s %9s %7s %7s %11s\n" \
		paging result wall init fork mmap bigws mixws mtchrn exits pf-exits npf cr-exits hlt ipi:snt/dlv yields pt-writes hv-time refs/miss cmp:stk/prp lk-wait shootdn:s/r
	cat
}
echo "Every mode runs the two vCPUs at once (shadow and compound share one tree: lk-wait,"
echo "its MMU lock found busy; shootdn, vCPUs braid made to flush). wall: the host's time"
echo "for the whole run (ISO, braid's boot, Linux, workloads), braid / bare QEMU -smp 2."
echo "init/fork/.../mtchrn: time to /init and per workload by the guest's own clock,"
echo "braid / bare (- : not run); a ratio far below 1 means the guest's clock fell behind."
echo "refs/miss: tools/walkcost on the bootstrap vCPU's address space at exit."
echo "CSV: $scsv; logs: $OUT/bench-linux-smp-*.log, $sbare_log"
exit_sources "Where the exits came from (Linux, two vCPUs, the whole run):" \
	"$OUT/bench-linux-smp-svm-" linux-smp-
