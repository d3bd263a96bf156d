#!/bin/bash
# Differential conformance: guests/diffcpu.c prints what the CPU and the
# platform did ("D: " lines). It runs on the bare emulator (the oracle: no
# hypervisor) and under braid in every paging mode, on both vendors:
#   svm  bare QEMU TCG (-cpu qemu64,+svm,+npt, -kernel) against braid on
#        the same QEMU CPU
#   vmx  bare Bochs (corei7_haswell_4770, GRUB's multiboot) against braid
#        on the same Bochs CPU
# The x2apic section runs in guests of its own, against bare Bochs on both
# vendors (QEMU 7.2's TCG has no x2APIC mode).
# Every section must print the same lines as the bare run, except for the
# reviewed differences in tests/integration/differences.
#   tests/integration/differential.sh [svm|vmx ...]   (OUT=build/test)
# Sourced by run.sh with DIFF_SOURCED=1.
set -u
if [ -z "${DIFF_SOURCED-}" ]; then
	cd "$(dirname "$0")/../.."
	. tests/integration/lib.sh
fi
mkdir -p "$OUT"

DIFF_GUEST=build/guests/diffcpu.elf
DIFF_REVIEWED=tests/integration/differences
DIFF_MODES=(nested shadow compound)

# diff_lines LOG [GUEST]: the D lines of a bare log, or of one guest's
# lines in a braid log (without braid's "[name] " prefix).
diff_lines() {
	tr -d '\r' <"$1" | awk -v p="${2:+[$2] }" '
		index($0, p "D: ") == 1 { print substr($0, length(p) + 1) }'
}

# diff_bare VENDOR: the oracle's lines in $OUT/diff-bare-VENDOR.d.
diff_bare() {
	local log=$OUT/diff-bare-$1.log
	if [ "$1" = svm ]; then
		QEMU_CPU="qemu64,+svm,+npt" QEMU_SERIAL=file:$log timeout 120 \
			tools/run-bare.sh "$DIFF_GUEST" >/dev/null 2>&1
	else
		MKISO_MULTIBOOT=1 tools/mkiso.sh "$OUT/diff-bare.iso" "$DIFF_GUEST" "" &&
			BOCHS_SERIAL=$log timeout 600 tools/run-bochs.sh \
				"$OUT/diff-bare.iso" >/dev/null 2>&1
	fi
	diff_lines "$log" >"$OUT/diff-bare-$1.d"
}

# diff_bare_x2apic: the oracle for diffcpu's x2apic section, on both
# vendors: bare Bochs (QEMU 7.2's TCG has no x2APIC mode), in a boot of its
# own (the section runs only when named), in $OUT/diff-bare-x2apic.d.
diff_bare_x2apic() {
	local log=$OUT/diff-bare-x2apic.log
	[ -n "${DIFF_X2APIC_DONE-}" ] && return # once for both vendors
	DIFF_X2APIC_DONE=1
	rm -f "$log"
	MKISO_MULTIBOOT=1 tools/mkiso.sh "$OUT/diff-bare-x2apic.iso" \
		"$DIFF_GUEST" "x2apic" >/dev/null 2>&1 &&
		BOCHS_SERIAL=$log timeout 600 tools/run-bochs.sh \
			"$OUT/diff-bare-x2apic.iso" >/dev/null 2>&1
	diff_lines "$log" >"$OUT/diff-bare-x2apic.d"
}

# diff_reviewed EMULATOR MODE SIDE <LINES: the lines with the reviewed
# differences applied. SIDE bare: a listed bare line becomes the line braid
# must print instead (or goes, for "-"); SIDE braid: a line listed as only
# under braid goes.
diff_reviewed() {
	awk -v emu="$1" -v mode="$2" -v side="$3" '
		BEGIN { FS = " [|] " }
		FNR == NR {
			if ($0 ~ /^[ \t]*(#|$)/ || NF < 4)
				next
			split($1, h, " ")
			if (h[1] != "*" && h[1] != emu)
				next
			if (h[2] != "*" && index("," h[2] ",", "," mode ",") == 0)
				next
			if ($2 != "-")
				swap["D: " $2] = $3
			else
				extra["D: " $3] = 1
			next
		}
		side == "bare" && ($0 in swap) {
			if (swap[$0] != "-")
				print "D: " swap[$0]
			next
		}
		side == "braid" && ($0 in extra) { next }
		{ print }' "$DIFF_REVIEWED" -
}

diff_section() { # SECTION <LINES
	awk -v s="$1" '/^D: section / { on = ($3 == s) } on'
}

# diff_check VENDOR MODE: each section under braid against the oracle.
diff_check() {
	local v=$1 m=$2 emu=qemu bare=$OUT/diff-bare-$1.d s want got n
	[ "$v" = vmx ] && emu=bochs
	diff_reviewed "$emu" "$m" bare <"$bare" >"$OUT/diff-$v-$m.want"
	diff_lines "$LOG" "diff-$m" | diff_reviewed "$emu" "$m" braid \
		>"$OUT/diff-$v-$m.got"
	for s in $(awk '/^D: section / { print $3 }' "$bare"); do
		want=$(diff_section "$s" <"$OUT/diff-$v-$m.want")
		got=$(diff_section "$s" <"$OUT/diff-$v-$m.got")
		n=$(printf '%s\n' "$want" | wc -l)
		if [ "$want" = "$got" ]; then
			pass "diff-$v: $m $s: $n lines as on the bare $emu"
		else
			fail "diff-$v: $m $s differs from the bare $emu (want < > got):"
			diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") |
				grep '^[<>]' | head -n 20 | sed 's/^/    /'
		fi
	done
	if tail -n 1 "$OUT/diff-$v-$m.got" | grep -qx 'D: end'; then
		pass "diff-$v: $m ran to its end"
	else
		fail "diff-$v: $m did not reach its end (log $LOG)"
	fi
}

# diff_check_x2apic VENDOR MODE: guest x2-MODE against bare Bochs.
diff_check_x2apic() {
	local v=$1 m=$2 want got
	want=$(diff_reviewed bochs "$m" bare <"$OUT/diff-bare-x2apic.d")
	got=$(diff_lines "$LOG" "x2-$m" | diff_reviewed bochs "$m" braid)
	if ! grep -qx 'D: end' "$OUT/diff-bare-x2apic.d"; then
		fail "diff-$v: bare Bochs did not run diffcpu's x2apic section to its end"
	elif [ "$want" = "$got" ]; then
		pass "diff-$v: $m x2apic: $(printf '%s\n' "$want" | wc -l) lines as on the bare Bochs"
	else
		fail "diff-$v: $m x2apic differs from the bare Bochs (want < > got):"
		diff <(printf '%s\n' "$want") <(printf '%s\n' "$got") |
			grep '^[<>]' | head -n 20 | sed 's/^/    /'
	fi
}

# diff_check_nmi VENDOR: a second NMI, sent from the NMI handler, comes
# right after the handler's IRET: on the bare emulator, and under braid
# (VMX: NMI-window exiting; SVM: the IRET single-stepped,
# docs/architecture.md).
diff_check_nmi() {
	local v=$1 m want="NMI: the second right after the handler's IRET: yes" how
	[ "$v" = vmx ] && how="NMI-window exit" || how="single-stepped IRET"
	if ! grep -qF "$want" "$OUT/diff-bare-$v.log"; then
		fail "diff-$v: bare: a second NMI right after the handler's IRET"
		return
	fi
	for m in "${DIFF_MODES[@]}"; do
		expect_line "diff-$v" "$m: a second NMI right after the handler's IRET ($how)" "[diff-$m] $want"
	done
}

# diff_check_pcid VENDOR: a CR3 load with CR4.PCIDE and bit 63 keeps the
# TLB, as on the CPU, where braid can keep it exact (keeps_tlb() in
# hv/mmu.c): under compound paging (the guest has no global pages there),
# and under shadow paging on VMX only. The pcid section's eight no-flush
# switches are counted as kept ("cr3_keeps"), and what they read matched
# the bare run (diff_check).
diff_check_pcid() {
	local v=$1 m n modes=compound
	if ! grep -qF 'D: pcid: two spaces' "$OUT/diff-bare-$v.d"; then
		skip "diff-$v: CR3 loads that keep the TLB (this CPU has no PCID)"
		return
	fi
	[ "$v" = vmx ] && modes="shadow compound"
	for m in $modes; do
		n=$(grep -a "^braid: stats {\"guest\":\"diff-$m\"" "$LOG" | tail -n 1 |
			grep -o '"cr3_keeps":[0-9]*' | cut -d: -f2)
		if [ "${n:-0}" -ge 8 ]; then
			pass "diff-$v: $m kept the TLB at $n no-flush CR3 loads"
		else
			fail "diff-$v: $m kept the TLB at ${n:-no} no-flush CR3 loads, want at least 8"
		fi
	done
}

# differential VENDOR: the oracle, then braid in every mode in one boot.
differential() {
	local v=$1 m mods=()
	diff_bare "$v"
	if ! grep -qx 'D: end' "$OUT/diff-bare-$v.d"; then
		fail "diff-$v: the bare emulator did not run diffcpu to its end"
		return
	fi
	pass "diff-$v: the bare emulator ran diffcpu ($(wc -l <"$OUT/diff-bare-$v.d") lines)"
	diff_bare_x2apic
	for m in "${DIFF_MODES[@]}"; do
		mods+=("$DIFF_GUEST=name=diff-$m mem=64M paging=$m")
	done
	for m in "${DIFF_MODES[@]}"; do
		mods+=("$DIFF_GUEST=name=x2-$m mem=32M paging=$m -- x2apic")
	done
	if [ "$v" = svm ]; then
		boot "diff-$v" qemu "qemu64,+svm,+npt" "exit=qemu" "${mods[@]}"
	else
		BOOT_TIMEOUT=900 boot "diff-$v" bochs corei7_haswell_4770 \
			"exit=bochs" "${mods[@]}"
	fi
	for m in "${DIFF_MODES[@]}"; do
		diff_check "$v" "$m"
		diff_check_x2apic "$v" "$m"
	done
	diff_check_nmi "$v"
	diff_check_pcid "$v"
}

if [ -z "${DIFF_SOURCED-}" ]; then
	for v in ${@:-svm vmx}; do
		differential "$v"
	done
	echo "$PASSED passed, $FAILED failed"
	[ "$FAILED" = 0 ]
fi
