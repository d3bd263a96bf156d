# The ENTRY_CHECK=1 image (build/entrycheck/braid.elf): braid checks every
# guest state against the VM-entry rules before entering it (SDM Vol. 3C
# 27.3.1, APM Vol. 2 15.5.1), so states Bochs and QEMU accept but silicon
# would refuse show up here. Sourced by run.sh after lib.sh;
# run_entrycheck runs it: one boot per vendor (about a minute in all).
#   hello, pagetest, churn   nested, shadow, compound: they pass, and the
#                            checker found nothing in any of their entries
#   badcheck                 entry_fault=check: braid's checker names the
#                            broken rule; the CPU never sees the state
#   badcpu                   entry_fault=cpu: the checker stands aside and
#                            the emulated CPU refuses the entry itself
#   survivor                 runs after them as if nothing had happened

entrycheck_modules() {
	local g=build/guests
	echo "$g/hello.elf=name=hello mem=32M paging=nested"
	echo "$g/pagetest.elf=name=pagetest mem=32M paging=shadow"
	echo "$g/churn.elf=name=churn mem=32M paging=compound"
	echo "$g/hello.elf=name=badcheck entry_fault=check"
	echo "$g/hello.elf=name=badcpu entry_fault=cpu"
	echo "$g/hello.elf=name=survivor"
}

check_entrycheck() { # SCENARIO VENDOR
	local s=$1 g
	for g in hello pagetest churn survivor; do
		expect_guest_pass "$s" "$g"
		expect_no_line "$s" "$g: the checker finds no broken rule" \
			"braid: guest $g: stopped: entry check"
	done
	if [ "$2" = vmx ]; then
		expect_line "$s" "the checker names the rule" \
			"braid: guest badcheck: stopped: entry check: SDM 27.3.1.2 TR: TR must be usable"
		expect_line "$s" "the CPU's refusal is named, with its qualification" \
			"braid: guest badcpu: stopped: VM-entry failure: invalid guest state (SDM 27.8; exit qualification 0x0"
		expect_line "$s" "the dump shows the broken field" \
			"braid: vmx: state: TR sel=0x0 base=0x0 limit=0x67 ar=0x1008b"
		expect_line "$s" "the dump shows the controls" "braid: vmx: state: entry="
	else
		expect_line "$s" "the checker names the rule" \
			"braid: guest badcheck: stopped: entry check: APM 15.5.1: EFER.SVME must be 1"
		expect_line "$s" "the CPU's refusal is named" \
			"braid: guest badcpu: stopped: VMRUN failed: VMEXIT_INVALID"
		expect_line "$s" "the dump shows the broken field" "braid: svm: state: efer=0x0 "
		expect_line "$s" "the dump shows the controls" "braid: svm: state: intercept_cr_read="
	fi
	expect_line "$s" "badcheck's state is dumped" \
		"braid: guest badcheck: the $2 state it was refused:"
	expect_line "$s" "badcpu's state is dumped" \
		"braid: guest badcpu: the $2 state it was refused:"
	expect_line "$s" "only the two broken guests fail" \
		"braid: summary: 6 guests, 4 passed, 2 failed"
}

run_entrycheck() {
	local mods
	mapfile -t mods < <(entrycheck_modules)
	BRAID_ELF=build/entrycheck/braid.elf boot svm-entrycheck qemu \
		"qemu64,+svm,+npt" "exit=qemu" "${mods[@]}"
	check_entrycheck svm-entrycheck svm
	BRAID_ELF=build/entrycheck/braid.elf boot vmx-entrycheck bochs \
		corei7_haswell_4770 "exit=bochs" "${mods[@]}"
	check_entrycheck vmx-entrycheck vmx
}
