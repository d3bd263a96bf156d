#!/bin/bash
# The integration suite: boot braid with guests on both vendors and check
# what really happened (serial lines, stats lines, emulator exit status).
#   AMD SVM + NPT:  QEMU TCG, CPU qemu64,+svm,+npt   (and Bochs zambezi)
#   Intel VMX + EPT: Bochs, CPU corei7_haswell_4770  (and sandy bridge)
# Exit status: 0 when every guest passed; otherwise QEMU's own status for
# braid's code ((code << 1) | 1, so 3 for a failing guest), and 1 on Bochs.
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/linux.sh
. tests/integration/tlb.sh
. tests/integration/console.sh
. tests/integration/entrycheck.sh
mkdir -p "$OUT"
: >"$OUT/boot-times"

# Linux on Bochs/VMX takes half an hour of one core: it is not part of
# this suite but of `make test-bochs-linux` (tests/integration/linux-bochs.sh).

G=build/guests
SUITE=(hello pagetest churn)
# The mode runs add the paging conformance matrix and the page-table
# editing guest, whose results are compared across modes, and the
# interrupt guest (local APIC timer, TPR and CR8, PIT through the I/O
# APIC, self-IPI, STI shadow).
FULL=(hello pagetest churn conformance ptmod irq)
suite_modules() { # PAGING [GUEST...]
	local paging=$1
	shift
	for g in "${@:-${SUITE[@]}}"; do
		echo "$G/$g.elf=name=$g mem=32M paging=$paging"
	done
}

# Broken images, made from a good one.
make_bad_images() {
	cp $G/hello.elf "$OUT/corrupt-phoff.elf"
	# e_phoff (ELF32 offset 28) far beyond the end of the file.
	printf '\377\377\377\177' | dd of="$OUT/corrupt-phoff.elf" bs=1 seek=28 \
		conv=notrunc status=none
	head -c 6000 $G/hello.elf >"$OUT/truncated.elf"
	head -c 16384 /dev/urandom >"$OUT/garbage.bin"
}

negative_modules() {
	echo "$G/triple.elf=name=triple"
	echo "$G/wild.elf=name=wild unbacked=stop"
	echo "$G/virtinsn.elf=name=virtinsn"
	echo "$G/badpt.elf=name=badpt"
	echo "$G/sleeper.elf=name=sleeper"
	echo "$G/sleeper.elf=name=sleeper-cli -- cli"
	echo "$G/spin.elf=name=spinner timeout=1"
	echo "$G/hello.elf=name=badpaging paging=turbo"
	echo "$G/hello.elf=name=toobig mem=60G"
	echo "$G/hello.elf=name=badopt colour=blue"
	echo "$G/hello.elf=name=smallpool paging=shadow shadow_pool=8"
	echo "$OUT/corrupt-phoff.elf=name=corrupt"
	echo "$OUT/truncated.elf=name=truncated"
	echo "$OUT/garbage.bin=name=garbage"
	echo "$G/hello.elf=name=survivor"
}

check_suite() { # SCENARIO [COUNT]
	for g in "${SUITE[@]}"; do
		expect_guest_pass "$1" "$g"
	done
	expect_line "$1" "summary" "braid: summary: ${2:-3} guests, ${2:-3} passed, 0 failed"
}

check_full() { # SCENARIO COUNT
	for g in "${FULL[@]}"; do
		expect_guest_pass "$1" "$g"
		expect_paths_add_up "$1" "$g"
	done
	expect_line "$1" "summary" "braid: summary: $2 guests, $2 passed, 0 failed"
}

check_negative() { # SCENARIO VENDOR
	local s=$1
	if [ "$2" = vmx ]; then
		expect_line "$s" "triple fault stops the guest" "braid: guest triple: stopped: triple fault at rip"
	else
		# A shutdown leaves the VMCB's guest state undefined (APM 15.11).
		expect_line "$s" "triple fault stops the guest, its undefined state unshown" \
			"braid: guest triple: stopped: triple fault (the CPU left its state undefined, so none is shown)"
		# ... but its last exits are, the shutdown (SVM exit code 0x7f,
		# APM Vol. 2 appendix C) last.
		if grep -qaE "^braid: guest triple: its last [0-9]+ exits, oldest first \(svm exit codes\):.* 0x7f; the last entry injected 0x[0-9a-f]+, the exit left 0x[0-9a-f]+.?$" "$LOG"; then
			pass "$s: its last exits are shown instead, the shutdown last"
		else
			fail "$s: no line of its last exits ending with the shutdown (0x7f)"
		fi
		# ... and the state its last VMRUN loaded: long mode, paging on.
		if grep -qaE "^braid: guest triple: its last entry started from rip 0x[0-9a-f]+ rsp 0x[0-9a-f]+ .*cr0 0x8[0-9a-f]{7} .*efer 0x[0-9a-f]*[5d][0-9a-f]{2} cs 0x[0-9a-f]+/.* idtr 0x[0-9a-f]+/0x[0-9a-f]+ np 1 n_cr3 0x[0-9a-f]+.?$" "$LOG"; then
			pass "$s: and the state its last entry started from"
		else
			fail "$s: no line of the state its last entry started from"
		fi
		expect_line "$s" "and what the exit left, marked undefined" \
			"braid: guest triple: the exit left (undefined): rip 0x"
		# ... and its walk of that RIP through the NPT, which sends
		# every table to the guest's RAM, down to a present leaf.
		if grep -qaE "^braid: guest triple: its walk of rip 0x[0-9a-f]+ \(cr3 0x[0-9a-f]+, 4-level\): L4\[[0-9]+\]=0x[0-9a-f]*[13579bdf] L3.* -> 0x[0-9a-f]+.?$" "$LOG"; then
			pass "$s: and its walk of that RIP through the NPT"
		else
			fail "$s: no line of its walk through the NPT down to a leaf"
		fi
	fi
	expect_line "$s" "wild access stops the guest (unbacked=stop)" "braid: guest wild: stopped: read of guest-physical 0xe0000000, where it has no memory"
	if [ "$2" = vmx ]; then
		expect_line "$s" "VMXON stops the guest" "braid: guest virtinsn: stopped: executed VMXON"
	else
		expect_line "$s" "VMRUN stops the guest" "braid: guest virtinsn: stopped: executed VMRUN"
	fi
	expect_line "$s" "page table outside RAM stops a nested guest" "braid: guest badpt: stopped: its page tables point at guest-physical 0xf0000000, where it has no memory"
	expect_line "$s" "HLT behind CR8 = 15 stops the guest" "braid: guest sleeper: stopped: HLT with interrupts enabled, but nothing can wake it"
	expect_line "$s" "HLT with interrupts off stops the guest" "braid: guest sleeper-cli: stopped: HLT with interrupts disabled"
	expect_line "$s" "unknown paging= value" "braid: guest badpaging: error: bad value in \"paging=turbo\""
	expect_line "$s" "guest larger than free memory" "braid: guest toobig: error: not enough memory: needs 61440 MiB"
	expect_line "$s" "unknown guest option" "braid: guest badopt: error: unknown option \"colour=blue\""
	expect_line "$s" "shadow pool too small" "braid: guest smallpool: error: bad value in \"shadow_pool=8\""
	expect_line "$s" "corrupt ELF" "braid: guest corrupt: error: corrupt ELF image: program headers lie beyond the end of the file"
	expect_line "$s" "truncated ELF" "braid: guest truncated: error: corrupt ELF image: a segment lies beyond the end of the file"
	expect_line "$s" "not a multiboot kernel" "braid: guest garbage: error: not a multiboot kernel"
	expect_line "$s" "a guest that never ends is stopped at its timeout=" "braid: guest spinner: stopped: still running after 1 s, its time limit (timeout=)"
	expect_guest_pass "$s" survivor
	expect_line "$s" "summary counts" "braid: summary: 15 guests, 1 passed, 14 failed"
	expect_no_line "$s" "no panic" "PANIC"
}

mapfile -t SUITE_MODS < <(suite_modules nested)
mapfile -t NESTED_MODS < <(suite_modules nested "${FULL[@]}")
mapfile -t SHADOW_MODS < <(suite_modules shadow "${FULL[@]}")
mapfile -t COMPOUND_MODS < <(suite_modules compound "${FULL[@]}")
COMPOUND_MODS+=("$G/badpt.elf=name=badpt paging=compound")
# The same tests with every address space kept on the compound tree.
COMPOUND_MODS+=("$G/pagetest.elf=name=pagetest-tree paging=compound cp_twin=off")
COMPOUND_MODS+=("$G/ptmod.elf=name=ptmod-tree paging=compound cp_twin=off")
# A pool far too small for churn's address spaces: shadow pages must be
# reclaimed, and the guest must not notice.
SHADOW_MODS+=("$G/churn.elf=name=churn-smallpool paging=shadow shadow_pool=32")
# Page tables that loop, map low memory, or point outside RAM: under
# shadow paging the last one is a #PF with P|RSVD, as on hardware.
SHADOW_MODS+=("$G/badpt.elf=name=badpt paging=shadow")
make_bad_images
mapfile -t NEG_MODS < <(negative_modules)

# The suites run one guest at a time (sched=serial): they are what the
# guests give alone, which tests/integration/sched.sh compares with.
boot svm-suite qemu "qemu64,+svm,+npt" "exit=qemu sched=serial" "${NESTED_MODS[@]}"
check_full svm-suite 6
expect_status svm-suite 0

boot vmx-suite bochs corei7_haswell_4770 "exit=bochs sched=serial" "${NESTED_MODS[@]}"
check_full vmx-suite 6
expect_status vmx-suite 0

# Shadow paging on both vendors, and the same results as nested paging.
check_shadow() { # SCENARIO NESTED-SCENARIO
	check_full "$1" 8
	expect_guest_pass "$1" churn-smallpool
	expect_guest_pass "$1" badpt
	if grep -q '"guest":"churn-smallpool".*"reclaims":[1-9]' "$LOG"; then
		pass "$1: small shadow pool was reclaimed"
	else
		fail "$1: small shadow pool was never reclaimed"
	fi
	if grep -q '"guest":"churn",.*"pt_write_traps":[1-9].*"root_hits":[1-9]' "$LOG"; then
		pass "$1: churn's stats show page-table write traps and root-cache hits"
	else
		fail "$1: churn's stats lack page-table write traps or root-cache hits"
	fi
	for g in pagetest conformance ptmod; do
		differential "$1" "$2" "$g"
	done
}
# compound_count NAME KEY: a number from guest NAME's compound object.
compound_count() {
	grep -a "^braid: stats {\"guest\":\"$1\"" "$LOG" | tail -n 1 |
		grep -o "\"$2\":[0-9]*" | head -n 1 | cut -d: -f2
}
# Compound: same results as nested, and far fewer page-table write traps
# than shadow paging on the churning guest.
check_compound() { # SCENARIO NESTED-SCENARIO SHADOW-SCENARIO
	check_full "$1" 9
	expect_guest_pass "$1" badpt
	expect_guest_pass "$1" pagetest-tree
	expect_guest_pass "$1" ptmod-tree
	for g in pagetest conformance ptmod; do
		differential "$1" "$2" "$g"
	done
	local c s
	c=$(grep -ao '"guest":"churn",.*"pt_write_traps":[0-9]*' "$OUT/$1.log" | sed 's/.*://')
	s=$(grep -ao '"guest":"churn",.*"pt_write_traps":[0-9]*' "$OUT/$3.log" | sed 's/.*://')
	if [ -n "$c" ] && [ -n "$s" ] && [ "$s" -gt 0 ] && [ $((c * 20)) -le "$s" ]; then
		pass "$1: churn traps $c page-table writes, at most 5% of shadow's $s"
	else
		fail "$1: churn traps ${c:-?} page-table writes, shadow ${s:-?}: not under 5%"
	fi
	if grep -q '"guest":"churn",.*"to_nested":[1-9]' "$OUT/$1.log"; then
		pass "$1: churn's churning tables moved to nested"
	else
		fail "$1: churn's tables never moved to nested"
	fi
	check_twin "$1" ptmod
	for g in pagetest ptmod; do
		differential_as "$1" "$g-tree" "$2" "$g"
		LOG=$OUT/$1.log
		if [ "$(compound_count "$g-tree" to_twin)" = 0 ]; then
			pass "$1: $g-tree never ran on a twin (cp_twin=off)"
		else
			fail "$1: $g-tree ran on a twin despite cp_twin=off"
		fi
	done
}
# check_twin SCENARIO GUEST: the guest's address spaces ran on their twins
# (EPT/NPT off) and on the compound tree (EPT/NPT on), and moved between
# them: ptmod's churning tables go nested while its other address spaces
# stay shadow.
check_twin() {
	local n t tsc
	LOG=$OUT/$1.log
	n=$(compound_count "$2" to_twin)
	t=$(compound_count "$2" to_tree)
	tsc=$(compound_count "$2" twin_tsc)
	if [ "${n:-0}" -ge 1 ] && [ "${t:-0}" -ge 1 ] && [ "${tsc:-0}" -gt 0 ]; then
		pass "$1: $2 moved between twin and compound tree ($n to twin, $t to tree)"
	else
		fail "$1: $2: to_twin ${n:-?}, to_tree ${t:-?}, twin_tsc ${tsc:-?} (want >=1, >=1, >0)"
	fi
}
# verdicts LOG GUEST: the guest's result lines. QEMU's TCG reports
# reserved-bit page faults with P=0 (docs/emulators.md); braid's own walk under
# shadow paging reports P=1 as the SDM says, so for QEMU runs the P bit of
# RSVD error codes is normalized to 1 before comparing.
verdicts() {
	grep -a "^\[$2\] \(PASS\|FAIL\|SKIP\|CASE\)" "$1" |
		perl -pe 's/#PF 0x([0-9a-f]+)/sprintf("#PF 0x%x", hex($1) & 8 ? hex($1) | 1 : hex($1))/ge'
}
# differential_as SCENARIO GUEST REF-SCENARIO REF-GUEST: the same, for
# two differently named guests of the same test.
differential_as() {
	if diff <(verdicts "$OUT/$1.log" "$2" | cut -d' ' -f2-) \
		<(verdicts "$OUT/$3.log" "$4" | cut -d' ' -f2-) >"$OUT/$1-$2.diff"; then
		pass "$1: $2 results identical to $4 in $3"
	else
		fail "$1: $2 results differ from $4 in $3 (see $OUT/$1-$2.diff)"
	fi
}
# differential SHADOW NESTED GUEST: the guest's verdict lines are identical.
differential() {
	local a=$OUT/$1.log b=$OUT/$2.log
	if diff <(verdicts "$a" "$3") <(verdicts "$b" "$3") >"$OUT/$1-$3.diff"; then
		pass "$1: $3 results identical to $2"
	else
		fail "$1: $3 results differ from $2 (see $OUT/$1-$3.diff)"
	fi
}

boot svm-shadow-suite qemu "qemu64,+svm,+npt" "exit=qemu sched=serial" "${SHADOW_MODS[@]}"
check_shadow svm-shadow-suite svm-suite
boot vmx-shadow-suite bochs corei7_haswell_4770 "exit=bochs sched=serial" "${SHADOW_MODS[@]}"
check_shadow vmx-shadow-suite vmx-suite

boot svm-compound-suite qemu "qemu64,+svm,+npt" "exit=qemu sched=serial" "${COMPOUND_MODS[@]}"
check_compound svm-compound-suite svm-suite svm-shadow-suite
boot vmx-compound-suite bochs corei7_haswell_4770 "exit=bochs sched=serial" "${COMPOUND_MODS[@]}"
check_compound vmx-compound-suite vmx-suite vmx-shadow-suite

# The workloads (docs/design.md §1): compound must keep the stable region under
# shadow entries and hand the churning heap to the CPU, trap at most 5% of
# shadow's page-table writes on the dynamic workload, and model a static
# working set within 10% of shadow's walk cost on the proposed hardware.
WORKLOADS=(static dynamic mixed)
workload_modules() { # PAGING
	for w in "${WORKLOADS[@]}"; do
		echo "$G/$w.elf=name=$w mem=64M paging=$1"
	done
}
# traps SCENARIO GUEST: the guest's page-table write traps.
traps() {
	grep -ao "\"guest\":\"$2\",.*\"pt_write_traps\":[0-9]*" "$OUT/$1.log" | sed 's/.*://'
}
check_workloads() { # VENDOR
	local sh=$1-shadow-workloads cp=$1-compound-workloads t r c s
	for w in "${WORKLOADS[@]}"; do
		LOG=$OUT/$sh.log expect_guest_pass "$sh" "$w"
		LOG=$OUT/$cp.log expect_guest_pass "$cp" "$w"
	done
	LOG=$OUT/$cp.log
	t=$(grep -a '^braid: classify-begin {"guest":"mixed"' "$LOG" | tail -n 1 | grep -o '"t":[0-9]*')
	r=$(grep -a "^braid: region {\"guest\":\"mixed\",$t," "$LOG")
	if printf '%s\n' "$r" | grep -q '"va":"0x20000000000".*"kind":"shadow"' &&
		printf '%s\n' "$r" | grep -q '"va":"0x300[0-9a-f]*".*"kind":"nested"'; then
		pass "$cp: mixed ends with the stable region shadow and the heap nested"
	else
		fail "$cp: mixed's final classification is not stable=shadow, heap=nested"
	fi
	c=$(traps "$cp" dynamic) s=$(traps "$sh" dynamic)
	if [ -n "$c" ] && [ -n "$s" ] && [ "$s" -gt 0 ] && [ $((c * 20)) -le "$s" ]; then
		pass "$cp: dynamic traps $c page-table writes, at most 5% of shadow's $s"
	else
		fail "$cp: dynamic traps ${c:-?} page-table writes, shadow ${s:-?}: not under 5%"
	fi
	LOG=$OUT/$cp.log expect_guest_pass "$cp" dynamic-startnested
	s=$(traps "$cp" dynamic-startnested)
	if [ -n "$s" ] && [ -n "$c" ] && [ "$s" -le "$c" ]; then
		pass "$cp: cp_start=nested traps $s page-table writes on dynamic, default $c"
	else
		fail "$cp: cp_start=nested traps ${s:-?} writes on dynamic, more than the default ${c:-?}"
	fi
	# walkcost CSV: guest,vendor,paging,native,nested,shadow,stock,proposed,...
	if tools/walkcost -c "$OUT/$cp.log" | awk -F, '$1 == "static" && $3 == "compound" {
		ok = ($8 - $6) <= 0.1 * $6 && ($6 - $8) <= 0.1 * $6
		printf "static: shadow %s, compound proposed %s, stock %s refs/miss\n", $6, $8, $7
		exit !ok }' >"$OUT/$cp-static.txt"; then
		pass "$cp: $(cat "$OUT/$cp-static.txt") (within 10%)"
	else
		fail "$cp: static's modeled walk is not within 10% of shadow's: $(cat "$OUT/$cp-static.txt")"
	fi
}
mapfile -t SHADOW_WL < <(workload_modules shadow)
mapfile -t COMPOUND_WL < <(workload_modules compound)
# Short-lived address spaces made cheap: tables start nested.
COMPOUND_WL+=("$G/dynamic.elf=name=dynamic-startnested mem=64M paging=compound cp_start=nested")
boot svm-shadow-workloads qemu "qemu64,+svm,+npt" "exit=qemu" "${SHADOW_WL[@]}"
boot svm-compound-workloads qemu "qemu64,+svm,+npt" "exit=qemu" "${COMPOUND_WL[@]}"
check_workloads svm
# The TLB model plugin: known misses bare and under braid (tlb.sh).
run_tlb_checks
boot vmx-shadow-workloads bochs corei7_haswell_4770 "exit=bochs" "${SHADOW_WL[@]}"
boot vmx-compound-workloads bochs corei7_haswell_4770 "exit=bochs" "${COMPOUND_WL[@]}"
check_workloads vmx

# The exit path-length targets (README, "Exit path lengths") on the guest
# that repeats those exits, in every mode; Bochs counts instructions.
EXITCOST_MODES=(nested shadow compound)
# Under compound paging the page table exitcost writes would go nested
# after cp_writes stores and stop trapping, as designed: keep it shadow,
# so that the 4096 stores measure the trapped store's path (on the twin).
exitcost_opts() {
	[ "$1" = compound ] && echo " cp_writes=65535"
}
exitcost_modules() {
	for p in "${EXITCOST_MODES[@]}"; do
		echo "$G/exitcost.elf=name=exitcost-$p mem=64M paging=$p$(exitcost_opts "$p")"
	done
}
# shadow_count NAME KEY: a number from guest NAME's shadow object.
shadow_count() {
	grep -a "^braid: stats {\"guest\":\"$1\"" "$LOG" | tail -n 1 |
		grep -o "\"shadow\":{.*" | grep -o "\"$2\":[0-9]*" | head -n 1 |
		cut -d: -f2
}
check_exitcost() { # SCENARIO VENDOR
	local a f
	# Each of exitcost's 4096 INVLPGs flushes its one address (decoded
	# by braid where the CPU does not say it), not the whole VPID/ASID.
	a=$(shadow_count exitcost-shadow flushes_addr)
	f=$(shadow_count exitcost-shadow flushes)
	if [ "${a:-0}" -ge 4096 ] && [ "${f:-99999}" -lt 100 ]; then
		pass "$1: INVLPG flushes one address ($a), whole-tag flushes $f"
	else
		fail "$1: single-address flushes ${a:-?}, whole-tag flushes ${f:-?} (want >= 4096, < 100)"
	fi
	for p in "${EXITCOST_MODES[@]}"; do
		expect_guest_pass "$1" "exitcost-$p"
		[ "$2" = vmx ] || continue
		expect_path_at_most "$1" "exitcost-$p" cpuid 250 required
		if [ "$p" = shadow ]; then
			expect_path_at_most "$1" "exitcost-$p" pt_write 1500 required
		else
			expect_path_at_most "$1" "exitcost-$p" pt_write 1500
		fi
	done
}
mapfile -t EXITCOST_MODS < <(exitcost_modules)
boot svm-exitcost qemu "qemu64,+svm,+npt" "exit=qemu sched=serial" "${EXITCOST_MODS[@]}"
check_exitcost svm-exitcost svm
boot vmx-exitcost bochs corei7_haswell_4770 "exit=bochs sched=serial" "${EXITCOST_MODS[@]}"
check_exitcost vmx-exitcost vmx

# Register state neither the VMCS nor the VMCB switches (x87/SSE, DR0-3)
# must not pass from one guest to the next, in any mode: each "sniff"
# runs right after a "plant" (guests/stateleak.c).
# The planting guests also try to turn on XSAVE state (XCR0 is shared
# too): on QEMU's qemu64, which has no XSAVE, that must be refused; on
# Bochs they plant AVX state.
stateleak_modules() { # VENDOR
	echo "$G/stateleak.elf=name=plant-nested -- plant $([ "$1" = vmx ] && echo xcr0)"
	echo "$G/stateleak.elf=name=sniff-nested"
	echo "$G/stateleak.elf=name=plant-shadow paging=shadow -- plant xcr0"
	echo "$G/stateleak.elf=name=sniff-compound paging=compound"
}
check_stateleak() { # SCENARIO
	for g in plant-nested sniff-nested plant-shadow sniff-compound; do
		expect_guest_pass "$1" "$g"
	done
}
mapfile -t STATELEAK_MODS < <(stateleak_modules svm)
boot svm-stateleak qemu "qemu64,+svm,+npt" "exit=qemu" "${STATELEAK_MODS[@]}"
check_stateleak svm-stateleak
mapfile -t STATELEAK_MODS < <(stateleak_modules vmx)
boot vmx-stateleak bochs corei7_haswell_4770 "exit=bochs" "${STATELEAK_MODS[@]}"
check_stateleak vmx-stateleak
# Where the CPU has XSAVE (Bochs's Haswell), guests get it with AVX: the
# AVX state and XCR0 are switched too, and the next guest finds neither.
expect_line vmx-stateleak "AVX state planted" "[plant-nested] PASS: planted 16 of 16 YMM upper halves"
expect_line vmx-stateleak "XCR0 back to its reset value" "[sniff-nested] PASS: XCR0 starts as x87 only"
expect_line vmx-stateleak "no AVX state passed on" "[sniff-nested] PASS: no YMM upper half of an earlier guest seen"
expect_line vmx-stateleak "and none under compound paging" "[sniff-compound] PASS: no YMM upper half of an earlier guest seen"

# The compound policy's clock is guest time: a table handed to the CPU
# comes back after cp_quiet even while the guest makes no exit (braid's
# timer brings it back for the scan; guests/quietwait.c waits 200 ms).
QUIET_MODS=(
	"$G/quietwait.elf=name=quiet-short paging=compound cp_quiet=20000"
	"$G/quietwait.elf=name=quiet-default paging=compound"
)
check_quiet() { # SCENARIO
	local n s d
	expect_guest_pass "$1" quiet-short
	expect_guest_pass "$1" quiet-default
	n=$(compound_count quiet-short to_nested)
	s=$(compound_count quiet-short to_shadow)
	d=$(compound_count quiet-default to_shadow)
	if [ "${n:-0}" -ge 1 ] && [ "${s:-0}" -ge 1 ] && [ "${d:-1}" = 0 ]; then
		pass "$1: a write-hot table went nested and came back after 20 ms without exits (to_shadow $s; $d with the 8 s default)"
	else
		fail "$1: to_nested ${n:-?}, to_shadow ${s:-?} with cp_quiet=20000, ${d:-?} by default (want >=1, >=1, 0)"
	fi
	# Its address space left its twin when the table went nested, and
	# came back to it when the table came back (not with the default).
	n=$(compound_count quiet-short to_twin)
	s=$(compound_count quiet-short to_tree)
	d=$(compound_count quiet-default to_twin)
	if [ "${n:-0}" -ge 2 ] && [ "${s:-0}" -ge 1 ] && [ "${d:-0}" -ge 1 ]; then
		pass "$1: the address space went back to its twin with the table (to_twin $n, to_tree $s)"
	else
		fail "$1: to_twin ${n:-?}, to_tree ${s:-?} with cp_quiet=20000, to_twin ${d:-?} by default (want >=2, >=1, >=1)"
	fi
}
boot svm-quiet qemu "qemu64,+svm,+npt" "exit=qemu sched=serial" "${QUIET_MODS[@]}"
check_quiet svm-quiet
boot vmx-quiet bochs corei7_haswell_4770 "exit=bochs sched=serial" "${QUIET_MODS[@]}"
check_quiet vmx-quiet

# Hostile guests, each in every mode on both vendors, each followed by a
# survivor (tests/integration/adversarial.sh; make adversarial runs it
# alone).
ADV_SOURCED=1 . tests/integration/adversarial.sh
adv_run svm
adv_run vmx

# Differential conformance: what the CPU and the platform do, bare and
# under braid in every mode, line by line (tests/integration/differential.sh;
# the reviewed differences are in tests/integration/differences).
DIFF_SOURCED=1 . tests/integration/differential.sh
differential svm
differential vmx

# Differential page-table fuzzing: random table edits and accesses from a
# seed, the same digest bare and under braid in every mode (a short run;
# make fuzz-guest runs 10^6 operations per mode and vendor).
PTFUZZ_SOURCED=1 . tests/integration/ptfuzz.sh
for seed in 1 2 3; do
	ptfuzz_run svm "$seed" 20000
done
ptfuzz_run vmx 4 20000

# The platform of a real machine, as far as QEMU can provoke it: host NMIs
# and machine checks (tests/integration/platform.sh).
PLATFORM_SOURCED=1 . tests/integration/platform.sh
host_events_svm
q35_uefi_smp_svm
uefi_screen_svm
boot_report svm qemu "qemu64,+svm,+npt" qemu
boot_report vmx bochs corei7_haswell_4770 bochs

# Every CPU started, in VMX/SVM operation, answering smp_call; cpus=;
# the smp guest finding its CPU in braid's MADT (tests/integration/smp.sh).
SMP_SOURCED=1 . tests/integration/smp.sh
smp_svm
smp_guest_tables_svm
smp_vmx
# SMP guests: on Bochs, on QEMU with its two vCPUs on one host CPU, and
# under shadow and compound paging (one tree, vCPUs at once) on both.
# On QEMU, the four guests with one TCG thread for both CPUs, and with
# one per CPU on CPUs 1-2 of three, off QEMU's CPU 0, whose state QEMU
# 7.2's other threads corrupt (smp.sh, smp_guests_svm_threads).
smp_guests_svm_onecpu
QEMU_ACCEL=tcg,thread=single smp_guests_svm svm-smp-guests-1thread
smp_guests_svm_threads

# An interrupt is delivered once, however long its handler runs with IF
# clear: the irq guest in every paging mode, one at a time, on two QEMU
# CPUs with one TCG thread. QEMU then asks the running CPU to stop every
# 100 ms (its round-robin kick), and that is when TCG delivered an
# interrupt injected through EVENTINJ a second time, inside its own
# handler (arch/x86_64/svm.c, intr_to_virq(); docs/emulators.md).
s=svm-irq-2cpu
QEMU_ACCEL=tcg,thread=single boot_args="-smp 2" boot $s qemu "qemu64,+svm,+npt" \
	"exit=qemu sched=serial" "$G/irq.elf=name=irqn" \
	"$G/irq.elf=name=irqs paging=shadow" "$G/irq.elf=name=irqc paging=compound"
for n in irqn irqs irqc; do
	expect_line $s "$n: a long handler ran once" "[$n] PASS: a 300 ms handler with IF clear runs once"
	expect_guest_pass $s $n
done
expect_no_line $s "QEMU takes V_IRQ at once (no fallback to EVENTINJ)" "braid: svm: V_IRQ is taken late"
smp_guests_vmx
smp_guests_svm_shadow
smp_guests_vmx_shadow

# Guests side by side: weights, pinning, sched=serial, and every paging
# mode at once on 2 CPUs with the results each guest gives alone
# (tests/integration/sched.sh).
SCHED_SOURCED=1 . tests/integration/sched.sh

# GRUB speaking multiboot (v1) to braid.
MKISO_MULTIBOOT=1 boot svm-mb1-suite qemu "qemu64,+svm,+npt" "exit=qemu" "${SUITE_MODS[@]}"
expect_line svm-mb1-suite "booted through multiboot v1" "braid: boot: multiboot, command line"
check_suite svm-mb1-suite

# The same ISO through UEFI firmware (OVMF): a fragmented memory map and
# different entry state.
boot svm-uefi-suite qemu-uefi "qemu64,+svm,+npt" "exit=qemu" "${SUITE_MODS[@]}"
check_suite svm-uefi-suite
expect_status svm-uefi-suite 0

# Optional features the other way round: Bochs' AMD model has NRIP save,
# flush-by-ASID and pause filter; sandy bridge has EPT without A/D bits.
boot svm-zambezi-suite bochs zambezi "exit=bochs" "${SUITE_MODS[@]}"
check_suite svm-zambezi-suite
# Interrupts on Bochs' SVM, in every paging mode. It takes a V_IRQ only at
# the guest's next change of RFLAGS.IF: braid sees that and injects them
# through EVENTINJ from then on (arch/x86_64/svm.c, virq_after_exit()).
s=svm-zambezi-irq
boot $s bochs zambezi "exit=bochs sched=serial" "$G/irq.elf=name=irqn" \
	"$G/irq.elf=name=irqs paging=shadow" "$G/irq.elf=name=irqc paging=compound"
for n in irqn irqs irqc; do
	expect_guest_pass $s $n
done
expect_line $s "V_IRQ taken late: EVENTINJ from then on" "braid: svm: V_IRQ is taken late on this CPU"
# The smp guest on Bochs' SVM, one paging mode after another: its NMI IPIs
# end with an NMI sent from the handler, which braid delivers after the
# handler's IRET by single-stepping it (Bochs, unlike QEMU, leaves DR6.BS
# out of the VMCB at the #DB intercept that ends the step).
s=svm-zambezi-smp
boot $s bochs zambezi "exit=bochs sched=serial" "$G/smp.elf=name=smpn vcpus=2" \
	"$G/smp.elf=name=smps vcpus=2 paging=shadow" "$G/smp.elf=name=smpc vcpus=2 paging=compound"
for n in smpn smps smpc; do
	expect_smp_guest $s $n 2
done
boot vmx-sandybridge-suite bochs corei7_sandy_bridge_2600k "exit=bochs" "${SUITE_MODS[@]}"
check_suite vmx-sandybridge-suite

boot svm-negative qemu "qemu64,+svm,+npt" "exit=qemu" "${NEG_MODS[@]}"
check_negative svm-negative svm
expect_status svm-negative 3

boot vmx-negative bochs corei7_haswell_4770 "exit=bochs" "${NEG_MODS[@]}"
check_negative vmx-negative vmx
expect_status vmx-negative 1

# CPUs that cannot run braid: a clear line naming the missing piece.
boot svm-no-npt qemu qemu64 "exit=qemu" "$G/hello.elf=name=hello"
expect_line svm-no-npt "names missing NPT" "braid: svm: error: missing: nested paging"
expect_no_line svm-no-npt "runs no guest" "[hello]"
boot svm-no-svm qemu "qemu64,-svm" "exit=qemu" "$G/hello.elf=name=hello"
expect_line svm-no-svm "names missing SVM" "braid: svm: error: missing: SVM"
boot vmx-no-ept bochs core2_penryn_t9600 "exit=bochs" "$G/hello.elf=name=hello"
expect_line vmx-no-ept "names missing EPT" "braid: vmx: error: missing: EPT"
expect_no_line vmx-no-ept "runs no guest" "[hello]"

# An unknown braid option is reported and ignored.
boot svm-badopt qemu "qemu64,+svm,+npt" "exit=qemu loglevel=9" "$G/hello.elf=name=hello"
expect_line svm-badopt "unknown braid option named" "braid: boot: warning: unknown option \"loglevel=9\" ignored"
expect_guest_pass svm-badopt hello

# A multiboot kernel from outside the project reports the same status
# under braid as on bare QEMU.
tests/integration/external-kernel.sh "$OUT/external" && pass "external: status under braid equals bare QEMU" ||
	fail "external: status under braid differs from bare QEMU (see $OUT/external)"

# Linux: Debian's kernel and the busybox initramfs, its four workloads to
# the end under each paging mode on QEMU/SVM (make test-bochs-linux runs
# them on Bochs/VMX). One guest per boot, so that the boots run in
# parallel. Alongside, the kernel's full log under two other CPU models
# (a Zen 2 server part, family 17h, and QEMU's max) for unchecked MSR
# accesses, kernel warnings and the one-CPU topology.
for p in nested shadow compound; do
	BOOT_TIMEOUT=600 linux_boot "svm-linux-$p" qemu qemu64,+svm,+npt "$p" &
done
BOOT_TIMEOUT=600 linux_cpu_boot svm-linux-rome qemu EPYC-Rome,+svm,+npt nested &
BOOT_TIMEOUT=600 linux_cpu_boot svm-linux-max qemu max shadow &
wait
for p in nested shadow compound; do
	LOG=$OUT/svm-linux-$p.log
	check_linux "svm-linux-$p" "linux-$p"
done
check_twin svm-linux-compound linux-compound
LOG=$OUT/svm-linux-rome.log
check_linux_cpu svm-linux-rome linux-nested
LOG=$OUT/svm-linux-max.log
check_linux_cpu svm-linux-max linux-shadow

# Linux with two vCPUs under nested paging on one host CPU (one TCG
# thread): its AP started by INIT-SIPI-SIPI, the workloads to the end.
export LINUX_SMP_RUN=forkexec,mmapchurn,bigws,mixws,mtchurn LINUX_SMP_CPUS="0" LINUX_SMP_LOCKUP=off
BOOT_TIMEOUT=600 linux_smp_boot svm-linux-smp qemu qemu64,+svm,+npt nested
check_linux_smp svm-linux-smp linux-smp-nested
unset LINUX_SMP_RUN LINUX_SMP_CPUS LINUX_SMP_LOCKUP
# ... and on two QEMU CPUs, both vCPUs in guest mode at once: fork/exec
# and the multi-threaded unmap/remap churn. Nested paging with one TCG
# thread (QEMU's round-robin kicks, which once made TCG deliver a timer
# interrupt twice; see svm-irq-2cpu above); shadow and compound paging,
# one shared tree, multi-threaded on CPUs 1-2 of three (smp.sh,
# smp_guests_svm_threads, says why; all five workloads in make test-smp).
export LINUX_SMP_RUN=forkexec,mtchurn
QEMU_ACCEL=tcg,thread=single boot_args="-smp 2" BOOT_TIMEOUT=600 \
	linux_smp_boot svm-linux-smp2-nested qemu qemu64,+svm,+npt nested
check_linux_smp svm-linux-smp2-nested linux-smp-nested
expect_no_line svm-linux-smp2-nested "QEMU takes V_IRQ at once" "braid: svm: V_IRQ is taken late"
for p in shadow compound; do
	LINUX_SMP_PIN=1-2 LINUX_SMP_CPUS=1-2 boot_args="-smp 3" BOOT_TIMEOUT=600 \
		linux_smp_boot "svm-linux-smp-$p" qemu qemu64,+svm,+npt "$p"
	LINUX_SMP_CPUS=1-2 check_linux_smp "svm-linux-smp-$p" "linux-smp-$p"
done
unset LINUX_SMP_RUN

# Every guest state checked in software before entry (ENTRY_CHECK=1).
run_entrycheck

# A person at the serial console: a busybox shell that reads what is typed.
linux_shell svm-linux-shell

# Linux images braid must refuse, each with a message naming the problem,
# and a guest after them that runs as if nothing happened.
head -c 3000000 "$LK" >"$OUT/vmlinuz-truncated"
head -c 40000000 /dev/zero >"$OUT/initrd-huge"
longline=$(printf 'x%.0s' $(seq 1 2100))
boot svm-linux-negative qemu qemu64,+svm,+npt "exit=qemu" \
	"$OUT/vmlinuz-truncated=name=truncated mem=256M -- console=ttyS0" \
	"$LK=name=hugeinitrd mem=80M -- console=ttyS0" "$OUT/initrd-huge=+initrd" \
	"$LK=name=longcmd mem=256M -- console=ttyS0 $longline" \
	"$G/hello.elf=name=survivor"
expect_line svm-linux-negative "truncated bzImage refused" "braid: guest truncated: error: truncated"
expect_line svm-linux-negative "initrd that does not fit refused" "braid: guest hugeinitrd: error: initrd"
expect_line svm-linux-negative "over-long command line refused" "braid: guest longcmd: error:"
expect_line svm-linux-negative "over-long command line named" "command line"
expect_guest_pass svm-linux-negative survivor
expect_line svm-linux-negative "summary counts 3 refused" "braid: summary: 4 guests, 1 passed, 3 failed"

# braid's own console on COM2 only, named or probed, and on a PCI UART.
run_console_checks

# Where the time went (seconds per boot; boots in parallel overlap).
echo "slowest boots:"
sort -rn "$OUT/boot-times" | head -n 8 | sed 's/^/  /'
echo "integration: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
