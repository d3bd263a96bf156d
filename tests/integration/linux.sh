#!/bin/bash
# Linux guests: Debian's own kernel (linux-image-amd64) with the project's
# busybox initramfs (guests/linux/), booted by braid and running the
# workloads to the end. Sourced by run.sh (QEMU/SVM, three paging modes,
# and the negative cases) and by linux-bochs.sh (Bochs/VMX, longer).
#
#   linux_boot SCENARIO EMULATOR CPU PAGING...   one guest per paging mode
#   check_linux SCENARIO GUEST                   what it must have printed

LK=build/linux/vmlinuz
LI=build/linux/initramfs.cpio.gz
LINUX_MEM=${LINUX_MEM:-256M}
LINUX_WORKLOADS="forkexec mmapchurn bigws mixws"

# The kernel command line braid's guest gets: nothing but the console and
# the initramfs's own parameters (README.md, "Linux guests").
linux_cmdline() {
	echo "console=ttyS0 quiet braid.run=all braid.scale=${LINUX_SCALE:-1}"
}

# LINUX_OPTS: more braid options for each guest (e.g. dump_lines=0).
linux_modules() { # PAGING...
	for p in "$@"; do
		echo "$LK=name=linux-$p mem=$LINUX_MEM paging=$p ${LINUX_OPTS:-} -- $(linux_cmdline)"
		echo "$LI=+initrd"
	done
}

linux_boot() { # SCENARIO EMULATOR CPU PAGING...
	local scenario=$1 emu=$2 cpu=$3
	shift 3
	mapfile -t mods < <(linux_modules "$@")
	boot "$scenario" "$emu" "$cpu" "exit=${emu%%-*}" "${mods[@]}"
}

# check_linux SCENARIO GUEST: /init ran, every workload reported ok=1,
# /init ended the guest through the debug-exit port with 0, and braid's
# stats line shows the timer and the APICs at work.
check_linux() {
	local s=$1 g=$2 stats
	expect_line "$s" "$g reaches /init" "[$g] BRAID-INIT start"
	for w in $LINUX_WORKLOADS; do
		expect_line "$s" "$g $w ok" "[$g] BRAID-RESULT $w ok=1"
	done
	expect_line "$s" "$g all workloads passed" "[$g] BRAID-DONE passed=4 failed=0"
	expect_line "$s" "$g exits with result 0" "braid: guest $g: exited with result 0 (pass)"
	stats=$(grep -F "braid: stats {\"guest\":\"$g\"," "$LOG" | head -n 1)
	if [ -z "$stats" ]; then
		fail "$s: $g has no stats line"
		return
	fi
	# Interrupts were injected (the APIC timer ticks at HZ), and the APIC
	# registers were reached through MMIO emulation.
	if grep -qE '"irqs":[1-9][0-9]{2,}' <<<"$stats" &&
		grep -qE '"mmio":[1-9][0-9]{2,}' <<<"$stats"; then
		pass "$s: $g stats show interrupts and APIC accesses"
	else
		fail "$s: $g stats lack interrupts or MMIO: $stats"
	fi
}

# linux_cpu_boot SCENARIO EMULATOR CPU PAGING: one guest under another CPU
# model, the kernel's log at full length (loglevel=7 and no quiet: the
# warnings checked below are KERN_WARNING, which quiet hides), /init
# printing the topology /proc/cpuinfo shows (braid.show=cpu) and running
# one workload.
linux_cpu_boot() {
	local s=$1 emu=$2 cpu=$3 p=$4
	boot "$s" "$emu" "$cpu" "exit=${emu%%-*}" \
		"$LK=name=linux-$p mem=$LINUX_MEM paging=$p ${LINUX_OPTS:-} -- console=ttyS0 loglevel=7 braid.show=cpu braid.run=forkexec" \
		"$LI=+initrd"
}

# check_linux_cpu SCENARIO GUEST: no MSR access Linux did not expect to
# fault, no kernel warning, no firmware-bug or ACPI complaint, one CPU in
# /proc/cpuinfo alone in its package, and the workload to the end.
check_linux_cpu() {
	local s=$1 g=$2 kv n
	expect_no_line "$s" "$g: no unchecked MSR access" "unchecked MSR access error"
	expect_no_line "$s" "$g: no kernel warning" "WARNING: CPU:"
	expect_no_line "$s" "$g: no firmware bug reported" "[Firmware Bug]"
	# braid's FADT has the PM1a blocks ACPICA requires (dm/vpm.c): its
	# interpreter starts, and finds nothing to complain about.
	expect_no_line "$s" "$g: no ACPI BIOS error" "ACPI BIOS Error"
	expect_no_line "$s" "$g: no ACPI error" "ACPI Error"
	n=$(grep -c "^\[$g\] BRAID-CPUINFO processor=" "$LOG")
	if [ "$n" = 1 ] && grep -qxF "[$g] BRAID-CPU processors=1" "$LOG"; then
		pass "$s: $g /proc/cpuinfo lists one processor"
	else
		fail "$s: $g /proc/cpuinfo lists ${n:-0} processors (log: $LOG)"
	fi
	for kv in "siblings=1" "cpu cores=1" "apicid=0" "initial apicid=0" \
		"core id=0" "physical id=0"; do
		if grep -qxF "[$g] BRAID-CPUINFO $kv" "$LOG"; then
			pass "$s: $g /proc/cpuinfo $kv"
		else
			fail "$s: $g /proc/cpuinfo: no \"$kv\" (log: $LOG)"
		fi
	done
	expect_line "$s" "$g forkexec ok" "[$g] BRAID-RESULT forkexec ok=1"
	expect_line "$s" "$g workload passed" "[$g] BRAID-DONE passed=1 failed=0"
	expect_line "$s" "$g exits with result 0" "braid: guest $g: exited with result 0 (pass)"
}

# linux_shell SCENARIO: the interactive case. Boot with a busybox shell on
# the serial console (console=raw), type a command into the emulator's
# serial input once the prompt is up, and end the guest from the shell.
linux_shell() {
	local s=$1 iso=$OUT/$1.iso fifo=$OUT/$1.in pid i
	LOG=$OUT/$s.log
	tools/mkiso.sh "$iso" build/braid.elf "exit=qemu" \
		"$LK=name=shell mem=$LINUX_MEM console=raw -- console=ttyS0 quiet braid.run=shell" \
		"$LI=+initrd" || {
		fail "$s: cannot build the ISO"
		return
	}
	rm -f "$fifo" && mkfifo "$fifo"
	QEMU_SERIAL=stdio timeout "${BOOT_TIMEOUT:-300}" tools/run-qemu.sh "$iso" \
		<"$fifo" >"$LOG" 2>&1 &
	pid=$!
	exec 9>"$fifo"
	for i in $(seq 1 240); do
		grep -qa "built-in shell" "$LOG" && break
		sleep 1
	done
	sleep 1
	printf 'echo shell-works-$((6*7))\n' >&9
	for i in $(seq 1 60); do
		grep -qa "shell-works-42" "$LOG" && break
		sleep 1
	done
	printf 'braid-exit 0\n' >&9
	wait "$pid"
	STATUS=$?
	exec 9>&-
	rm -f "$fifo"
	tr -d '\r' <"$LOG" >"$LOG.txt" && mv "$LOG.txt" "$LOG"
	expect_line "$s" "the shell ran a typed command" "shell-works-42"
	expect_line "$s" "exit from the shell ends the guest" "braid: guest shell: exited with result 0 (pass)"
	expect_line "$s" "its stats line follows" "braid: stats {\"guest\":\"shell\","
	expect_status "$s" 0
}

# An SMP Linux guest (vcpus=2, issue 16): the kernel brings its AP up by
# INIT-SIPI-SIPI through braid, /proc/cpuinfo lists both vCPUs with their
# APIC IDs, and the workloads run to the end with the vCPUs on two CPUs.
# LINUX_SMP_PIN: the guest's cpus= (where its vCPUs may run).
linux_smp_boot() { # SCENARIO EMULATOR CPU PAGING
	local s=$1 emu=$2 cpu=$3 p=$4
	boot "$s" "$emu" "$cpu" "exit=${emu%%-*}" \
		"$LK=name=linux-smp-$p mem=$LINUX_MEM paging=$p vcpus=2${LINUX_SMP_PIN:+ cpus=$LINUX_SMP_PIN} -- console=ttyS0 loglevel=7 braid.show=cpu braid.run=${LINUX_SMP_RUN:-all} braid.scale=${LINUX_SCALE:-1}" \
		"$LI=+initrd"
}

# The workloads an SMP boot ran: LINUX_SMP_RUN, or all of them.
linux_smp_workloads() {
	if [ -n "${LINUX_SMP_RUN-}" ] && [ "$LINUX_SMP_RUN" != all ]; then
		tr , ' ' <<<"$LINUX_SMP_RUN"
	else
		echo "$LINUX_WORKLOADS"
	fi
}

check_linux_smp() { # SCENARIO GUEST (LINUX_SMP_RUN as for the boot)
	local s=$1 g=$2 id
	expect_line "$s" "$g: smp: 2 CPUs" "smp: Brought up 1 node, 2 CPUs"
	expect_line "$s" "$g: /proc/cpuinfo lists 2 processors" "[$g] BRAID-CPU processors=2"
	for id in 0 1; do
		expect_line "$s" "$g: /proc/cpuinfo has apicid $id" "[$g] BRAID-CPUINFO apicid=$id"
	done
	expect_no_line "$s" "$g: no kernel warning" "WARNING: CPU:"
	# The guest's clock runs while a vCPU waits for a CPU (braid offers no
	# steal-time clock), so a vCPU that waits long enough looks stuck to
	# the kernel's watchdog: where two vCPUs share one CPU, and on Bochs,
	# whose CPUs are one host thread counting guest time in instructions
	# (there the kernel's W+X check alone outlasts the watchdog). Checked
	# where the vCPUs run in parallel (every paging mode), unless
	# LINUX_SMP_LOCKUP=off.
	if [ "${LINUX_SMP_LOCKUP-on}" != off ]; then
		expect_no_line "$s" "$g: no soft lockup" "soft lockup"
	fi
	expect_no_line "$s" "$g: no stuck CPU" "failed to boot"
	for w in $(linux_smp_workloads); do
		expect_line "$s" "$g $w ok" "[$g] BRAID-RESULT $w ok=1"
	done
	expect_line "$s" "$g exits with result 0" "braid: guest $g: exited with result 0 (pass)"
	local on=${LINUX_SMP_CPUS:-0-1}
	if grep -qaE "^braid: stats \{\"guest\":\"$g\",.*\"sched\":\{\"cpus\":\"$on\",\"vcpus\":2," "$LOG"; then
		pass "$s: $g: its two vCPUs ran on CPUs $on"
	else
		fail "$s: $g: its stats line does not show 2 vCPUs on CPUs $on"
	fi
}

