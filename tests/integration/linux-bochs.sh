#!/bin/bash
# `make test-bochs-linux`: the Linux guest on Intel VMX + EPT (Bochs),
# under nested and compound paging, to the end of its workloads, with two
# vCPUs under nested and compound paging, and its
# full kernel log under corei7_icelake_u. Bochs
# runs Linux about 20x slower than QEMU, so this is not in `make test`.
# Ends with "integration: N passed, N failed, N skipped".
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh
. tests/integration/linux.sh
mkdir -p "$OUT"

export BOOT_TIMEOUT=${BOOT_TIMEOUT:-3600} BOCHS_MEGS=${BOCHS_MEGS:-512}
LINUX_MEM=${LINUX_MEM:-160M}
for p in nested compound; do
	linux_boot "vmx-linux-$p" bochs corei7_haswell_4770 "$p"
	check_linux "vmx-linux-$p" "linux-$p"
done
# The compound run's address spaces moved between twin and compound tree.
LOG=$OUT/vmx-linux-compound.log
n=$(grep -o '"to_twin":[0-9]*' "$LOG" | tail -n 1 | cut -d: -f2)
t=$(grep -o '"to_tree":[0-9]*' "$LOG" | tail -n 1 | cut -d: -f2)
if [ "${n:-0}" -ge 1 ] && [ "${t:-0}" -ge 1 ]; then
	pass "vmx-linux-compound: moved between twin and compound tree ($n to twin, $t to tree)"
else
	fail "vmx-linux-compound: to_twin ${n:-?}, to_tree ${t:-?} (want >=1, >=1)"
fi

# Linux with two vCPUs on Bochs cpu: count=2, nested paging: its AP
# started by INIT-SIPI-SIPI through VMX (real mode as an unrestricted
# guest), the workloads and mtchurn to the end.
export LINUX_SMP_RUN=forkexec,mmapchurn,bigws,mixws,mtchurn LINUX_SMP_LOCKUP=off
BOCHS_CPUS=2 linux_smp_boot vmx-linux-smp bochs corei7_haswell_4770 nested
check_linux_smp vmx-linux-smp linux-smp-nested
# The same under compound paging: both vCPUs on one shared compound tree
# (hv/mmu_sync.c), with its nested parts walked through EPT.
BOCHS_CPUS=2 linux_smp_boot vmx-linux-smp-compound bochs corei7_haswell_4770 compound
check_linux_smp vmx-linux-smp-compound linux-smp-compound

# The kernel's full log under a newer Intel model (Ice Lake client, with
# XSAVEC): no unchecked MSR access, no warning, the one-CPU topology
# (tests/integration/linux.sh). About 10 minutes.
linux_cpu_boot vmx-linux-icelake bochs corei7_icelake_u nested
check_linux_cpu vmx-linux-icelake linux-nested

echo "integration: $PASSED passed, $FAILED failed, $SKIPPED skipped"
[ "$FAILED" = 0 ]
