# The TLB model plugin (tools/tlbplugin) against a guest whose misses are
# known (guests/tlbstride.c), bare and under braid in each paging mode on
# the AMD path. Sourced by run.sh after lib.sh; run_tlb_checks runs it.
#
# What must hold, for both modeled CPUs:
#   bare      the analytic answers: window 16 ("fit") 32 misses; window 17
#             ("sweep4k") 32736 (32768 less the 32 pages still cached from
#             window 16); window 18 ("sweep2m") at most 8, one per 2 MiB
#             page; no exits, no braid instructions.
#   braid     the guest's own data accesses over its whole run within 0.1%
#             of bare, although braid runs between its instructions: the
#             VMRUN/#VMEXIT boundary keeps braid's accesses out; exits and
#             braid instructions seen.
#   nested    every window's misses within 1% (+2) of bare: the guest's
#             page sizes reach the TLB (guest 2M over NPT 2M).
#   shadow,   windows 16 and 17 as bare, and window 18 too: braid's
#   compound  tables give the hardware 2 MiB leaves for the guest's 2 MiB
#             pages (mm/shadow.c, large_leaf()).
#   shadow    with large=off: window 18 pays one miss per access, the TLB
#   -4k       reach that 4 KiB leaves for 2 MiB pages cost.

TLB_MODELS="skylake zen2"

# tlbget FILE WINDOW KEY [MODEL]: a number from the plugin's line for
# WINDOW: a top-level KEY, or MODEL's KEY. Empty if absent.
tlbget() {
	local line
	line=$(grep -a "^tlbplugin {.*\"window\":$2," "$1" | tail -n 1)
	[ -n "${4:-}" ] && line=$(printf '%s\n' "$line" | grep -o "\"$4\":{[^}]*}")
	printf '%s\n' "$line" | grep -o "\"$3\":[0-9]*" | head -n 1 | cut -d: -f2
}

# tlblevels FILE WINDOW MODEL: the misses by braid levels, "n0 n1 n2 n3 n4".
tlblevels() {
	grep -a "^tlbplugin {.*\"window\":$2," "$1" | tail -n 1 |
		grep -o "\"$3\":{[^}]*}" | grep -o '"braid_levels":\[[0-9,]*' |
		cut -d[ -f2 | tr , ' '
}

# tlb_expect SCENARIO WHAT VALUE LOW HIGH
tlb_expect() {
	if [ -n "$3" ] && [ "$3" -ge "$4" ] && [ "$3" -le "$5" ]; then
		pass "$1: $2 = $3"
	else
		fail "$1: $2 = ${3:-none}, want $4..$5"
	fi
}

# tlb_near SCENARIO WHAT VALUE REF PERMILLE SLACK: VALUE within
# PERMILLE/1000 of REF, plus SLACK.
tlb_near() {
	local d=$(($4 * $5 / 1000 + $6))
	tlb_expect "$1" "$2 (bare: $4)" "$3" $(($4 > d ? $4 - d : 0)) $(($4 + d))
}

run_tlb_checks() {
	local bare=$OUT/tlb-bare.tlb m w mode f ref l0 l1 l2 l3 l4
	QEMU_SERIAL=file:$OUT/tlb-bare.log QEMU_TLBPLUGIN=$bare \
		QEMU_TLBPLUGIN_OPTS=bare=on,label=tlbstride \
		timeout "${BOOT_TIMEOUT:-240}" tools/run-bare.sh $G/tlbstride.elf
	STATUS=$?
	LOG=$OUT/tlb-bare.log
	expect_status tlb-bare 0
	for m in $TLB_MODELS; do
		tlb_expect tlb-bare "$m fit misses" "$(tlbget "$bare" 16 d_miss $m)" 32 40
		tlb_expect tlb-bare "$m sweep4k misses" "$(tlbget "$bare" 17 d_miss $m)" 32736 32768
		tlb_expect tlb-bare "$m sweep2m misses" "$(tlbget "$bare" 18 d_miss $m)" 0 8
	done
	tlb_expect tlb-bare "exits and braid instructions" \
		"$(($(tlbget "$bare" 0 exits) + $(tlbget "$bare" 0 host_insns)))" 0 0
	# A bad plugin option: QEMU does not start, and says why.
	QEMU_SERIAL=file:$OUT/tlb-badopt.log QEMU_TLBPLUGIN=$OUT/tlb-badopt.tlb \
		QEMU_TLBPLUGIN_OPTS=cpu=pentium tools/run-bare.sh $G/hello.elf \
		2>"$OUT/tlb-badopt.err"
	STATUS=$?
	LOG=$OUT/tlb-badopt.err
	expect_status tlb-badopt 125
	expect_line tlb-badopt "names the unknown CPU" \
		"tlbplugin: error: unknown cpu= (known: skylake zen2): pentium"
	for mode in nested shadow compound shadow-4k; do
		f=$OUT/tlb-$mode.tlb
		QEMU_TLBPLUGIN=$f boot "tlb-$mode" qemu "qemu64,+svm,+npt" "exit=qemu sched=serial" \
			"$G/tlbstride.elf=name=tlbstride mem=64M paging=${mode%-4k}$([ "$mode" = shadow-4k ] && echo ' large=off')"
		expect_status "tlb-$mode" 0
		expect_no_line "tlb-$mode" "the plugin found braid's trace box" \
			"no trace box"
		tlb_near "tlb-$mode" "guest data accesses, whole run" \
			"$(tlbget "$f" 0 d_access skylake)" \
			"$(tlbget "$bare" 0 d_access skylake)" 1 0
		tlb_expect "tlb-$mode" "exits seen" "$(tlbget "$f" 0 exits)" 1 100000000
		tlb_expect "tlb-$mode" "braid instructions seen" \
			"$(tlbget "$f" 0 host_insns)" 1 100000000000
		# Whose tables the walks read: the guest's under nested paging,
		# braid's all the way under shadow paging.
		read -r l0 l1 l2 l3 l4 <<<"$(tlblevels "$f" 0 skylake)"
		case $mode in
		nested) tlb_expect "tlb-$mode" "misses walking braid's tables" \
			"$((${l1:-1} + ${l2:-1} + ${l3:-1} + ${l4:-1}))" 0 0 ;;
		shadow*) tlb_expect "tlb-$mode" "misses walking the guest's tables" \
			"${l0:-}" 0 0 ;;
		esac
		for m in $TLB_MODELS; do
			for w in 16 17; do
				tlb_near "tlb-$mode" "$m window $w misses" \
					"$(tlbget "$f" $w d_miss $m)" \
					"$(tlbget "$bare" $w d_miss $m)" 10 2
			done
			ref=$(tlbget "$bare" 18 d_miss $m)
			if [ "$mode" != shadow-4k ]; then
				tlb_near "tlb-$mode" "$m sweep2m misses (2 MiB kept)" \
					"$(tlbget "$f" 18 d_miss $m)" "$ref" 10 8
			else
				tlb_expect "tlb-$mode" "$m sweep2m misses (4 KiB leaves)" \
					"$(tlbget "$f" 18 d_miss $m)" 32000 32768
			fi
		done
	done
}
